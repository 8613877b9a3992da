// Campaign page: live numbers pushed by the server (text/event-stream), no page reloads.
(function () {
  "use strict";
  var root = document.getElementById("campaign");
  if (!root || !window.EventSource) return;
  var live = root.querySelector('[data-field="live"]');
  var liveText = root.querySelector('[data-field="live-text"]');

  function field(name) { return root.querySelector('[data-field="' + name + '"]'); }
  function setText(name, value) {
    var el = field(name);
    if (el && value !== undefined && value !== null) el.textContent = value;
  }
  function setWidth(name, percent) {
    var el = field(name);
    if (el) el.style.width = percent + "%";
  }

  function renderFailures(rows) {
    var body = field("failures-body");
    if (!body) return;
    var fresh = document.createElement("tbody");
    fresh.setAttribute("data-field", "failures-body");
    // each cell carries its column's name: on a phone the rows are drawn as cards
    var labels = Array.prototype.map.call(
      field("failures-table").querySelectorAll("thead th"),
      function (th) { return th.textContent; }
    );
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      [row.reason, row.stage, row.count].forEach(function (value, i) {
        var td = document.createElement("td");
        td.textContent = value;
        if (i === 0) td.className = "long-text";
        if (i === 2) td.className = "num";
        if (labels[i]) td.setAttribute("data-label", labels[i]);
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    body.parentNode.replaceChild(fresh, body);
    field("failures-table").hidden = rows.length === 0;
    field("failures-empty").hidden = rows.length > 0;
  }

  function update(data) {
    var state = field("state");
    if (state) {
      state.textContent = data.state_label;
      state.className = "badge state-" + data.state;
    }
    setText("state_help", data.state_help);
    var waiting = field("waiting_for");
    if (waiting) {
      waiting.textContent = data.waiting_for || "";
      waiting.hidden = !data.waiting_for;
    }
    var error = field("error");
    if (error) {
      error.textContent = data.error || "";
      error.hidden = !data.error;
    }
    setText("percent", String(data.percent));
    setWidth("percent-bar", data.percent);
    var bar = root.querySelector('[role="progressbar"]');
    if (bar) bar.setAttribute("aria-valuenow", String(data.percent));
    setText("done", data.text.done);
    setText("target", data.text.target);
    setText("unknown", data.text.unknown);
    setText("held_back", data.text.held_back);
    setText("deferred", data.text.deferred);
    setText("retried", data.text.retried);
    setText("held", data.text.held);
    setText("held_released", data.text.held_released);
    setText("held_dropped", data.text.held_dropped);
    setText("failed", data.text.failed);
    setText("eligible", data.text.eligible);
    setText("requested", data.text.requested);
    setText("started_at", data.started_at);
    setText("finished_at", data.finished_at);
    Object.keys(data.funnel).forEach(function (key) {
      setText(key, data.text[key]);
      setWidth("bar-" + key, data.funnel_percent[key]);
    });
    var card = field("unknown-card");
    if (card) card.classList.toggle("card-warning", data.unknown > 0);
    root.querySelectorAll("form[data-action]").forEach(function (form) {
      form.hidden = data.actions.indexOf(form.getAttribute("data-action")) < 0;
    });
    var retry = field("retry-form");
    if (retry) retry.hidden = !data.retry_failed;
    setText("retry_failed", data.retry_failed);
    renderFailures(data.failures);
  }

  var source = new EventSource(root.getAttribute("data-events-url"));
  source.addEventListener("open", function () {
    if (live) live.hidden = false;
    if (liveText) liveText.textContent = root.getAttribute("data-live-on");
  });
  source.addEventListener("error", function () {
    if (live) live.hidden = true;
    if (liveText) liveText.textContent = root.getAttribute("data-live-off");
  });
  source.addEventListener("progress", function (event) {
    update(JSON.parse(event.data));
    root.setAttribute("data-updates", String(Number(root.getAttribute("data-updates") || 0) + 1));
  });
  source.addEventListener("gone", function () { source.close(); });
})();
