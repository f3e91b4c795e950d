// An online order's page (WeChat Pay QR code): ask our own status endpoint every few seconds and go on to the
// fee page once the payment is confirmed, or reload when the order is no longer open (expired or closed), so the
// page says so. Without JavaScript the page still works: reloading it shows the same states.
(function () {
  "use strict";

  var box = document.getElementById("order-status");
  if (!box || box.dataset.open !== "1" || !window.fetch) {
    return;
  }
  var every = 3000;

  function check() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state && state.paid) {
          window.location.assign(box.dataset.nextUrl);
        } else if (state && !state.open) {
          window.location.reload();
        } else {
          window.setTimeout(check, every);
        }
      })
      .catch(function () {
        window.setTimeout(check, every * 2);
      });
  }

  window.setTimeout(check, every);
})();
