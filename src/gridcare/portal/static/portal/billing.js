// Billing pages: the pay form says which screen it is on (a phone is sent to the provider's
// page, a computer gets a QR code), quick top-up amounts fill the amount field, and the bill
// calculator shows the usage fields of the chosen mode.
(function () {
  "use strict";
  var PHONE = "(max-width: 767.98px)"; // the width at which the portal shows its tab bar

  function payForm() {
    var form = document.getElementById("gc-pay-form");
    if (!form) { return; }
    var device = form.querySelector("input[name=device]");
    var amount = form.querySelector("input[name=amount]");
    form.addEventListener("submit", function () {
      if (device) { device.value = window.matchMedia(PHONE).matches ? "phone" : "desktop"; }
    });
    form.querySelectorAll("[data-amount]").forEach(function (button) {
      button.addEventListener("click", function () { amount.value = button.dataset.amount; amount.focus(); });
    });
  }

  function quoteForm() {
    var form = document.querySelector("[data-testid=quote-form]");
    if (!form) { return; }
    function show() {
      var mode = (form.querySelector("input[name=mode]:checked") || {}).value || "total";
      form.querySelectorAll("[data-quote-field]").forEach(function (box) {
        var name = box.dataset.quoteField;
        var visible = name === "max_demand_kw" || (mode === "total") === (name === "kwh");
        box.classList.toggle("d-none", !visible);
      });
    }
    form.querySelectorAll("input[name=mode]").forEach(function (radio) { radio.addEventListener("change", show); });
    show();
  }

  document.addEventListener("DOMContentLoaded", function () { payForm(); quoteForm(); });
})();
