// Progressive enhancement for task forms: add and remove table rows. Without JavaScript the
// form still works with the rows the server rendered (at least one).
(function () {
  "use strict";

  function renumber(tbody) {
    tbody.querySelectorAll("tr").forEach(function (row, index) {
      var button = row.querySelector(".row-remove");
      if (button) {
        button.hidden = false;
        button.setAttribute("aria-label", button.getAttribute("aria-label").replace(/\d*$/, String(index + 1)));
      }
    });
  }

  function addRow(key) {
    var table = document.getElementById("table-" + key);
    var template = document.getElementById("template-" + key);
    if (!table || !template) { return; }
    var index = parseInt(table.dataset.nextIndex || "0", 10);
    table.dataset.nextIndex = String(index + 1);
    var html = template.innerHTML.replace(/__i__/g, String(index));
    var tbody = table.tBodies[0];
    tbody.insertAdjacentHTML("beforeend", html);
    renumber(tbody);
    var first = tbody.lastElementChild.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest(".row-add");
    if (add) { addRow(add.dataset.table); return; }
    var remove = event.target.closest(".row-remove");
    if (remove) {
      var tbody = remove.closest("tbody");
      remove.closest("tr").remove();
      renumber(tbody);
    }
  });

  document.querySelectorAll(".row-add").forEach(function (button) { button.hidden = false; });
  document.querySelectorAll(".grid-input tbody").forEach(renumber);

  var errors = document.getElementById("form-errors");
  if (errors) {
    var firstInvalid = document.querySelector("[aria-invalid='true']");
    (firstInvalid || errors).focus();
  }
})();
