// Refresh the remedy list as the consumer types the delivery date, type or product. The
// form works without this (the "Check remedies" button); the server re-checks on filing.
(function () {
  "use strict";
  var form = document.querySelector("form[data-remedies-url]");
  if (!form || !window.fetch) return;
  var FIELDS = [
    "order_number",
    "delivered_on",
    "merchant",
    "product",
    "complaint_type",
    "goods_opened",
    "consumer_email",
    "consumer_phone",
  ];
  var timer = null;
  var latest = 0;

  function refresh() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && input.value) params.set(name, input.value);
    });
    var ticket = ++latest;
    fetch(form.getAttribute("data-remedies-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || ticket !== latest) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("remedies");
        var current = document.getElementById("remedies");
        if (fresh && current) current.replaceWith(fresh);
        var question = form.querySelector("[data-opened-question]");
        if (fresh && question) {
          question.hidden = fresh.getAttribute("data-opened-matters") !== "yes";
        }
      })
      .catch(function () {});
  }

  function schedule(event) {
    if (FIELDS.indexOf(event.target.name) === -1) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
