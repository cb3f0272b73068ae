// The approval inbox: inline decisions with htmx. No inline scripts: CSP allows script-src 'self'.
(function () {
  "use strict";
  function inInbox(element) {
    return element && element.closest && element.closest("#approval-results");
  }
  // A refused decision comes back as the row with the error (422/403), a conflict line when
  // someone else decided first (409) or a note when the order is gone (404): show them in
  // place of the row rather than dropping the answer, as htmx does for errors by default.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (inInbox(event.detail.elt) && [403, 404, 409, 422].indexOf(status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // The tab's count follows the rows: a decided row leaves the inbox; filtering shows the
  // number of rows that match.
  document.addEventListener("htmx:afterSwap", function (event) {
    var badge = document.querySelector("[data-testid=inbox-count]");
    if (!badge) {
      return;
    }
    var target = event.detail.target;
    if (target && target.id === "approval-results") {
      var results = document.getElementById("approval-results");
      if (results && results.dataset.count !== undefined) {
        badge.textContent = results.dataset.count;
      }
      return;
    }
    var swapped = target && target.id ? document.getElementById(target.id) : null;
    var outcome = swapped ? swapped.getAttribute("data-outcome") : null;
    if (outcome === "done" || outcome === "stale") {
      var count = parseInt(badge.textContent, 10);
      if (count > 0) {
        badge.textContent = String(count - 1);
      }
    }
  });
  // After an error the cursor goes to the field that needs attention.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var row = target && target.id ? document.getElementById(target.id) : null;
    if (!row || !inInbox(row)) {
      return;
    }
    var invalid = row.querySelector(".is-invalid");
    if (invalid) {
      invalid.focus();
    }
  });
})();
