// The trial list: light enhancements of a page that works without JavaScript.
// - Empty fields (and choices left at their default) are not submitted, so the address holds
//   only what the search uses.
// - Ticking a filter, or choosing a sort or page size, applies it at once.
// - "Copy link" copies the address of the results.
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

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.parentNode.querySelector(".copy-status");
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function (message) { if (status) { status.textContent = message; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(
          function () { done("Link copied."); },
          function () { input.select(); done("Press Ctrl+C (or ⌘C) to copy the selected link."); }
        );
      } else {
        input.select();
        done("Press Ctrl+C (or ⌘C) to copy the selected link.");
      }
    });
  });
})();
