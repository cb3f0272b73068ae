// Customer form: the live credit-code check (htmx fills #credit-code-check). Its answer is about
// the code now in the field, so it replaces the message the server gave for the code last sent.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "credit-code-check") {
      return;
    }
    var input = document.getElementById("id_credit_code");
    var verdict = target.querySelector("[data-valid]");
    var stale = document.getElementById("id_credit_code_error");
    if (stale) {
      stale.remove();
    }
    if (!input) {
      return;
    }
    var invalid = verdict && verdict.getAttribute("data-valid") === "false";
    input.classList.toggle("is-invalid", Boolean(invalid));
    input.classList.toggle("is-valid", Boolean(verdict) && !invalid);
    input.setAttribute("aria-invalid", invalid ? "true" : "false");
  });
})();

// Contacts and addresses: a row marked "Remove" is greyed out until the form is saved.
(function () {
  "use strict";
  function mark(box) {
    var row = box.closest(".formset-row");
    if (row) {
      row.classList.toggle("opacity-50", box.checked);
    }
  }
  function markAll(root) {
    root.querySelectorAll('.formset-row input[type="checkbox"][name$="-DELETE"]').forEach(mark);
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches('.formset-row input[type="checkbox"][name$="-DELETE"]')) {
      mark(el);
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    markAll(event.detail.elt || document);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { markAll(document); });
  } else {
    markAll(document);
  }
})();
