// Send page: the eligible count and the first recipients, refreshed as the user types.
(function () {
  "use strict";
  var form = document.getElementById("send-form");
  if (!form) return;
  var template = form.querySelector("#template");
  var language = form.querySelector("#language");
  var limit = form.querySelector("#limit");
  // The audience and the template parameters narrow the count and change the preview.
  var fields = ["#audience-tags", "#audience-match", "#audience-where",
                "#audience-exclude-tags", "#audience-replied", "#parameters"].map(function (selector) {
    return form.querySelector(selector);
  }).filter(Boolean);
  var countEl = document.getElementById("eligible-count");
  var willEl = document.getElementById("will-send");
  var skippedEl = document.getElementById("skipped-us");
  var estimateEl = document.getElementById("estimate");
  var list = document.getElementById("preview-list");
  var empty = document.getElementById("preview-empty");
  var messageBox = document.getElementById("message-box");
  var messageText = document.getElementById("message-text");
  var timer = null;
  var pending = null;

  function filterLanguages() {
    window.wabroadcastFilterLanguages(template, language);  // languages.js
  }

  function showPreview(rows) {
    while (list.firstChild) list.removeChild(list.firstChild);
    rows.forEach(function (row) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = row.name || "\u2014";
      var phone = document.createElement("span");
      phone.className = "phone";
      phone.textContent = row.phone;
      item.appendChild(name);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(phone);
      list.appendChild(item);
    });
    empty.hidden = rows.length > 0;
  }

  function showEstimate(data) {
    // the estimated cost of the contacts it would send to (text built by the server)
    var lines = document.getElementById("estimate-lines");
    document.getElementById("estimate-total").textContent = data.estimated_cost_text || "";
    document.getElementById("estimate-note").textContent = data.estimate_note || "";
    while (lines.firstChild) lines.removeChild(lines.firstChild);
    (data.estimated_cost_lines || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      lines.appendChild(item);
    });
    estimateEl.hidden = !data.estimated_cost_text;
  }

  function refresh() {
    if (!template.value) {
      countEl.textContent = "\u2013";
      willEl.textContent = "";
      skippedEl.textContent = "";
      skippedEl.hidden = true;
      showEstimate({});
      showPreview([]);
      messageBox.hidden = true;
      return;
    }
    var params = new URLSearchParams({
      template: template.value,
      language: language ? language.value : "",
      limit: limit.value,
      preview: "1"
    });
    fields.forEach(function (field) { params.set(field.name, field.value); });
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    countEl.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-eligible-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: pending ? pending.signal : undefined
    }).then(function (response) {
      if (response.status === 422) {
        return response.json().then(function (data) {
          throw new Error(data.error && data.error.message || "HTTP 422");
        });
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      countEl.textContent = data.eligible_text;
      willEl.textContent = data.will_send_text || "";
      skippedEl.textContent = data.skipped_us_text || "";
      skippedEl.hidden = !data.skipped_us_text;
      showEstimate(data);
      showPreview(data.preview || []);
      messageText.textContent = data.message || "";
      messageBox.hidden = !data.message;
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      countEl.textContent = "?";
      willEl.textContent = error && error.message && error.message.indexOf("HTTP") !== 0
        ? error.message : "";
    }).then(function () {
      countEl.removeAttribute("aria-busy");
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  }

  template.addEventListener("change", function () { filterLanguages(); schedule(); });
  template.addEventListener("input", schedule);
  if (language) language.addEventListener("change", schedule);
  limit.addEventListener("input", schedule);
  fields.forEach(function (field) {
    field.addEventListener("input", schedule);
    field.addEventListener("change", schedule);
  });
  filterLanguages();
  if (template.value) refresh();
})();
