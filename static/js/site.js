// certportal site behaviour. No inline scripts or handlers anywhere: the pages run under a Content-Security-Policy.
// The three Bootstrap behaviours the pages use, written out instead of loading Bootstrap's 80 KB script (24 KB
// gzipped, a third of what the auditor's form transferred on a slow phone connection): the navbar's
// collapse toggler, dropdown menus (the user menu) and dismissible alerts. Bootstrap's CSS does the showing
// (`.show`, `data-bs-popper="static"` places a menu under its button as Bootstrap does inside navbars).
(function () {
  "use strict";

  function setExpanded(toggle, target, open) {
    target.classList.toggle("show", open);
    toggle.classList.toggle("collapsed", !open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  // --- the navbar's collapse toggler ---------------------------------------------------------------------------

  function collapseToggles(target) {
    return document.querySelectorAll('[data-bs-toggle="collapse"][data-bs-target="#' + target.id + '"]');
  }

  function setCollapsed(target, open) {
    collapseToggles(target).forEach(function (toggle) {
      setExpanded(toggle, target, open);
    });
  }

  // --- dropdowns -------------------------------------------------------------------------------------------------

  function menuOf(toggle) {
    return toggle.parentElement.querySelector(".dropdown-menu");
  }

  function closeDropdowns(except) {
    document.querySelectorAll('[data-bs-toggle="dropdown"][aria-expanded="true"]').forEach(function (toggle) {
      if (toggle !== except) {
        setExpanded(toggle, menuOf(toggle), false);
      }
    });
  }

  function openDropdown(toggle) {
    var menu = menuOf(toggle);
    closeDropdowns(toggle);
    menu.setAttribute("data-bs-popper", "static");
    setExpanded(toggle, menu, true);
  }

  function menuItems(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll(".dropdown-item:not(.disabled):not(:disabled)"));
  }

  document.addEventListener("click", function (event) {
    var collapse = event.target.closest('[data-bs-toggle="collapse"]');
    if (collapse) {
      var target = document.querySelector(collapse.getAttribute("data-bs-target"));
      setCollapsed(target, !target.classList.contains("show"));
      return;
    }
    var dropdown = event.target.closest('[data-bs-toggle="dropdown"]');
    if (dropdown) {
      if (dropdown.getAttribute("aria-expanded") === "true") {
        setExpanded(dropdown, menuOf(dropdown), false);
      } else {
        openDropdown(dropdown);
      }
      return;
    }
    var dismiss = event.target.closest('[data-bs-dismiss="alert"]');
    if (dismiss) {
      dismiss.closest(".alert").remove();
      return;
    }
    if (!event.target.closest(".dropdown-menu form")) {
      closeDropdowns(null); // a click anywhere else (or on a menu link) closes open menus
    }
    // On a phone the navbar is collapsed behind the toggler; close it again after an in-page link is followed,
    // so the section the visitor asked for is not hidden under the open menu.
    var link = event.target.closest("#site-nav a[href^='#']");
    var menu = document.getElementById("site-nav");
    if (link && menu && menu.classList.contains("show")) {
      setCollapsed(menu, false);
    }
  });

  document.addEventListener("keydown", function (event) {
    var open = document.querySelector('[data-bs-toggle="dropdown"][aria-expanded="true"]');
    var toggle = event.target.closest('[data-bs-toggle="dropdown"]');
    if (toggle && event.key === "ArrowDown" && !open) {
      event.preventDefault();
      openDropdown(toggle);
      open = toggle;
    }
    if (!open) {
      return;
    }
    var items = menuItems(menuOf(open));
    var index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      setExpanded(open, menuOf(open), false);
      open.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index === -1 ? (step > 0 ? 0 : items.length - 1) : (index + step + items.length) % items.length;
      items[next].focus();
    }
  });

  document.addEventListener("focusin", function (event) {
    var open = document.querySelector('[data-bs-toggle="dropdown"][aria-expanded="true"]');
    if (open && !open.parentElement.contains(event.target)) {
      setExpanded(open, menuOf(open), false); // tabbing out of the menu closes it
    }
  });
})();
