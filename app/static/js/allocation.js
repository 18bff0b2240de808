// The Allocation page's doughnuts: asset class, sector, country and currency. The numbers come in the
// section's data- attributes (the tables beside them have every slice); no request, no inline script.
(function () {
  "use strict";
  var root = document.getElementById("allocation");
  var F = window.FolioCharts;
  if (!root || !window.Chart || !F) { return; }
  var money = F.moneyFormat(root.dataset.currency || "USD");
  var boxes = new F.Placeholders(root);
  var charts = {};
  var SLICES = 9;  // the smallest slices beyond these are one "Other" slice
  var CHARTS = { "class": "class", sector: "sector", country: "country", currency: "currencies" };

  function read(name) {
    try { return JSON.parse(root.dataset[name] || "[]"); } catch (e) { return []; }
  }

  function folded(rows) {
    if (rows.length <= SLICES + 1) { return rows; }
    var rest = rows.slice(SLICES);
    var other = { name: "Other", value: 0, weight: 0 };
    rest.forEach(function (r) { other.value += r.value; other.weight += r.weight || 0; });
    return rows.slice(0, SLICES).concat([other]);
  }

  function doughnut(name, rows) {
    if (!rows.length) { boxes.say(name, "Nothing to show yet.", false); return; }
    rows = folded(rows);
    var palette = F.colors();
    var card = getComputedStyle(document.documentElement).getPropertyValue("--card").trim() || "#fff";
    boxes.clear(name);
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new window.Chart(document.getElementById("chart-" + name), {
      type: "doughnut",
      data: { labels: rows.map(function (r) { return r.name; }),
              datasets: [{ data: rows.map(function (r) { return r.value; }), borderColor: card,
                           backgroundColor: rows.map(function (_, i) { return palette[i % palette.length]; }) }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: window.innerWidth < 640 ? "bottom" : "right", labels: { boxWidth: 12 } },
                            tooltip: { callbacks: { label: function (ctx) {
                              var r = rows[ctx.dataIndex];
                              return r.name + ": " + money(r.value) + " (" + ((r.weight || 0) * 100).toFixed(1) + "%)";
                            } } } } }
    });
  }

  function render() {
    Object.keys(CHARTS).forEach(function (name) { doughnut(name, read(CHARTS[name])); });
  }

  F.onSchemeChange(render);
  render();
}());
