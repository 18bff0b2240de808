// The Compare page: metrics table and two charts from /api/.../performance and /api/chart-data.
(function () {
  "use strict";
  var root = document.getElementById("compare");
  if (!root || !window.Chart) { return; }
  var currency = root.dataset.currency || "USD";
  var money = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 0 });
  var status = document.getElementById("compare-status");
  var state = { range: "1Y", attempt: 0, timer: null, request: 0, perf: null };
  var charts = {};
  var COLORS = ["#2f6fec", "#e8590c", "#0f8a4b", "#7048e8", "#c2255c", "#1098ad", "#f08c00", "#5c940d"];
  var ROWS = [
    ["Total return", "total_return", pct], ["Annualized return", "annualized_return", pct],
    ["Time-weighted return", "twr", pct], ["Money-weighted return (XIRR)", "mwr", pct],
    ["Volatility (annual)", "volatility", pct], ["Max drawdown", "max_drawdown", pct],
    ["Sharpe ratio", "sharpe", num]
  ];

  function pct(v) { return v === null || v === undefined ? "—" : (v > 0 ? "+" : "") + (v * 100).toFixed(2) + "%"; }
  function num(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); }
  function cls(v) { return v > 0 ? "gain" : (v < 0 ? "loss" : "flat"); }

  function query() {
    return "?range=" + encodeURIComponent(state.range) + "&benchmarks=" + encodeURIComponent(root.dataset.benchmarks || "");
  }

  function get(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { code: r.status, body: body }; });
    });
  }

  function table(perf) {
    var body = document.querySelector("#metrics tbody");
    var tickers = Object.keys(perf.table.benchmarks);
    document.querySelector("#metrics thead tr").innerHTML = "<th>Metric</th><th class='num'>Portfolio</th>" +
      tickers.map(function (t) { return "<th class='num'>" + t + "</th>"; }).join("");
    var rows = ROWS.map(function (row) {
      var cells = ['<td>' + row[0] + '</td>', cell(perf.table.portfolio[row[1]], row)];
      tickers.forEach(function (t) { cells.push(cell(perf.table.benchmarks[t][row[1]], row)); });
      return "<tr>" + cells.join("") + "</tr>";
    });
    tickers.forEach(function (t) {
      rows.push("<tr><td>Beta / correlation to " + t + "</td><td class='num'>" + num(perf.table.portfolio.beta[t]) +
                " / " + num(perf.table.portfolio.correlation[t]) + "</td>" + tickers.map(function () { return "<td></td>"; }).join("") + "</tr>");
    });
    body.innerHTML = rows.join("");
    var notes = document.getElementById("compare-notes");
    notes.textContent = "";
    tickers.forEach(function (t) { if (perf.table.benchmarks[t].note) { note(perf.table.benchmarks[t].note, false); } });
    Object.keys(perf.errors || {}).forEach(function (t) { note(t + ": " + perf.errors[t], true); });
  }

  function cell(value, row) {
    var klass = row[2] === pct && row[1] !== "volatility" ? " " + cls(value) : "";
    return "<td class='num" + klass + "'>" + row[2](value) + "</td>";
  }

  function note(text, isError) {
    var li = document.createElement("li");
    li.textContent = text;
    if (isError) { li.className = "error"; }
    document.getElementById("compare-notes").appendChild(li);
  }

  function draw(name, config) {
    root.querySelector('.placeholder[data-for="' + name + '"]').hidden = true;
    var canvas = document.getElementById("chart-" + name);
    canvas.hidden = false;
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new window.Chart(canvas, config);
  }

  function options(format) {
    return { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false },
             elements: { point: { radius: 0 }, line: { borderWidth: 2 } },
             scales: { x: { ticks: { maxTicksLimit: 7 } }, y: { ticks: { callback: format } } },
             plugins: { legend: { position: "bottom" } } };
  }

  function shadow() {
    var pick = document.getElementById("shadow-pick").value;
    var data = state.perf && state.perf.shadow[pick];
    if (!data) { return; }
    draw("shadow", { type: "line", data: { labels: data.dates, datasets: [
      { label: "Your portfolio", data: data.real_value, borderColor: COLORS[0] },
      { label: "Everything in " + pick, data: data.shadow_value, borderColor: COLORS[1] }
    ] }, options: options(function (v) { return money.format(v); }) });
    var diff = data.difference[data.difference.length - 1];
    document.getElementById("shadow-diff").textContent = diff === null ? "" :
      (diff >= 0 ? "Your portfolio is ahead by " : "The ETF would be ahead by ") + money.format(Math.abs(diff)) + ".";
  }

  function load() {
    clearTimeout(state.timer);
    var mine = ++state.request;
    Promise.all([get(root.dataset.performanceUrl + query()), get(root.dataset.chartUrl + query())]).then(function (results) {
      if (mine !== state.request) { return; }
      var perf = results[0], chart = results[1];
      if (perf.code === 202 || chart.code === 202) {
        var p = (perf.body.progress || chart.body.progress || { ready: 0, total: 0 });
        status.textContent = "Fetching prices: " + p.ready + " of " + p.total + "…";
        state.attempt += 1;
        if (state.attempt <= 8) { state.timer = setTimeout(load, Math.min(1000 * Math.pow(2, state.attempt - 1), 30000)); }
        else { status.textContent = "Prices are taking longer than usual. Reload the page in a minute."; }
        return;
      }
      if (perf.code !== 200 || chart.code !== 200) {
        status.textContent = (perf.body.error || chart.body.error || "The comparison could not be computed.");
        status.className = "status-line error";
        return;
      }
      state.attempt = 0;
      state.perf = perf.body;
      status.textContent = perf.body.status === "stale" ? "Yahoo Finance is unreachable: these use the last known prices." : "";
      status.className = "status-line" + (perf.body.status === "stale" ? " warn" : "");
      if (!perf.body.table) { status.textContent = "No transactions yet: nothing to compare."; return; }
      table(perf.body);
      var g = chart.body.growth;
      var keys = ["portfolio"].concat(Object.keys(g).filter(function (k) { return k !== "portfolio"; }));
      draw("growth", { type: "line", data: { labels: chart.body.dates, datasets: keys.map(function (k, i) {
        return { label: k === "portfolio" ? "This portfolio" : k, data: g[k], borderColor: COLORS[i % COLORS.length] };
      }) }, options: options(function (v) { return Number(v).toFixed(0); }) });
      shadow();
    }).catch(function () { status.textContent = "The server could not be reached. Reload to try again."; });
  }

  document.getElementById("shadow-pick").addEventListener("change", shadow);
  document.querySelectorAll("button.range").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll("button.range").forEach(function (b) { b.classList.remove("active"); });
      button.classList.add("active");
      state.range = button.dataset.range;
      state.attempt = 0;
      load();
    });
  });
  load();
}());
