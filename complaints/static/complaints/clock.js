// SLA clocks: each <span class="clock" data-due="ISO" data-at-risk="ISO"> counts down to its
// deadline and changes colour at the at-risk instant and at breach. The server computed the
// first state from the same stored instants; this only keeps it current while the page is open.
(function () {
  "use strict";
  var LABELS = { "ok": "labelOk", "at-risk": "labelAtRisk", "breached": "labelBreached" };
  function span(seconds) {
    var s = Math.abs(Math.round(seconds));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + m + "m";
    return m + "m " + (s % 60) + "s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-due]").forEach(function (el) {
      if (el.dataset.state === "paused" || el.dataset.state === "met" || el.dataset.state === "missed") return;
      var due = Date.parse(el.dataset.due), risk = Date.parse(el.dataset.atRisk);
      var state = now >= due ? "breached" : (now >= risk ? "at-risk" : "ok");
      el.classList.remove("ok", "at-risk", "breached");
      el.classList.add(state);
      el.dataset.state = state;
      var left = el.querySelector(".left");
      if (left) {
        var pattern = now >= due ? el.dataset.overdue : el.dataset.remaining;
        left.textContent = pattern.replace("{t}", span((due - now) / 1000));
      }
      var label = el.querySelector(".state");
      var text = el.dataset[LABELS[state]];
      if (label && text) label.textContent = text;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
})();
