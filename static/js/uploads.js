// Material uploads with a progress bar. Without JavaScript (or without XHR upload events) the same forms
// post normally and the server answers with a redirect; with it, the server answers JSON. After an upload only
// that item's row (and the count of required items) is replaced from a fresh copy of the page, so files chosen
// in other rows and not uploaded yet stay chosen.
(function () {
  "use strict";

  if (!window.FormData || !("upload" in new XMLHttpRequest())) {
    return;
  }

  function showErrors(status, messages) {
    status.textContent = "";
    var list = document.createElement("ul");
    list.className = "text-danger mb-0 ps-3";
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    });
    status.appendChild(list);
  }

  function precheck(form, files) {
    var maxFiles = parseInt(form.dataset.maxFiles, 10);
    var maxSize = parseInt(form.dataset.maxSize, 10);
    var errors = [];
    if (!files.length) {
      errors.push(form.dataset.msgNone);
    }
    if (files.length > maxFiles) {
      errors.push(form.dataset.msgTooMany);
    }
    Array.prototype.forEach.call(files, function (file) {
      if (file.size > maxSize) {
        errors.push(form.dataset.msgTooLarge + " " + file.name);
      }
    });
    return errors;
  }

  function setProgress(form, percent) {
    var bar = form.querySelector(".upload-progress");
    bar.classList.remove("d-none");
    bar.setAttribute("aria-valuenow", String(percent));
    bar.querySelector(".progress-bar").style.width = percent + "%";
    bar.querySelector(".progress-bar").textContent = percent + " %";
  }

  // One request per file: a reverse proxy limits each request to about one file's size (deploy/nginx.conf),
  // and the progress bar then measures the whole selection.
  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector(".upload-status");
    var files = Array.prototype.slice.call(input.files);
    var errors = precheck(form, files);
    if (errors.length) {
      showErrors(status, errors);
      return;
    }
    var total = files.reduce(function (sum, file) { return sum + file.size; }, 0) || 1;
    var done = 0;
    var message = "";

    function fail(messages) {
      button.disabled = false;
      form.querySelector(".upload-progress").classList.add("d-none");
      showErrors(status, messages);
    }

    function next(index) {
      if (index >= files.length) {
        refresh(form, message);
        return;
      }
      var file = files[index];
      var data = new FormData(form);
      data.delete(input.name);
      data.append(input.name, file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          setProgress(form, Math.round(((done + event.loaded) / total) * 100));
        }
      });
      xhr.addEventListener("load", function () {
        var reply = null;
        try {
          reply = JSON.parse(xhr.responseText);
        } catch (e) {
          reply = null;
        }
        if (reply && reply.ok) {
          done += file.size;
          message = reply.message;
          next(index + 1);
        } else if (xhr.status === 413) {
          fail([form.dataset.msgTooLarge + " " + file.name]);
        } else {
          fail(reply && reply.errors ? reply.errors : [form.dataset.msgFailed]);
        }
      });
      xhr.addEventListener("error", function () {
        fail([form.dataset.msgFailed]);
      });
      xhr.send(data);
    }

    button.disabled = true;
    status.textContent = "";
    setProgress(form, 0);
    next(0);
  }

  // The page as the server now renders it; the uploaded row and the counter are taken from it. (The success
  // message the server queued for the page is shown on the row instead: this request has taken it.)
  function refresh(form, message) {
    var row = form.closest("[data-material-row]");
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var newRow = fresh.getElementById(row.id);
        var counter = document.querySelector("[data-required-count]");
        var newCounter = fresh.querySelector("[data-required-count]");
        if (counter && newCounter) {
          counter.replaceWith(newCounter);
        }
        row.replaceWith(newRow);
        wire(newRow);
        var status = newRow.querySelector(".upload-status");
        if (status) {
          status.textContent = message;
          status.classList.add("text-success-emphasis");
        }
      })
      .catch(function () {
        window.location.reload(); // the files are saved; the page shows them
      });
  }

  function wire(scope) {
    scope.querySelectorAll("form[data-upload]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        upload(form);
      });
    });
  }

  wire(document);
})();
