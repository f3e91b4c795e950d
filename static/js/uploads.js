// Material uploads with a progress bar. Without JavaScript (or without XHR upload events) the same forms
// post normally and the server answers with a redirect; with it, the server answers JSON.
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
    var redirect = null;

    function fail(messages) {
      button.disabled = false;
      form.querySelector(".upload-progress").classList.add("d-none");
      showErrors(status, messages);
    }

    function next(index) {
      if (index >= files.length) {
        // Same page with an anchor: set it, then reload so the new versions and the message appear.
        window.location.assign(redirect);
        window.location.reload();
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
          redirect = reply.redirect;
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

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(form);
    });
  });
})();
