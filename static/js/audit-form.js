// The on-site scoring form. Each item saves itself (fetch POST, JSON answer with the new total and progress).
// A failed save is retried with backoff and shown on the item; until the server has accepted an edit it is
// kept in localStorage, so a reload, a crash or a dead battery loses nothing: the page re-sends it on load.
// Once saved, the server is the truth. Without a connection (navigator.onLine false, or every request failing)
// an edit is shown as kept on this device and sent as soon as the browser is back online; a photo chosen offline
// waits in the page the same way. Without JavaScript every item is a plain form with a Save button.
(function () {
  "use strict";

  var root = document.querySelector("[data-audit-form]");
  if (!root || !window.fetch || !window.FormData) {
    return;
  }
  document.documentElement.classList.add("js-audit");

  var msg = root.dataset;
  var editable = msg.editable === "1";
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var prefix = "certportal:audit:" + msg.audit + ":item:";
  var delays = [1000, 2000, 4000, 8000, 16000, 30000];
  var busyStates = ["unsaved", "saving", "retrying", "offline", "failed", "invalid"];
  var waitingPhotos = []; // photo uploads tried without a connection, sent again when it is back
  // The page itself came from the server. Chromium in a network without a default route (loopback only) says
  // navigator.onLine === false although the server answers, so "offline" needs the browser's word and no answer
  // since it went offline.
  var states = {};
  var reachable = true;

  function offline() {
    return navigator.onLine === false && !reachable;
  }

  function store() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // private mode: autosave still works, only the reload safety net is missing
    }
  }

  function pending(id) {
    var s = store();
    var raw = s && s.getItem(prefix + id);
    try {
      return raw ? JSON.parse(raw).values : null;
    } catch (e) {
      return null;
    }
  }

  function remember(id, values) {
    var s = store();
    if (s) {
      s.setItem(prefix + id, JSON.stringify({ values: values, at: Date.now() }));
    }
  }

  function forget(id, sent) {
    // Only if nothing newer was typed while this save was on its way.
    var s = store();
    if (s && JSON.stringify(pending(id)) === JSON.stringify(sent)) {
      s.removeItem(prefix + id);
    }
  }

  function fields(form) {
    return form.querySelectorAll("input[name]:not([type=hidden]), textarea[name]");
  }

  function valuesOf(form) {
    var values = {};
    fields(form).forEach(function (el) {
      values[el.name] = el.type === "checkbox" ? (el.checked ? "on" : "") : el.value;
    });
    return values;
  }

  function applyValues(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) {
        return;
      }
      if (el.type === "checkbox") {
        el.checked = values[el.name] === "on";
      } else {
        el.value = values[el.name];
      }
    });
  }

  function state(id) {
    if (!states[id]) {
      states[id] = { inflight: false, again: false, attempt: 0, timer: null, saved: null };
    }
    return states[id];
  }

  function setState(card, name, text) {
    var el = card.querySelector("[data-state]");
    card.dataset.saveState = name;
    el.dataset.value = name;
    el.textContent = text;
    if (name === "failed") {
      el.setAttribute("role", "button");
      el.tabIndex = 0;
    } else {
      el.removeAttribute("tabindex");
      el.setAttribute("role", "status");
    }
    summarize();
  }

  function summarize() {
    var waiting = Array.prototype.filter.call(root.querySelectorAll("[data-item]"), function (card) {
      return busyStates.indexOf(card.dataset.saveState) !== -1;
    }).length;
    var summary = document.querySelector("[data-save-summary]");
    if (waiting) {
      summary.textContent = (offline() ? msg.msgOfflinePending : msg.msgPending) + " " + waiting;
    } else {
      summary.textContent = offline() ? msg.msgOffline : msg.msgAllSaved;
    }
    summary.dataset.offline = offline() ? "1" : "0";
    summary.classList.toggle("is-waiting", waiting > 0);
  }

  function showErrors(card, errors) {
    card.querySelectorAll("[data-error-for]").forEach(function (el) {
      el.textContent = "";
      el.classList.remove("d-block");
    });
    card.querySelectorAll(".is-invalid").forEach(function (el) {
      el.classList.remove("is-invalid");
    });
    Object.keys(errors || {}).forEach(function (field) {
      var box = card.querySelector('[data-error-for="' + field + '"]') || card.querySelector('[data-error-for="__all__"]');
      box.textContent = errors[field].join(" ");
      box.classList.add("d-block");
      var input = card.querySelector('[name="' + field + '"]');
      if (input) {
        input.classList.add("is-invalid");
      }
    });
  }

  function setBar(bar, done, total) {
    var percent = total ? Math.round((done / total) * 100) : 0;
    bar.setAttribute("aria-valuenow", String(done));
    bar.setAttribute("aria-valuemax", String(total));
    bar.querySelector(".progress-bar").style.width = percent + "%";
  }

  function showProgress(p) {
    var header = document.querySelector("[data-audit-header]");
    setBar(header.querySelector("[data-progress-bar]"), p.scored, p.total);
    header.querySelector("[data-scored]").textContent = p.scored;
    header.querySelector("[data-score]").textContent = p.score;
    header.querySelector("[data-points]").textContent = p.obtained + " / " + p.applicable;
  }

  function send(card) {
    var id = card.dataset.item;
    var st = state(id);
    clearTimeout(st.timer);
    if (st.inflight) {
      st.again = true; // one request per item at a time, so an older save can never land after a newer one
      return;
    }
    var form = card.querySelector("[data-item-form]");
    var values = valuesOf(form);
    var body = new FormData();
    Object.keys(values).forEach(function (name) {
      if (values[name] !== "" || name !== "not_applicable") {
        body.append(name, values[name]);
      }
    });
    st.inflight = true;
    if (!offline()) {
      setState(card, "saving", msg.msgSaving); // offline, the item keeps saying it waits on this device
    }
    fetch(card.dataset.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
    })
      .then(function (response) {
        reachable = true;
        return response.json().then(
          function (json) {
            return { status: response.status, json: json };
          },
          function () {
            return { status: response.status, json: null }; // e.g. the sign-in page after a session expired
          }
        );
      })
      .then(
        function (answer) {
          st.inflight = false;
          handle(card, values, answer);
        },
        function () {
          st.inflight = false;
          reachable = false;
          retry(card);
        }
      );
  }

  function handle(card, sent, answer) {
    var id = card.dataset.item;
    var st = state(id);
    var json = answer.json;
    if (answer.status === 200 && json && json.ok) {
      st.attempt = 0;
      st.saved = JSON.stringify(sent);
      forget(id, sent);
      showErrors(card, {});
      card.classList.toggle("is-scored", json.item.scored);
      card.querySelector("[data-obtained]").textContent = json.item.scored ? "= " + json.item.obtained : "";
      showProgress(json.progress);
      setState(card, "saved", msg.msgSaved);
    } else if (answer.status === 400 && json && json.errors) {
      showErrors(card, json.errors);
      setState(card, "invalid", msg.msgInvalid);
    } else if (json && json.errors) {
      showErrors(card, json.errors); // the audit was locked meanwhile, or this user may no longer score it
      setState(card, "failed", msg.msgFailed);
      return;
    } else if (answer.status >= 500 || answer.status === 0) {
      retry(card);
      return;
    } else {
      setState(card, "failed", msg.msgFailed);
      return;
    }
    if (st.again) {
      st.again = false;
      send(card);
    }
  }

  function retry(card) {
    var st = state(card.dataset.item);
    var delay = delays[Math.min(st.attempt, delays.length - 1)];
    st.attempt += 1;
    st.again = false;
    if (offline()) {
      setState(card, "offline", msg.msgKept); // kept in localStorage; "online" sends it at once
    } else if (st.attempt > delays.length) {
      setState(card, "failed", msg.msgFailed);
    } else {
      setState(card, "retrying", msg.msgRetrying);
    }
    st.timer = setTimeout(function () {
      send(card);
    }, delay); // keeps trying every 30 s after the last step; "online" tries at once
  }

  function edited(card, immediately) {
    var id = card.dataset.item;
    var st = state(id);
    var values = valuesOf(card.querySelector("[data-item-form]"));
    if (!st.inflight && JSON.stringify(values) === st.saved) {
      // Nothing new since the last save (e.g. the "change" event after typing, or an edit undone by hand).
      clearTimeout(st.timer);
      var s = store();
      if (s) {
        s.removeItem(prefix + id);
      }
      if (card.dataset.saveState && card.dataset.saveState !== "saved") {
        showErrors(card, {});
        setState(card, "saved", msg.msgSaved);
      }
      return;
    }
    remember(id, values);
    if (card.dataset.saveState !== "saving") {
      setState(card, "unsaved", msg.msgUnsaved);
    }
    clearTimeout(st.timer);
    st.attempt = 0;
    st.timer = setTimeout(function () {
      send(card);
    }, immediately ? 0 : 700);
  }

  function toggleReason(card) {
    var box = card.querySelector("[data-na]");
    var reason = card.querySelector("[data-na-reason]");
    if (box && reason) {
      reason.classList.toggle("d-none", !box.checked);
    }
  }

  function wireItem(card) {
    var form = card.querySelector("[data-item-form]");
    state(card.dataset.item).saved = JSON.stringify(valuesOf(form)); // what the server rendered
    toggleReason(card);
    if (!editable) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(card);
    });
    form.addEventListener("input", function (event) {
      if (event.target.type !== "checkbox") {
        edited(card, false);
      }
    });
    form.addEventListener("change", function (event) {
      toggleReason(card);
      edited(card, event.target.type === "checkbox");
    });
    card.querySelectorAll("[data-set-points]").forEach(function (button) {
      button.addEventListener("click", function () {
        form.querySelector("[name=points]").value = button.dataset.setPoints;
        edited(card, true);
      });
    });
    var status = card.querySelector("[data-state]");
    function retryNow(event) {
      if (card.dataset.saveState === "failed" && (event.type === "click" || event.key === "Enter")) {
        state(card.dataset.item).attempt = 0;
        send(card);
      }
    }
    status.addEventListener("click", retryNow);
    status.addEventListener("keydown", retryNow);
    var unsent = pending(card.dataset.item);
    if (unsent) {
      applyValues(form, unsent); // typed before a reload or a lost connection: show it and send it again
      toggleReason(card);
      setState(card, "unsaved", msg.msgUnsaved);
      send(card);
    }
  }

  // --- photos: upload with a progress bar, then wait for the derivative ------------------------------------

  function thumbnail(photo) {
    var figure = document.createElement("figure");
    figure.className = "photo-thumb";
    figure.dataset.photo = photo.id;
    if (photo.thumb) {
      var link = document.createElement("a");
      link.href = photo.picture;
      link.target = "_blank";
      link.rel = "noopener";
      var img = document.createElement("img");
      img.src = photo.thumb;
      img.alt = photo.caption || "";
      img.width = 96;
      img.height = 96;
      link.appendChild(img);
      figure.appendChild(link);
    } else {
      var placeholder = document.createElement("span");
      placeholder.className = "photo-placeholder";
      placeholder.textContent = photo.status === "failed" ? photo.status_label : msg.msgProcessing;
      figure.appendChild(placeholder);
    }
    return figure;
  }

  function watch(figure, url) {
    var tries = 0;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.json();
        })
        .then(function (json) {
          if (json.photo.status === "processing" && tries++ < 60) {
            setTimeout(poll, 2000);
          } else {
            figure.replaceWith(thumbnail(json.photo));
          }
        })
        .catch(function () {
          setTimeout(poll, 5000);
        });
    }
    setTimeout(poll, 1500);
  }

  function upload(form) {
    if (form.querySelector("[data-photo-input]").files.length) {
      post(form, new FormData(form)); // the chosen file, kept even if another one is chosen meanwhile
    }
  }

  function post(form, data) {
    var input = form.querySelector("[data-photo-input]");
    var bar = form.querySelector(".upload-progress");
    var status = form.querySelector("[data-photo-status]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("X-CSRFToken", csrf);
    status.textContent = "";
    bar.classList.remove("d-none");
    setBar(bar, 0, 100);
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        setBar(bar, Math.round((event.loaded / event.total) * 100), 100);
      }
    });
    xhr.addEventListener("load", function () {
      reachable = true;
      var json = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch (e) {
        json = null;
      }
      bar.classList.add("d-none");
      input.value = "";
      if (json && json.ok) {
        var figure = thumbnail(json.photo);
        form.parentNode.querySelector("[data-photos]").appendChild(figure);
        if (json.photo.status === "processing") {
          watch(figure, json.photo.status_url);
        }
      } else {
        status.textContent = json && json.errors ? json.errors.join(" ") : msg.msgUploadFailed;
      }
    });
    xhr.addEventListener("error", function () {
      bar.classList.add("d-none");
      reachable = false;
      if (offline()) {
        waitingPhotos.push({ form: form, data: data });
        status.textContent = msg.msgPhotoWaiting;
      } else {
        status.textContent = msg.msgUploadFailed;
      }
    });
    xhr.send(data);
  }

  root.querySelectorAll("[data-item]").forEach(wireItem);
  root.querySelectorAll("[data-photo-form]").forEach(function (form) {
    form.querySelector("[data-photo-input]").addEventListener("change", function () {
      upload(form);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(form);
    });
  });
  root.querySelectorAll("[data-photo][data-processing]").forEach(function (figure) {
    watch(figure, figure.dataset.statusUrl);
  });
  var header = document.querySelector("[data-audit-header] [data-progress-bar]");
  setBar(header, Number(header.getAttribute("aria-valuenow")), Number(header.getAttribute("aria-valuemax")));
  window.addEventListener("online", function () {
    root.querySelectorAll("[data-item]").forEach(function (card) {
      if (["retrying", "offline", "failed"].indexOf(card.dataset.saveState) !== -1) {
        state(card.dataset.item).attempt = 0;
        send(card);
      }
    });
    waitingPhotos.splice(0).forEach(function (photo) {
      post(photo.form, photo.data);
    });
    summarize();
  });
  window.addEventListener("offline", function () {
    reachable = false;
    summarize();
  });
  summarize();
})();
