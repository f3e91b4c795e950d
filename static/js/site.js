// certportal site behaviour. No inline scripts or handlers anywhere: the pages run under a Content-Security-Policy.
(function () {
  "use strict";

  // On a phone the navbar is collapsed behind the toggler; close it again after an in-page link is followed,
  // so the section the visitor asked for is not hidden under the open menu.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("#site-nav a[href^='#']");
    var menu = document.getElementById("site-nav");
    if (!link || !menu || !menu.classList.contains("show") || !window.bootstrap) {
      return;
    }
    window.bootstrap.Collapse.getOrCreateInstance(menu).hide();
  });
})();
