// Live countdowns for <time data-countdown datetime="ISO instant">absolute time</time>.
// Without JavaScript the absolute time stays; with it, "(in 5 hours)" or "(3 hours ago)"
// is added in the page's language and refreshed every 30 seconds.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var format;
  try {
    format = new Intl.RelativeTimeFormat(lang, { numeric: "always" });
  } catch (e) {
    return;
  }
  var UNITS = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];

  function relative(seconds) {
    var size = Math.abs(seconds);
    for (var i = 0; i < UNITS.length; i++) {
      if (size >= UNITS[i][1] || UNITS[i][0] === "second") {
        return format.format(Math.trunc(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
    return "";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      if (el.hasAttribute("data-paused")) return;
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      var seconds = Math.round((due - now) / 1000);
      var span = el.nextElementSibling;
      if (!span || !span.hasAttribute("data-countdown-text")) {
        span = document.createElement("span");
        span.setAttribute("data-countdown-text", "");
        span.className = "muted";
        el.insertAdjacentElement("afterend", span);
      }
      span.textContent = " (" + relative(seconds) + ")";
      el.classList.toggle("breached", seconds < 0);
    });
  }

  tick();
  window.setInterval(tick, 30000);
})();
