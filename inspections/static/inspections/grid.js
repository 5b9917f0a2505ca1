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

  // A cell has no result yet when a measured value is empty, or when a box is unticked and
  // no result is stored for it (an untouched box is not "conforming" until it is recorded).
  function missing(input) {
    if (input.type === "checkbox") return !input.checked && !input.hasAttribute("data-recorded");
    return input.value.trim() === "";
  }

  var count = document.getElementById("verdict-count");

  function update() {
    var bad = {}, empty = 0;
    inputs.forEach(function (input) {
      var fail = failed(input), none = missing(input);
      input.parentNode.classList.toggle("fail", fail);
      input.parentNode.classList.toggle("empty", none);
      if (none) empty += 1;
      if (!fail) return;
      var name = input.getAttribute("data-class");
      (bad[name] = bad[name] || {})[input.getAttribute("data-sample")] = true;
    });
    var rejected = false;
    panel.querySelectorAll("tr[data-class]").forEach(function (row) {
      var n = Object.keys(bad[row.getAttribute("data-class")] || {}).length;
      row.querySelector(".count").textContent = n;
      if (n >= Number(row.getAttribute("data-reject"))) rejected = true;
    });
    var label, state;
    if (empty) {
      label = rejected ? "data-incomplete-rejected" : "data-incomplete";
      state = rejected ? "bad" : "warn";
    } else {
      label = rejected ? "data-rejected" : "data-accepted";
      state = rejected ? "bad" : "ok";
    }
    text.textContent = panel.getAttribute(label);
    text.className = "status " + state;
    if (count) {
      count.textContent = panel.getAttribute("data-count")
        .replace("{recorded}", String(inputs.length - empty))
        .replace("{expected}", String(inputs.length));
    }
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
  // Pasting a block copied from a spreadsheet (tabs) or a CSV (semicolons or commas) into a
  // cell fills the cells to the right and below. A pasted "pass" marks the box's result as
  // conforming (a hidden c-<cell> field), so it is recorded like a value typed by hand.
  var FAIL = ["x", "fail", "failed", "nc", "no", "n", "false", "nonconforming", "不合格", "✗"];
  var PASS = ["pass", "passed", "ok", "yes", "y", "true", "conforming", "合格", "✓"];

  function split(text) {
    var lines = text.replace(/\r/g, "").split("\n");
    while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
    var separator = text.indexOf("\t") >= 0 ? "\t" : (text.indexOf(";") >= 0 ? ";" : ",");
    return lines.map(function (line) { return line.split(separator); });
  }

  function mark(input, conforming) {
    var name = "c-" + input.name, marker = input.parentNode.querySelector("input[type=hidden]");
    if (conforming && !marker) {
      marker = document.createElement("input");
      marker.type = "hidden";
      marker.name = name;
      marker.value = "1";
      input.parentNode.appendChild(marker);
    }
    if (marker) marker.disabled = !conforming;
    if (conforming) input.setAttribute("data-recorded", "1");
  }

  function put(input, raw) {
    var value = raw.trim();
    if (value === "") return null;
    if (input.type !== "checkbox") {
      input.value = value.replace(",", ".");
      return true;
    }
    var word = value.toLowerCase();
    if (FAIL.indexOf(word) >= 0) { input.checked = true; mark(input, false); return true; }
    if (PASS.indexOf(word) >= 0) { input.checked = false; mark(input, true); return true; }
    return false;
  }

  var status = document.getElementById("paste-status");
  grid.addEventListener("paste", function (event) {
    var start = event.target;
    if (!start.matches || !start.matches("input[data-class]")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text || !/[\t\n;,]/.test(text.trim())) return;  // one value: the browser pastes it
    if (start.type !== "checkbox" && !/[\t\n;]/.test(text.trim()) && /^[\d.,\s-]+$/.test(text)) {
      return;  // "12,5": a decimal comma, not two columns
    }
    event.preventDefault();
    var cell = start.parentNode, row = cell.parentNode;
    var column = Array.prototype.indexOf.call(row.children, cell);
    var entered = 0, skipped = 0;
    split(text).forEach(function (values) {
      if (!row) return;
      values.forEach(function (raw, offset) {
        var target = row.children[column + offset];
        var input = target && target.querySelector("input[data-class]");
        if (!input) { if (raw.trim() !== "") skipped += 1; return; }
        var done = put(input, raw);
        if (done === true) entered += 1;
        else if (done === false) skipped += 1;
      });
      row = row.nextElementSibling;
    });
    update();
    if (status) {
      var note = grid.getAttribute("data-pasted").replace("{n}", String(entered));
      if (skipped) note += " " + grid.getAttribute("data-paste-skipped").replace("{n}", String(skipped));
      status.textContent = note;
    }
  });

  grid.addEventListener("input", update);
  grid.addEventListener("change", update);
  update();
})();
