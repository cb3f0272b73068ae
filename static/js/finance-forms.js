// Finance forms (invoice, credit note, receipt). No inline scripts: CSP allows script-src 'self'.
// The server checks everything; these only save typing and show an estimate.
(function () {
  "use strict";

  function parse(text) {
    var value = parseFloat(String(text || "").replace(/[,，\s]/g, ""));
    return isFinite(value) ? value : 0;
  }

  function formatCny(value) {
    var sign = value < 0 ? "-" : "";
    var fixed = Math.abs(value).toFixed(2).split(".");
    return sign + "¥" + fixed[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + fixed[1];
  }

  // Issue an invoice: fill or clear the quantities, and estimate the total.
  function setupInvoiceForm(form) {
    var inputs = form.querySelectorAll("input.invoice-qty");
    var estimate = form.querySelector("[data-invoice-estimate]");
    function update() {
      if (!estimate) return;
      var total = 0;
      var any = false;
      inputs.forEach(function (input) {
        var cell = input.closest("td");
        var priceEl = cell && cell.querySelector("[data-price]");
        var qty = parse(input.value);
        if (qty > 0 && priceEl) {
          any = true;
          total += qty * parse(priceEl.getAttribute("data-price"));
        }
      });
      if (any) total += parse(estimate.getAttribute("data-adjustment"));
      estimate.textContent = any ? formatCny(Math.round(total * 100) / 100) : "–";
    }
    form.querySelectorAll("[data-fill]").forEach(function (button) {
      button.addEventListener("click", function () {
        var fill = button.getAttribute("data-fill") === "open";
        inputs.forEach(function (input) {
          input.value = fill ? input.getAttribute("data-open") || "" : "";
        });
        update();
      });
    });
    inputs.forEach(function (input) {
      input.addEventListener("input", update);
    });
    update();
  }

  // Credit note: "reverse everything" makes the per-line quantities moot.
  function setupCreditForm(form) {
    var all = form.querySelector("input[name=reverse_all]");
    var inputs = form.querySelectorAll("input.credit-qty");
    function update() {
      inputs.forEach(function (input) {
        input.disabled = !!(all && all.checked);
      });
    }
    if (all) all.addEventListener("change", update);
    update();
  }

  // A search box that narrows a long <select> (the customers of the receipt form).
  function setupSelectFilter(box) {
    var select = document.getElementById(box.getAttribute("data-filter-select"));
    if (!select) return;
    box.addEventListener("input", function () {
      var term = box.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var match = !option.value || !term || option.text.toLowerCase().indexOf(term) !== -1;
        option.hidden = !match;
        if (match && option.value && first === null) first = option;
      });
      if (term && first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
        first.selected = true;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  // The payer is the customer unless typed otherwise: show it as the placeholder.
  function setupPayer(source) {
    var payer = source.form && source.form.querySelector("[data-payer]");
    if (!payer) return;
    function update() {
      var option = source.options[source.selectedIndex];
      payer.placeholder = option && option.value ? option.text : "";
    }
    source.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("[data-invoice-form]").forEach(setupInvoiceForm);
  document.querySelectorAll("[data-credit-form]").forEach(setupCreditForm);
  document.querySelectorAll("[data-filter-select]").forEach(setupSelectFilter);
  document.querySelectorAll("[data-payer-source]").forEach(setupPayer);
})();
