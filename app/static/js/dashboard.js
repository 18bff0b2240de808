// Fills the dashboard's chart boxes from /api/chart-data; no framework, no build step.
(function () {
  "use strict";
  var root = document.getElementById("charts");
  var F = window.FolioCharts;
  if (!root || !window.Chart || !F) { return; }
  var url = root.dataset.chartUrl;
  var currency = root.dataset.currency || "USD";
  var status = document.getElementById("price-status");
  var notes = document.getElementById("bench-notes");
  var NAMES = ["value", "performance", "allocation"];
  var charts = {};
  var boxes = new F.Placeholders(root);
  var state = { range: "1Y", attempt: 0, timer: null, request: 0, data: null };
  var MAX_ATTEMPTS = 10;          // 1 s, 2 s, 4 s … 30 s: about four minutes, then stop and say so
  var money = F.moneyFormat(currency);

  function setStatus(text, kind) {
    if (!status || !text) { return; }
    status.textContent = text;
    status.className = "status-line" + (kind ? " " + kind : "");
  }

  // Every box that has no chart yet shows the sentence; a spinner only while more is on its way.
  function tell(text, waiting, isError) {
    boxes.latest = text;
    NAMES.forEach(function (name) {
      if (charts[name]) { return; }
      if (waiting) { boxes.wait(name, text); } else { boxes.say(name, text, isError); }
    });
  }

  function draw(name, config) {
    boxes.clear(name);
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new window.Chart(document.getElementById("chart-" + name), config);
  }

  function forget(name) {
    if (charts[name]) { charts[name].destroy(); delete charts[name]; }
  }

  // Values drawn from trade prices say so under the value and performance charts; the allocation, like the
  // holdings table, leaves out what has no market price and says which.
  function priceNotes(data) {
    var tradeOnly = data.last_price_date === null && data.dates && data.dates.length;
    var words = tradeOnly ? "Drawn from the trade prices only: there are no market prices for this portfolio yet." :
      (data.trade_price_note || "");
    document.getElementById("value-note").textContent = words;
    document.getElementById("performance-note").textContent = words;
    document.getElementById("allocation-note").textContent = data.allocation_note || "";
  }

  function render(data) {
    var palette = F.colors();
    priceNotes(data);
    if (!data.dates || !data.dates.length) {
      NAMES.forEach(forget);
      tell(F.sentence({ code: 200, body: data }) || "No prices for this range yet.", false, false);
      return;
    }
    draw("value", {
      type: "line",
      data: { datasets: [
        { label: "Value", data: F.points(data.dates, data.value), borderColor: palette[0],
          backgroundColor: palette[0] + "18", fill: true },
        { label: "Money invested", data: F.points(data.dates, data.net_invested), borderColor: palette[9],
          borderDash: [5, 4], stepped: true }
      ] },
      options: F.lineOptions(data.dates, F.moneyTicks(currency), money)
    });
    var names = ["portfolio"].concat(F.ordered(Object.keys(data.growth || {}).filter(function (k) {
      return k !== "portfolio";
    }), root.dataset.benchmarks));
    draw("performance", { type: "line", data: { datasets: names.map(function (name, i) {
      return { label: name === "portfolio" ? "This portfolio" : name, data: F.points(data.dates, data.growth[name] || []),
               borderColor: palette[i % palette.length], borderWidth: name === "portfolio" ? 2.5 : 1.5 };
    }) }, options: F.lineOptions(data.dates, F.numberTicks, function (v) { return v === null ? "—" : Number(v).toFixed(1); }) });
    if (data.allocation && data.allocation.length) {
      draw("allocation", {
        type: "doughnut",
        data: { labels: data.allocation.map(function (a) { return a.ticker; }),
                datasets: [{ data: data.allocation.map(function (a) { return a.value; }), borderColor: getComputedStyle(root).getPropertyValue("--card").trim() || "#fff",
                             backgroundColor: data.allocation.map(function (_, i) { return palette[i % palette.length]; }) }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   plugins: { legend: { position: window.innerWidth < 640 ? "bottom" : "right", labels: { boxWidth: 12 } },
                              tooltip: { callbacks: { label: function (ctx) {
                                var a = data.allocation[ctx.dataIndex];
                                return a.ticker + ": " + money(a.value) + " (" + (a.weight * 100).toFixed(1) + "%)";
                              } } } } }
      });
    } else {
      forget("allocation");
      boxes.say("allocation", "No holding has a value to show yet.", false);
    }
    notes.textContent = "";
    F.ordered(Object.keys(data.benchmarks || {}), root.dataset.benchmarks).forEach(function (t) {
      if (data.benchmarks[t].note) { addNote(data.benchmarks[t].note, false); }
    });
    F.ordered(Object.keys(data.errors || {}), root.dataset.benchmarks).forEach(function (t) {
      addNote(t + ": " + data.errors[t], true);
    });
  }

  function addNote(text, isError) {
    var li = document.createElement("li");
    li.textContent = text;
    if (isError) { li.className = "error"; }
    notes.appendChild(li);
  }

  // The page was painted before these prices existed: paint it again once, now that they do.
  // At most once every ten minutes: a ticker that never gets a price must not reload the page each visit.
  function repaintOnce(data) {
    var key = "folio-repainted:" + url, last = Number(sessionStorage.getItem(key) || 0);
    if (root.dataset.missing === "1" && data.status === "ready" && Date.now() - last > 600000) {
      sessionStorage.setItem(key, String(Date.now()));
      window.location.reload();
      return true;
    }
    return false;
  }

  function answered(result) {
    var text = F.sentence(result);
    if (result.code === 202) {
      setStatus(text, "");
      tell(text, true, false);
      retry();
    } else if (result.code === 200) {
      state.attempt = 0;
      state.data = result.body;
      if (repaintOnce(result.body)) { return; }
      render(result.body);
      // The page already says how current its prices are; the server's own message, when it sends one, is newer.
      var kind = result.body.status === "stale" || result.body.status === "unavailable" ? "warn" : "";
      if (result.body.message) { setStatus(result.body.message, kind); }
    } else {
      NAMES.forEach(forget);
      tell(text, false, true);
    }
  }

  function load() {
    clearTimeout(state.timer);
    var mine = ++state.request;
    var query = "?range=" + encodeURIComponent(state.range) + "&benchmarks=" + encodeURIComponent(root.dataset.benchmarks || "");
    F.getJSON(url + query).then(function (result) {
      if (mine === state.request) { answered(result); }   // else a newer range was asked for meanwhile
    }).catch(function () {
      if (mine !== state.request) { return; }
      boxes.latest = "The server could not be reached; trying again…";
      setStatus(boxes.latest, "warn");
      retry();
    });
  }

  function retry() {
    state.attempt += 1;
    if (state.attempt > MAX_ATTEMPTS) {
      tell("Prices are taking longer than usual. Reload the page in a minute to try again.", false, true);
      return;
    }
    state.timer = setTimeout(load, Math.min(1000 * Math.pow(2, state.attempt - 1), 30000));
  }

  document.querySelectorAll("button.range").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll("button.range").forEach(function (b) { b.classList.remove("active"); });
      button.classList.add("active");
      state.range = button.dataset.range;
      state.attempt = 0;
      boxes.startDeadline();
      load();
    });
  });
  F.onSchemeChange(function () { if (state.data) { render(state.data); } });

  boxes.startDeadline();
  load();
}());
