// The trial list: enhancements of a page that works without JavaScript.
// - Filters apply as soon as they change, without reloading the page: the list's own address
//   is fetched, and its results and filters take the place of the old ones. The address bar
//   gets that address (the same one a reload or a shared link opens), focus stays on the
//   control that was used, and that control stays where it was on the screen.
// - Only what the search uses goes into the address: empty fields, and choices left at their
//   default (data-default, e.g. the sort order), are left out.
// - On a phone the filters open in a drawer over the results; "Show N trials" closes it.
// Where fetch or the history API is missing, the form is submitted as a plain page load.
// "Copy link" is static/js/copy-link.js, shared with the trial page.
(function () {
  "use strict";

  var form = document.querySelector("form[data-trial-search]");
  if (!form) { return; }
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var isChoice = function (el) { return el.type === "checkbox" || el.type === "radio"; };
  var isEmpty = function (el) {
    if (isChoice(el)) { return el.checked && el.value === ""; }
    return el.value === "" || el.value === el.getAttribute("data-default");
  };

  var enhanced = window.fetch && window.DOMParser && window.history && history.pushState;
  if (!enhanced) {
    form.addEventListener("submit", function () {
      each(form.elements, function (el) { if (el.name && isEmpty(el)) { el.disabled = true; } });
    });
    // Fields disabled above come back when the page is restored from the history.
    window.addEventListener("pageshow", function () {
      each(form.elements, function (el) { el.disabled = false; });
    });
    form.addEventListener("change", function (event) {
      var el = event.target;
      if (isChoice(el) || el.tagName === "SELECT") { form.submit(); }
    });
    return;
  }

  document.documentElement.classList.add("js-list");
  var phone = window.matchMedia("(max-width: 48rem)");
  var announce = document.querySelector("[data-list-announce]");
  var shownUrl = location.href.split("#")[0];
  var pending = null;
  var pendingUrl = null;

  // The address of the search the form now describes.
  function formUrl(submitter) {
    var params = new URLSearchParams();
    each(form.elements, function (el) {
      if (!el.name || el.disabled) { return; }
      if (el.type === "submit" || el.type === "button") {
        if (el === submitter) { params.append(el.name, el.value); }
        return;
      }
      if ((isChoice(el) && !el.checked) || isEmpty(el)) { return; }
      params.append(el.name, el.value);
    });
    var query = params.toString();
    return form.action.split("?")[0] + (query ? "?" + query : "");
  }

  // A key that finds the same control in the new page: its id, or its name and value.
  function keyOf(el) {
    if (!el || !form.contains(el) || el === form) { return null; }
    if (el.id) { return "#" + CSS.escape(el.id); }
    if (el.name && isChoice(el)) {
      return '[name="' + CSS.escape(el.name) + '"][value="' + CSS.escape(el.value) + '"]';
    }
    return el.name ? '[name="' + CSS.escape(el.name) + '"]' : null;
  }

  // Which filter sections are open, by the first field each holds.
  function openSections() {
    var open = {};
    each(form.querySelectorAll(".filters details"), function (details) {
      var field = details.querySelector("[name]");
      if (field) { open[field.name] = details.open; }
    });
    return open;
  }

  function drawerOpen() { return phone.matches && form.querySelector(".filters.is-open"); }

  function setDrawer(open, focusTarget) {
    var filters = form.querySelector(".filters");
    var toggle = form.querySelector("[data-open-filters]");
    filters.classList.toggle("is-open", open);
    document.body.classList.toggle("drawer-open", open);
    if (open) {
      filters.setAttribute("role", "dialog");
      filters.setAttribute("aria-modal", "true");
    } else {
      filters.removeAttribute("role");
      filters.removeAttribute("aria-modal");
    }
    if (toggle) { toggle.setAttribute("aria-expanded", String(open)); }
    if (focusTarget) { focusTarget.focus(); }
  }

  // Put the page at ``url`` in place of this one: the results and the filters.
  function show(url, options) {
    // Enter in a text field is both its change and the form's submit: one fetch serves both.
    if (pending && url === pendingUrl) { return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    pendingUrl = url;
    var results = form.querySelector(".results-area");
    results.setAttribute("aria-busy", "true");
    fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) { return { response: response, html: html }; });
      })
      .then(function (got) {
        var doc = new DOMParser().parseFromString(got.html, "text/html");
        var fresh = doc.querySelector("form[data-trial-search]");
        if (!fresh || got.response.status >= 500) {
          // Not a list page (a trial's own ID goes to that trial), or a failure: load it.
          location.assign(got.response.url);
          return;
        }
        pending = pendingUrl = null;
        swap(doc, fresh, options);
        var address = got.response.url.split("#")[0];
        if (options.push && address !== shownUrl) { history.pushState({ list: true }, "", address); }
        shownUrl = address;
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { location.assign(url); }
      });
  }

  function swap(doc, fresh, options) {
    var active = document.activeElement;
    var key = options.focus || keyOf(active);
    var typed = active && active.tagName === "INPUT" && !isChoice(active) ? active.value : null;
    var scroller = drawerOpen() ? form.querySelector(".filters") : null;
    var before = active && form.contains(active) ? active.getBoundingClientRect().top : null;
    var open = openSections();
    var wasOpen = Boolean(drawerOpen());

    each([".filters", ".results-area"], function (selector) {
      form.querySelector(selector).innerHTML = fresh.querySelector(selector).innerHTML;
    });
    form.querySelector(".results-area").removeAttribute("aria-busy");
    each(form.querySelectorAll(".filters details"), function (details) {
      var field = details.querySelector("[name]");
      if (field && open[field.name] === true) { details.open = true; }
    });
    document.title = doc.title;
    revealControls();
    if (wasOpen) { setDrawer(true); }

    var target = key ? form.querySelector(key) : null;
    if (target) {
      if (typed !== null && target.tagName === "INPUT") { target.value = typed; }
      target.focus({ preventScroll: true });
      if (before !== null) {
        var shift = target.getBoundingClientRect().top - before;
        if (scroller) { scroller.scrollTop += shift; } else { window.scrollBy(0, shift); }
      }
    }
    var count = form.querySelector("#results-h");
    if (announce && count) { announce.textContent = count.textContent.replace(/\s+/g, " ").trim(); }
  }

  // Controls that only work with this script: the drawer's buttons.
  function revealControls() {
    each(form.querySelectorAll("[data-open-filters], [data-close-filters]"), function (button) {
      button.hidden = false;
    });
  }
  revealControls();
  history.replaceState({ list: true }, "", location.href);

  form.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.name || el.form !== form || el.id === "q") { return; }
    show(formUrl(), { push: true });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(formUrl(event.submitter), { push: true });
  });

  form.addEventListener("click", function (event) {
    var el = event.target.closest("a, button");
    if (!el || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey
        || event.shiftKey || event.altKey) { return; }
    if (el.hasAttribute("data-open-filters")) {
      setDrawer(true, form.querySelector("#filters-h"));
    } else if (el.hasAttribute("data-close-filters")) {
      setDrawer(false, form.querySelector("[data-open-filters]"));
    } else if (el.hasAttribute("data-show-results")) {
      event.preventDefault();
      setDrawer(false);
      var heading = form.querySelector("#results-h");
      heading.focus({ preventScroll: true });
      heading.scrollIntoView({ block: "nearest" });
    } else if (el.closest(".active-filters, .pagination") && el.href) {
      // Removing a filter or turning a page: the same address, without a reload; focus goes
      // to the count of results, which the new page changes.
      event.preventDefault();
      show(el.href, { push: true, focus: "#results-h" });
      if (el.closest(".pagination")) { form.querySelector("#results-h").scrollIntoView(); }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drawerOpen()) {
      setDrawer(false, form.querySelector("[data-open-filters]"));
    }
  });

  // Back and forward between searches shown here.
  window.addEventListener("popstate", function () {
    if (location.href.split("#")[0] !== shownUrl) { show(location.href, { push: false }); }
  });
})();
