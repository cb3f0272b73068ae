// Deadline alerts and customer feedback (reports app): htmx answers with a refusal or a form to
// correct (403, 404, 409, 422) replace the row, item or block they are about instead of being
// dropped, as htmx does for errors by default. No inline scripts: CSP allows script-src 'self'.
(function () {
  "use strict";
  if (window.reportsAlertsLoaded) {
    return; // included by several sections of one page
  }
  window.reportsAlertsLoaded = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var elt = event.detail.elt;
    var inside = elt && elt.closest && elt.closest("[data-swap-errors]");
    if (inside && [403, 404, 409, 422].indexOf(status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // After an error the cursor goes to the field that needs attention.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.closest || !target.closest("[data-swap-errors]")) {
      return;
    }
    var invalid = target.querySelector(".is-invalid");
    if (invalid) {
      invalid.focus();
    }
  });
})();
