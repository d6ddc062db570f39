// "Copy link" buttons: <button data-copy-target="ID" data-copy-status="ID2" hidden> copies the
// value (or text) of element ID and says so in element ID2 (a role=status region). The button
// stays hidden without JavaScript; the address is shown on the page anyway.
(function () {
  "use strict";

  function status(button, message) {
    var region = document.getElementById(button.getAttribute("data-copy-status"));
    if (region) {
      region.textContent = message;
    }
  }

  function fallbackCopy(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    var text = field.value !== undefined ? field.value : field.textContent;
    var done = function () { status(button, "Link copied."); };
    var failed = function () {
      status(button, fallbackCopy(field) ? "Link copied." : "Select the link and copy it.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
  document.querySelectorAll("input[readonly][type=url]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
})();
