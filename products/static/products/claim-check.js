// Live advertising-claim feedback for the product editor (served as a file: CSP forbids
// inline scripts). Posts the title and description to the check endpoint as the merchant
// types and lists what the scanner would flag, with why. Nothing is saved.
(function () {
  "use strict";
  var form = document.getElementById("product-form");
  var list = document.getElementById("claim-feedback");
  if (!form || !list) return;
  var url = form.getAttribute("data-check-url");
  var fields = form.querySelectorAll("[data-claim-field]");
  var timer = null;
  var pending = null;

  function item(hit) {
    var li = document.createElement("li");
    var strong = document.createElement("strong");
    strong.textContent = "“" + hit.matched + "”";
    li.appendChild(strong);
    li.appendChild(document.createTextNode(" (" + hit.category_label + "): " + hit.explanation));
    if (hit.exemption_note) {
      var note = document.createElement("div");
      note.className = "muted";
      note.textContent = list.getAttribute("data-exempt-label") + " " + hit.exemption_note;
      li.appendChild(note);
    }
    return li;
  }

  function render(hits) {
    list.textContent = "";
    if (!hits.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = list.getAttribute("data-empty");
      list.appendChild(none);
      return;
    }
    hits.forEach(function (hit) { list.appendChild(item(hit)); });
  }

  function check() {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fields.forEach(function (field) { body.append(field.getAttribute("data-claim-field"), field.value); });
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url, { method: "POST", body: body, credentials: "same-origin", signal: pending.signal })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) render(data.hits); })
      .catch(function () { /* a failed check must never get in the way of editing */ });
  }

  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  });
  check();
})();
