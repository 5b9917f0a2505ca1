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
  mark();
  window.addEventListener("resize", mark);
})();
