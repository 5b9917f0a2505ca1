// A list table that scrolls sideways (phone widths) can be scrolled with the keyboard too:
// it takes focus (axe-core: scrollable-region-focusable). Tables that fit stay out of the
// tab order.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("table.list").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && table.hasAttribute("data-scroll-focus")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scroll-focus");
      }
    });
  }
  // Phone widths: a list table with one row of column headings reflows into cards; each
  // cell gets its column's heading as data-label (site.css shows it). Tables with merged
  // cells, and data-entry grids (class "no-stack"), keep scrolling instead.
  function stack() {
    document.querySelectorAll("table.list:not(.no-stack)").forEach(function (table) {
      var rows = table.tHead ? table.tHead.rows : [];
      if (rows.length !== 1 || table.querySelector("tbody [colspan], tbody [rowspan]")) {
        return;
      }
      var headings = Array.prototype.map.call(rows[0].cells, function (cell) {
        return cell.textContent.replace(/\s+/g, " ").trim();
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (cell, i) {
            if (!cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", headings[i] || "");
            }
          });
        });
      });
      table.setAttribute("data-stack", "");
    });
  }
  stack();
  mark();
  window.addEventListener("resize", mark);
})();
