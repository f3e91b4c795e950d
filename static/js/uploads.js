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

  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector(".upload-status");
    var errors = precheck(form, input.files);
    if (errors.length) {
      showErrors(status, errors);
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        setProgress(form, Math.round((event.loaded / event.total) * 100));
      }
    });
    xhr.addEventListener("load", function () {
      var data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch (e) {
        data = null;
      }
      if (data && data.ok) {
        // Same page with an anchor: set it, then reload so the new version and the message appear.
        window.location.assign(data.redirect);
        window.location.reload();
        return;
      }
      button.disabled = false;
      form.querySelector(".upload-progress").classList.add("d-none");
      showErrors(status, data && data.errors ? data.errors : [form.dataset.msgFailed]);
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      showErrors(status, [form.dataset.msgFailed]);
    });
    button.disabled = true;
    status.textContent = "";
    setProgress(form, 0);
    xhr.send(new FormData(form));
  }

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(form);
    });
  });
})();
