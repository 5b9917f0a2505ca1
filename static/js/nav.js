// Phone widths: the main navigation folds behind the Menu button (site.css); the button says
// whether it is open (aria-expanded). Without this script the navigation simply wraps.
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".nav-toggle");
  if (!button) {
    return;
  }
  header.classList.add("nav-js");
  button.addEventListener("click", function () {
    var open = header.classList.toggle("nav-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
