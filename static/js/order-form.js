// Order entry form: look-ups, line rows, live totals, keyboard flow. Loaded by
// orders/order_form.html only; no inline scripts or handlers (CSP script-src 'self').
// The server does the arithmetic: this file only asks it (htmx) and moves values around.
(function () {
  "use strict";

  var form = document.getElementById("order-form");
  if (!form) {
    return;
  }
  var rowsBody = document.getElementById("line-rows");
  var totalForms = document.getElementById("id_lines-TOTAL_FORMS");
  var addLineButton = document.getElementById("add-line");
  var customerId = document.getElementById("id_customer");
  var dirty = false;
  var submitting = false;
  // Values this script put into consignee, phone, address and payment terms: those may be
  // replaced when another address or contract is picked; anything the rep typed is kept.
  var autoFilled = {};

  function recalc() {
    form.dispatchEvent(new CustomEvent("recalc"));
  }

  function lineRows() {
    return Array.prototype.slice.call(rowsBody.querySelectorAll("tr[data-line-row]"));
  }

  // --- line rows: numbering, add, remove ------------------------------------------------------
  var INDEXED_ATTRS = ["id", "name", "for", "aria-controls", "aria-describedby"];

  function renumber() {
    lineRows().forEach(function (row, index) {
      row.querySelectorAll("*").forEach(function (el) {
        INDEXED_ATTRS.forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && value.indexOf("lines-") !== -1) {
            el.setAttribute(attr, value.replace(/lines-\d+-/g, "lines-" + index + "-"));
          }
        });
      });
      var number = row.querySelector(".line-no");
      if (number) {
        number.textContent = String(index + 1);
      }
    });
    totalForms.value = String(lineRows().length);
  }

  function firstField(row) {
    return row.querySelector("[data-lookup]");
  }

  function rowIsBlank(row) {
    return !Array.prototype.some.call(
      row.querySelectorAll("input[type=text], input:not([type])"),
      function (input) {
        return input.value.trim() !== "";
      }
    );
  }

  function addLine() {
    if (window.htmx) {
      addLineButton.click();
    }
  }

  function removeLine(row) {
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    dirty = true;
    recalc();
    (next ? firstField(next) : addLineButton).focus();
  }

  // --- look-ups (customer, product) -----------------------------------------------------------
  function lookupParts(el) {
    var wrap = el.closest(".lookup");
    if (!wrap) {
      return null;
    }
    return { input: wrap.querySelector("[data-lookup]"), menu: wrap.querySelector(".lookup-menu") };
  }

  function options(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll("[data-pick]"));
  }

  function activeIndex(menu) {
    return options(menu).findIndex(function (item) {
      return item.classList.contains("active");
    });
  }

  function setActive(menu, index) {
    options(menu).forEach(function (item, i) {
      item.classList.toggle("active", i === index);
      item.setAttribute("aria-selected", i === index ? "true" : "false");
      if (i === index) {
        item.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function closeMenu(parts) {
    parts.menu.innerHTML = "";
    parts.input.setAttribute("aria-expanded", "false");
  }

  function pick(item) {
    var parts = lookupParts(item);
    var row = item.closest("tr[data-line-row]"); // before the menu (and item) is emptied
    var label = item.getAttribute("data-label");
    var id = item.getAttribute("data-id");
    parts.input.value = label;
    parts.input.setAttribute("data-picked", label);
    closeMenu(parts);
    dirty = true;
    if (item.getAttribute("data-pick") === "customer") {
      var changed = customerId.value !== id;
      customerId.value = id;
      parts.input.classList.remove("is-invalid");
      if (changed) {
        // htmx on the hidden input loads the customer's contracts, addresses and terms.
        customerId.dispatchEvent(new Event("change", { bubbles: true }));
      } else {
        moveNext(parts.input);
      }
      return;
    }
    row.querySelector("[data-role=product-id]").value = id;
    row.querySelector(".js-spec").textContent = item.getAttribute("data-spec");
    row.querySelector(".js-unit").textContent = item.getAttribute("data-unit");
    row.querySelector("input[name$='-unit_price']").value = item.getAttribute("data-price");
    var tax = row.querySelector("select[name$='-tax_rate']");
    tax.value = item.getAttribute("data-tax-rate");
    parts.input.classList.remove("is-invalid");
    var quantity = row.querySelector("input[name$='-quantity']");
    quantity.focus();
    quantity.select();
    recalc();
  }

  // Typing over a picked customer or product un-picks it: the hidden id must match the text.
  function unpickIfEdited(input) {
    if (!input.hasAttribute("data-picked") || input.value === input.getAttribute("data-picked")) {
      return;
    }
    input.removeAttribute("data-picked");
    if (input.getAttribute("data-lookup") === "customer") {
      customerId.value = "";
      return;
    }
    var row = input.closest("tr[data-line-row]");
    row.querySelector("[data-role=product-id]").value = "";
    row.querySelector(".js-spec").textContent = "";
    row.querySelector(".js-unit").textContent = "";
    recalc();
  }

  // --- filling consignee/address/payment terms from the picked address or contract --------------
  function fillFrom(option, initialOnly) {
    if (!option) {
      return;
    }
    option.getAttributeNames().forEach(function (attr) {
      if (attr.indexOf("data-fill-") !== 0) {
        return;
      }
      var field = form.elements.namedItem(attr.slice("data-fill-".length));
      if (!field) {
        return;
      }
      var value = option.getAttribute(attr);
      if (initialOnly) {
        if (field.value === value) {
          autoFilled[field.name] = value;
        }
        return;
      }
      if (field.value === "" || field.value === autoFilled[field.name]) {
        field.value = value;
        autoFilled[field.name] = value;
      }
    });
  }

  function fillSelects(initialOnly) {
    form.querySelectorAll("select[data-fills]").forEach(function (select) {
      fillFrom(select.options[select.selectedIndex], initialOnly);
    });
  }

  // --- keyboard: Enter moves on, it never submits half an order -------------------------------
  function navigable() {
    return Array.prototype.filter.call(
      form.querySelectorAll("input:not([type=hidden]), select, textarea"),
      function (el) {
        return !el.disabled && el.offsetParent !== null;
      }
    );
  }

  function moveNext(el) {
    var row = el.closest("tr[data-line-row]");
    if (row) {
      var fields = row.querySelectorAll("input:not([type=hidden]), select");
      if (el === fields[fields.length - 1]) {
        var nextRow = row.nextElementSibling;
        if (nextRow) {
          firstField(nextRow).focus();
        } else if (!rowIsBlank(row)) {
          addLine();
        }
        return;
      }
    }
    var list = navigable();
    var next = list[list.indexOf(el) + 1];
    if (next) {
      next.focus();
      if (next.select && next.tagName === "INPUT") {
        next.select();
      }
    }
  }

  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (el.hasAttribute("data-lookup")) {
      var parts = lookupParts(el);
      var items = options(parts.menu);
      var current = activeIndex(parts.menu);
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (items.length) {
          setActive(parts.menu, Math.min(current + 1, items.length - 1));
        } else {
          el.dispatchEvent(new CustomEvent("lookup"));
        }
        return;
      }
      if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        setActive(parts.menu, Math.max(current - 1, 0));
        return;
      }
      if (event.key === "Escape" && parts.menu.children.length) {
        event.preventDefault();
        closeMenu(parts);
        return;
      }
      if (event.key === "Enter" && items.length) {
        event.preventDefault();
        pick(items[Math.max(current, 0)]);
        return;
      }
    }
    if (event.key !== "Enter" || event.isComposing) {
      return;
    }
    if (el.tagName === "TEXTAREA" || el.tagName === "BUTTON" || el.type === "submit") {
      return;
    }
    if (el.tagName === "INPUT" || el.tagName === "SELECT") {
      event.preventDefault();
      moveNext(el);
    }
  });

  // --- pointer ----------------------------------------------------------------------------------
  form.addEventListener("mousedown", function (event) {
    // Keep the focus in the look-up input while an option is clicked.
    if (event.target.closest("[data-pick]")) {
      event.preventDefault();
    }
  });

  form.addEventListener("click", function (event) {
    var item = event.target.closest("[data-pick]");
    if (item) {
      pick(item);
      return;
    }
    var remove = event.target.closest("[data-remove-line]");
    if (remove) {
      removeLine(remove.closest("tr[data-line-row]"));
    }
  });

  form.addEventListener("focusout", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-lookup")) {
      window.setTimeout(function () {
        var parts = lookupParts(el);
        if (parts && document.activeElement !== el) {
          closeMenu(parts);
        }
      }, 150);
    }
  });

  // --- typing ------------------------------------------------------------------------------------
  form.addEventListener("input", function (event) {
    var el = event.target;
    dirty = true;
    if (el.hasAttribute("data-lookup")) {
      unpickIfEdited(el);
    }
    if (el.hasAttribute("data-recalc")) {
      recalc();
    }
  });

  form.addEventListener("change", function (event) {
    var el = event.target;
    dirty = true;
    if (el.matches("select[data-fills]")) {
      fillFrom(el.options[el.selectedIndex], false);
    }
    if (el.hasAttribute("data-recalc")) {
      recalc();
    }
  });

  // --- htmx responses ---------------------------------------------------------------------------
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    // A look-up still pending after the rep picked an option would only reopen the menu.
    var el = event.detail.elt;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (
      el.hasAttribute &&
      el.hasAttribute("data-lookup") &&
      el.value === el.getAttribute("data-picked") &&
      !(trigger && trigger.type === "lookup")
    ) {
      event.preventDefault();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target === rowsBody) {
      renumber();
      var rows = lineRows();
      firstField(rows[rows.length - 1]).focus();
      dirty = true;
      return;
    }
    if (target.id === "customer-details") {
      fillSelects(false);
      var next = document.getElementById("id_contract") || document.getElementById("id_ship_to_text");
      if (next) {
        next.focus();
      }
      return;
    }
    if (target.classList.contains("lookup-menu")) {
      var parts = lookupParts(target);
      var hasOptions = options(target).length > 0;
      parts.input.setAttribute("aria-expanded", hasOptions || target.children.length ? "true" : "false");
      if (document.activeElement !== parts.input) {
        closeMenu(parts);
      } else if (hasOptions) {
        setActive(target, 0);
      }
    }
  });

  // --- leaving and submitting ---------------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    if (submitting) {
      event.preventDefault(); // a second click must not save the order twice
      return;
    }
    submitting = true;
  });

  window.addEventListener("pageshow", function () {
    submitting = false;
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- start ----------------------------------------------------------------------------------------
  fillSelects(true);
  var firstInvalid = form.querySelector(".is-invalid");
  if (firstInvalid) {
    firstInvalid.focus();
  }
})();
