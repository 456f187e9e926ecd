// A select that names, per choice, the units its test accepts (data-units: {"creatinine": ["umol/L", ...]})
// limits the form's unit list (the select named by data-units-for) to them: the catalogue's other units are
// hidden, and a unit the chosen test does not accept gives way to the test's own unit. The server checks the
// unit all the same; this only saves a choice that would be refused.
(function () {
  "use strict";

  function limitUnits(testSelect) {
    var allowed = JSON.parse(testSelect.dataset.units || "{}")[testSelect.value];
    var unit = testSelect.form && testSelect.form.querySelector(testSelect.dataset.unitsFor);
    if (!unit) return;
    Array.prototype.forEach.call(unit.options, function (option) {
      var accepted = !allowed || allowed.indexOf(option.value) !== -1;
      option.hidden = !accepted;
      option.disabled = !accepted;
    });
    if (allowed && allowed.indexOf(unit.value) === -1) unit.value = allowed[0];
  }

  function limitAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-units]"), limitUnits);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-units]")) limitUnits(event.target);
  });
  // Forms arrive with the page and with htmx swaps (a panel's form is fetched when first opened).
  document.addEventListener("DOMContentLoaded", function () { limitAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { limitAll(event.target); });
})();
