// The trial list: light enhancements of a page that works without JavaScript.
// - Empty fields (and choices left at their default) are not submitted, so the address holds
//   only what the search uses.
// - Ticking a filter, or choosing a sort or page size, applies it at once.
// "Copy link" is static/js/copy-link.js, shared with the trial page.
(function () {
  "use strict";

  var form = document.querySelector("form[data-trial-search]");
  if (form) {
    // Empty, or the default (data-default, e.g. the sort order): left out of the address.
    var isEmpty = function (el) {
      if (!el.name || el.disabled) { return false; }
      if (el.type === "checkbox" || el.type === "radio") { return el.checked && el.value === ""; }
      return el.value === "" || el.value === el.getAttribute("data-default");
    };
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (isEmpty(el)) { el.disabled = true; }
      });
    });
    // Fields disabled above come back when the page is restored from the history.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
    });
    form.addEventListener("change", function (event) {
      var el = event.target;
      if (el.type === "checkbox" || el.type === "radio" || el.tagName === "SELECT") {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
  }
})();
