// Live verdict for the inspection result grid (a file: CSP forbids inline scripts).
// Counts, per class of nonconformity, the sampled items with at least one failed
// requirement (a ticked box, or a measured value outside [min, max]) and compares the
// count with the class's Ac/Re. The server recomputes the verdict; this is a preview.
(function () {
  "use strict";
  var grid = document.getElementById("result-grid");
  var panel = document.getElementById("verdict");
  if (!grid || !panel) return;
  var text = document.getElementById("verdict-text");
  var inputs = Array.prototype.slice.call(grid.querySelectorAll("input[data-class]"));
  if (!inputs.length || inputs[0].disabled) return;

  function failed(input) {
    if (input.type === "checkbox") return input.checked;
    var raw = input.value.trim().replace(",", ".");
    if (raw === "") return false;
    var value = Number(raw);
    if (isNaN(value)) return true;
    var min = input.getAttribute("data-min"), max = input.getAttribute("data-max");
    return (min !== null && value < Number(min)) || (max !== null && value > Number(max));
  }

  function update() {
    var bad = {}, missing = false;
    inputs.forEach(function (input) {
      var fail = failed(input);
      input.parentNode.classList.toggle("fail", fail);
      if (input.type !== "checkbox" && input.value.trim() === "") missing = true;
      if (!fail) return;
      var name = input.getAttribute("data-class");
      (bad[name] = bad[name] || {})[input.getAttribute("data-sample")] = true;
    });
    var rejected = false;
    panel.querySelectorAll("tr[data-class]").forEach(function (row) {
      var count = Object.keys(bad[row.getAttribute("data-class")] || {}).length;
      row.querySelector(".count").textContent = count;
      if (count >= Number(row.getAttribute("data-reject"))) rejected = true;
    });
    var label = rejected ? "data-rejected" : "data-accepted";
    text.textContent = panel.getAttribute(label) +
      (missing && !rejected ? " (" + panel.getAttribute("data-pending") + ")" : "");
    text.className = "status " + (rejected ? "bad" : "ok");
  }

  // Arrow keys and Enter move along the column, so a column of values is typed quickly.
  function move(input, step) {
    var cell = input.parentNode, row = cell.parentNode;
    var column = Array.prototype.indexOf.call(row.children, cell);
    var next = row;
    do {
      next = step > 0 ? next.nextElementSibling : next.previousElementSibling;
      if (!next) return;
      var target = next.children[column] && next.children[column].querySelector("input");
      if (target) { target.focus(); if (target.select) target.select(); return; }
    } while (next);
  }

  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-class]")) return;
    if (event.key === "ArrowDown" || (event.key === "Enter" && input.type !== "checkbox")) {
      event.preventDefault();
      move(input, 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      move(input, -1);
    }
  });
  grid.addEventListener("input", update);
  grid.addEventListener("change", update);
  update();
})();
