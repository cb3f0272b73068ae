// The order page and its confirmation letter. No inline scripts: CSP allows script-src 'self'.
(function () {
  "use strict";
  // [data-print] buttons print the page (the confirmation letter's "Print" button).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  // A transition dialog puts the cursor where the user types first: a quantity or the comment.
  document.addEventListener("shown.bs.modal", function (event) {
    var field = event.target.querySelector("input.ship-qty, textarea");
    if (field) {
      field.focus();
    }
  });
  // A dialog's form is sent once: a double click must not post the transition twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest(".modal, #order-actions")) {
      return;
    }
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    if (!event.defaultPrevented) {
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = true;
      });
    }
  });
  // Coming back with the browser's back button shows the page as it was left: unlock it.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = false;
      });
    });
  });
})();
