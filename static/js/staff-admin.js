// Accessible names and keyboard access for widgets Django's admin builds in the browser (axe-core).
// - The filter box of a filter_horizontal selector (SelectFilter2.js): its <label> holds only a span with an
//   aria-label, which a plain span may not carry; as role="img" the span's aria-label names the label, and so the box.
// - A select2 autocomplete (autocomplete_fields): its combobox is labelled by the chosen value's element, which is
//   empty until something is chosen; the combobox and that element get the name of the <select> they stand for.
//   select2 is built when jQuery says the page is ready (which may come after the load event) and again for each
//   new inline row, so a MutationObserver names it whenever one appears.
// - An inline table wider than the screen (a phone) scrolls sideways: it becomes focusable, named by its heading,
//   so the keyboard can scroll it.
(function () {
  "use strict";

  function nameFilterBoxes() {
    document.querySelectorAll(".selector-filter label > span.search-label-icon[aria-label]").forEach(function (span) {
      span.setAttribute("role", "img");
    });
  }

  function nameAutocompletes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = select.labels.length ? select.labels[0].textContent : "";
      const name = (select.getAttribute("aria-label") || label).replace(/[:：]\s*$/, "").trim();
      const container = select.nextElementSibling;
      if (!name || !container || !container.classList.contains("select2")) {
        return;
      }
      container.querySelectorAll(".select2-selection[role=combobox], [role=textbox]").forEach(function (element) {
        if (element.getAttribute("aria-label") !== name) {
          element.setAttribute("aria-label", name);
        }
      });
    });
  }

  function focusableScrolling() {
    document.querySelectorAll(".inline-group").forEach(function (group) {
      if (group.scrollWidth > group.clientWidth) {
        const heading = group.querySelector("h2");
        group.setAttribute("tabindex", "0");
        group.setAttribute("role", "region");
        group.setAttribute("aria-label", heading ? heading.textContent.trim() : "");
      } else if (group.getAttribute("role") === "region") {
        group.removeAttribute("tabindex");
        group.removeAttribute("role");
        group.removeAttribute("aria-label");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("select.admin-autocomplete")) {
      nameAutocompletes();
      new MutationObserver(nameAutocompletes).observe(document.body, { childList: true, subtree: true });
    }
  });
  // SelectFilter2.js builds its selectors when the load event fires (its handler comes before this one).
  window.addEventListener("load", function () {
    nameFilterBoxes();
    focusableScrolling();
  });
  window.addEventListener("resize", focusableScrolling);
})();
