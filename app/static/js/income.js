// The Income page's charts: dividends received per month (by source) and per year, and the next 12 months
// expected (by holding). The numbers come in the section's data- attributes; no request, no inline script.
(function () {
  "use strict";
  var root = document.getElementById("income");
  var F = window.FolioCharts;
  if (!root || !window.Chart || !F) { return; }
  var currency = root.dataset.currency || "USD";
  var money = F.moneyFormat(currency);
  var boxes = new F.Placeholders(root);
  var charts = {};
  var MONTHS_SHOWN = 36;  // the received chart shows the last three years; the tables and the CSV have the rest
  var TICKERS_SHOWN = 8;  // the projection's bars by holding; the others are one "Other" part
  var NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function read(name) {
    try { return JSON.parse(root.dataset[name] || "[]"); } catch (e) { return []; }
  }

  // "2026-03" → "Mar 2026": a category axis of months, each label once.
  function monthLabel(month) {
    var p = month.split("-");
    return NAMES[Number(p[1]) - 1] + " " + p[0];
  }

  function barOptions(stacked) {
    var narrow = window.innerWidth < 640;
    return {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: stacked, grid: { display: false },
             ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 10, maxTicksLimit: narrow ? 4 : 12 } },
        y: { stacked: stacked, beginAtZero: true, ticks: { callback: F.moneyTicks(currency), maxTicksLimit: narrow ? 5 : 7 } }
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + money(ctx.parsed.y); } } }
      }
    };
  }

  function draw(name, config) {
    boxes.clear(name);
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new window.Chart(document.getElementById("chart-" + name), config);
  }

  function received(rows) {
    var palette = F.colors();
    rows = rows.slice(-MONTHS_SHOWN);
    if (!rows.length) { boxes.say("received", "No dividends received yet.", false); return; }
    draw("received", { type: "bar", data: { labels: rows.map(function (r) { return monthLabel(r.month); }), datasets: [
      { label: "Entered", data: rows.map(function (r) { return r.entered; }), backgroundColor: palette[0] },
      { label: "From Yahoo", data: rows.map(function (r) { return r.yahoo; }), backgroundColor: palette[1] }
    ] }, options: barOptions(true) });
  }

  function years(rows) {
    if (!rows.length) { boxes.say("years", "No dividends received yet.", false); return; }
    var options = barOptions(false);
    options.plugins.legend.display = false;
    draw("years", { type: "bar", data: { labels: rows.map(function (r) { return String(r.year); }), datasets: [
      { label: "Received", data: rows.map(function (r) { return r.amount; }), backgroundColor: F.colors()[2] }
    ] }, options: options });
  }

  // One bar a month, split by holding: the largest payers by name, the rest as "Other".
  function projected(months, parts) {
    if (!parts.length) { boxes.say("projected", "Nothing expected: no holding paid a regular dividend in the last 12 months.", false); return; }
    var totals = {};
    parts.forEach(function (p) { totals[p.ticker] = (totals[p.ticker] || 0) + p.amount; });
    var named = Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a]; }).slice(0, TICKERS_SHOWN);
    var keys = named.concat(Object.keys(totals).length > named.length ? ["Other"] : []);
    var index = {};
    months.forEach(function (m, i) { index[m.month] = i; });
    var palette = F.colors();
    var datasets = keys.map(function (key, k) {
      var values = months.map(function () { return 0; });
      parts.forEach(function (p) {
        var own = named.indexOf(p.ticker) !== -1 ? p.ticker : "Other";
        if (own === key && index[p.month] !== undefined) { values[index[p.month]] += p.amount; }
      });
      return { label: key, data: values, backgroundColor: palette[k % palette.length] };
    });
    draw("projected", { type: "bar", data: { labels: months.map(function (m) { return monthLabel(m.month); }), datasets: datasets },
                        options: barOptions(true) });
  }

  function render() {
    received(read("received"));
    years(read("years"));
    projected(read("months"), read("projected"));
  }

  F.onSchemeChange(render);
  render();
}());
