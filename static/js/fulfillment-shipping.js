// Shipment pages: the ship form, the receipt form and the printable shipping note.
// No inline scripts: CSP allows script-src 'self'.
(function () {
  "use strict";

  function closest(element, selector) {
    return element && element.closest ? element.closest(selector) : null;
  }

  document.addEventListener("click", function (event) {
    // [data-print]: the shipping note's "Print" button.
    if (closest(event.target, "[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    // [data-fill=open|none]: every line's "ship now" quantity to what is open, or blank.
    var fill = closest(event.target, "[data-fill]");
    if (fill) {
      event.preventDefault();
      var form = closest(fill, "form");
      var inputs = form ? form.querySelectorAll("input.ship-qty") : [];
      for (var i = 0; i < inputs.length; i++) {
        inputs[i].value = fill.dataset.fill === "open" ? inputs[i].dataset.open || "" : "";
      }
      updatePartial(form);
    }
  });

  // Shipping less than is open is a partial shipment: point at the consent field.
  function updatePartial(form) {
    if (!form || !form.hasAttribute("data-ship-form")) {
      return;
    }
    var partial = false;
    var inputs = form.querySelectorAll("input.ship-qty");
    for (var i = 0; i < inputs.length; i++) {
      var open = parseFloat(inputs[i].dataset.open || "0");
      var typed = parseFloat((inputs[i].value || "0").replace(/,/g, ""));
      if (isNaN(typed) || typed < open) {
        partial = true;
      }
    }
    var consent = form.querySelector("[name=customer_consent]");
    if (consent) {
      consent.classList.toggle("border-warning", partial);
      consent.setAttribute("aria-required", partial ? "true" : "false");
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("ship-qty")) {
      updatePartial(closest(event.target, "form"));
    }
  });

  // A shipment or receipt is sent once: a double tap must not post it twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-ship-form], [data-testid=receipt-form]")) {
      return;
    }
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.classList.add("disabled");
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    updatePartial(document.querySelector("[data-ship-form]"));
  });
})();
