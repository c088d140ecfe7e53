/* The line editor of a quote or pro-forma: add and remove lines, pick a product from the
   price list, and add the document up as the user types (per VAT rate: base, VAT, gross; and
   in all), in the user's locale. The arithmetic is decimal (BigInt, no floats) and follows the
   server's rule (documents/totals.py): each line's net rounded to cents, VAT per rate on the
   sum of the lines' nets, half up. The server's totals are the truth when the document is
   saved; this only shows the user where they stand before they save. */
(function () {
  "use strict";

  // Decimals as [BigInt units, scale]: "12.345" -> [12345n, 3].
  function parseDecimal(text, decimalSep) {
    var s = String(text == null ? "" : text).replace(/[\s\u00a0\u202f']/g, "");
    if (s === "") return null;
    var commas = (s.match(/,/g) || []).length;
    var dots = (s.match(/\./g) || []).length;
    if (commas && dots) {
      // Both: the last one is the decimal point, the other groups digits.
      var last = Math.max(s.lastIndexOf(","), s.lastIndexOf("."));
      s = s.slice(0, last).replace(/[.,]/g, "") + "." + s.slice(last + 1);
    } else if (commas + dots > 1) {
      s = s.replace(/[.,]/g, ""); // the same mark more than once: grouping
    } else if (commas + dots === 1) {
      var mark = commas ? "," : ".";
      var after = s.length - s.indexOf(mark) - 1;
      // The locale's grouping mark before exactly three digits groups; otherwise a decimal point.
      var grouping = mark !== decimalSep && after === 3;
      s = grouping ? s.replace(mark, "") : s.replace(mark, ".");
    }
    var m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
    if (!m || (m[2] === "" && !m[3])) return NaN;
    var frac = m[3] || "";
    var units = BigInt((m[2] || "0") + frac);
    return [m[1] === "-" ? -units : units, frac.length];
  }

  function pow10(n) { return BigInt(10) ** BigInt(n); }

  // Round [units, scale] to `places` decimals, half away from zero (ROUND_HALF_UP).
  function round(value, places) {
    var units = value[0], scale = value[1];
    if (scale <= places) return [units * pow10(places - scale), places];
    var div = pow10(scale - places);
    var negative = units < 0n;
    var abs = negative ? -units : units;
    var q = abs / div, r = abs % div;
    if (r * 2n >= div) q += 1n;
    return [negative ? -q : q, places];
  }

  function mul(a, b) { return [a[0] * b[0], a[1] + b[1]]; }
  function add(a, b) {
    var scale = Math.max(a[1], b[1]);
    return [a[0] * pow10(scale - a[1]) + b[0] * pow10(scale - b[1]), scale];
  }
  function toNumberString(v) {
    var units = v[0], scale = v[1];
    var negative = units < 0n;
    var digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
    var text = scale ? digits.slice(0, -scale) + "." + digits.slice(-scale) : digits;
    return (negative ? "-" : "") + text;
  }
  var ZERO = [0n, 2];
  var HUNDRED = [100n, 0];

  function formatter(lang, currency) {
    try {
      return new Intl.NumberFormat(lang, currency ? { style: "currency", currency: currency } : { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    } catch (e) {
      return new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
  }
  function decimalSeparator(lang) {
    var part = new Intl.NumberFormat(lang).formatToParts(1.5).find(function (p) { return p.type === "decimal"; });
    return part ? part.value : ".";
  }

  function initEditor(form) {
    if (form.dataset.editorReady) return;
    form.dataset.editorReady = "1";
    var lang = document.documentElement.lang || "en";
    var sep = decimalSeparator(lang);
    var list = form.querySelector("[data-line-list]");
    var template = form.querySelector("template[data-line-template]");
    var totals = form.querySelector("[data-live-totals]");
    var currencyInput = form.querySelector("[name=currency]");
    var reverseCharge = form.querySelector("[name=reverse_charge]");

    function field(row, name) { return row.querySelector("[name=line_" + name + "]"); }
    function value(row, name, fallback) {
      var input = field(row, name);
      var parsed = parseDecimal(input ? input.value : "", sep);
      if (parsed === null) return fallback;
      return parsed;
    }

    function recalc() {
      var currency = (currencyInput && currencyInput.value) || form.dataset.currency || "";
      var money = formatter(lang, currency);
      var plain = formatter(lang, "");
      var noVat = reverseCharge && reverseCharge.checked;
      var rates = {}; // rate string -> {rate, base}
      var order = [];
      var bad = false;
      list.querySelectorAll("[data-line]").forEach(function (row) {
        var qty = value(row, "quantity", null);
        var price = value(row, "unit_price", null);
        var discount = value(row, "discount_percent", [0n, 0]);
        var rate = value(row, "vat_rate", [0n, 0]);
        var out = row.querySelector("[data-line-net]");
        var invalid = [qty, price, discount, rate].some(function (v) { return Number.isNaN(v); });
        row.classList.toggle("line-invalid", invalid);
        if (invalid) { bad = true; if (out) { out.textContent = "?"; out.dataset.amount = ""; } return; }
        if (qty === null || price === null) { if (out) { out.textContent = ""; out.dataset.amount = ""; } return; }
        // net = qty × price × (100 − discount) / 100, rounded to cents.
        var factor = add(HUNDRED, [-discount[0], discount[1]]);
        var raw = mul(mul(qty, price), factor);
        var net = round([raw[0], raw[1] + 2], 2);
        if (out) { out.textContent = plain.format(Number(toNumberString(net))); out.dataset.amount = toNumberString(net); }
        var key = toNumberString(round(rate, 2));
        if (!rates[key]) { rates[key] = { rate: rate, base: ZERO }; order.push(key); }
        rates[key].base = add(rates[key].base, net);
      });
      order.sort(function (a, b) { return Number(b) - Number(a); });
      var rows = [];
      var base = ZERO, vat = ZERO;
      order.forEach(function (key) {
        var entry = rates[key];
        var raw = mul(entry.base, entry.rate);
        // base × rate / 100, rounded once per rate; none under the reverse charge.
        var tax = noVat ? ZERO : round([raw[0], raw[1] + 2], 2);
        rows.push({ rate: key, base: entry.base, vat: tax, gross: add(entry.base, tax) });
        base = add(base, entry.base);
        vat = add(vat, tax);
      });
      render(rows, base, vat, add(base, vat), money, plain, bad);
    }

    function cell(tag, text, amount) {
      var el = document.createElement(tag);
      el.textContent = text;
      if (amount !== undefined) { el.dataset.amount = amount; el.className = "num"; }
      return el;
    }
    function render(rows, base, vat, gross, money, plain, bad) {
      if (!totals) return;
      var body = totals.querySelector("tbody");
      body.textContent = "";
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        tr.dataset.rate = row.rate;
        tr.appendChild(cell("th", plain.format(Number(row.rate)).replace(/[.,]00$/, "") + " %"));
        tr.appendChild(cell("td", money.format(Number(toNumberString(row.base))), toNumberString(row.base)));
        tr.appendChild(cell("td", money.format(Number(toNumberString(row.vat))), toNumberString(row.vat)));
        tr.appendChild(cell("td", money.format(Number(toNumberString(row.gross))), toNumberString(row.gross)));
        body.appendChild(tr);
      });
      var all = totals.querySelector("[data-total-row]");
      var cells = all.querySelectorAll("td");
      [base, vat, gross].forEach(function (v, i) {
        cells[i].textContent = money.format(Number(toNumberString(v)));
        cells[i].dataset.amount = toNumberString(v);
      });
      var warn = form.querySelector("[data-live-invalid]");
      if (warn) warn.hidden = !bad;
    }

    function addLine() {
      var row = template.content.firstElementChild.cloneNode(true);
      list.appendChild(row);
      var first = row.querySelector("select, input");
      if (first) first.focus();
      recalc();
      return row;
    }

    form.addEventListener("input", function (event) {
      if (event.target.closest("[data-line]") || event.target === currencyInput) recalc();
    });
    form.addEventListener("change", function (event) {
      var picker = event.target.closest("select[data-product]");
      if (picker) {
        var option = picker.selectedOptions[0];
        var row = picker.closest("[data-line]");
        if (option && option.value) {
          // The product's name, unit, price and VAT rate fill the line; the user may change them.
          field(row, "description").value = option.dataset.name || "";
          field(row, "unit").value = option.dataset.unit || "";
          field(row, "unit_price").value = option.dataset.price || "";
          var rate = field(row, "vat_rate");
          rate.value = option.dataset.vat || "";
          if (!field(row, "quantity").value) field(row, "quantity").value = option.dataset.one || "1";
        }
      }
      recalc();
    });
    form.addEventListener("click", function (event) {
      if (event.target.closest("[data-add-line]")) { event.preventDefault(); addLine(); return; }
      var remove = event.target.closest("[data-remove-line]");
      if (remove) {
        event.preventDefault();
        remove.closest("[data-line]").remove();
        recalc();
      }
    });
    if (!list.querySelector("[data-line]")) addLine();
    recalc();
  }

  function init(root) {
    (root || document).querySelectorAll("form[data-line-editor]").forEach(initEditor);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
  window.LeadbridgeDocuments = { parseDecimal: parseDecimal, round: round, toNumberString: toNumberString };
})();
