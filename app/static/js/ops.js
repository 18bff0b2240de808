// The operations page: its four charts and the routes table over 1 h, 24 h or 7 d, from /api/ops/history.
(function () {
  "use strict";
  var root = document.getElementById("ops-charts");
  if (!root || !window.FolioCharts || !window.Chart) { return; }
  var FC = window.FolioCharts;
  var places = new FC.Placeholders(root);
  var charts = {};
  var current = "1h";
  var FAMILIES = { html: "pages", chart_api: "chart data", other_api: "other API" };
  var UNITS = { "1h": "minute", "24h": "hour", "7d": "day" };
  var RANGE_WORDS = { "1h": "over the last hour", "24h": "over the last 24 hours", "7d": "over the last 7 days" };

  function points(times, values, scale) {
    return times.map(function (t, i) {
      var v = values[i];
      return { x: t, y: v === null || v === undefined ? null : v * (scale || 1) };
    });
  }

  function hasData(datasets) {
    return datasets.some(function (d) { return d.data.some(function (p) { return p.y !== null; }); });
  }

  function options(range, yTitle, yMax) {
    var y = { beginAtZero: true, title: { display: true, text: yTitle } };
    if (yMax !== undefined) { y.max = yMax; }
    return {
      responsive: true, maintainAspectRatio: false, animation: false, spanGaps: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      scales: {
        x: { type: "time", time: { unit: UNITS[range], displayFormats: { minute: "HH:mm", hour: "HH:mm", day: "d MMM" },
                                    tooltipFormat: "d MMM HH:mm" },
             ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: window.innerWidth < 640 ? 4 : 8 } },
        y: y
      }
    };
  }

  function line(label, data, color, extra) {
    var set = { label: label, data: data, borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 2,
                tension: 0.2 };
    Object.keys(extra || {}).forEach(function (k) { set[k] = extra[k]; });
    return set;
  }

  function draw(name, type, datasets, opts, empty) {
    if (charts[name]) { charts[name].destroy(); delete charts[name]; }
    if (!hasData(datasets)) { places.say(name, empty); return; }
    places.clear(name);
    charts[name] = new window.Chart(document.getElementById("chart-" + name), { type: type, data: { datasets: datasets },
                                                                                  options: opts });
  }

  function cell(text, numeric) {
    var td = document.createElement("td");
    td.textContent = text;
    if (numeric) { td.className = "num"; }
    return td;
  }

  function routes(rows, range) {
    var body = document.querySelector("#ops-routes tbody");
    document.getElementById("routes-range").textContent = RANGE_WORDS[range];
    body.textContent = "";
    if (!rows.length) {
      var tr = document.createElement("tr");
      var td = cell("No requests in this range.");
      td.colSpan = 6;
      td.className = "muted";
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var family = cell(FAMILIES[r.family] || r.family);
      family.className = "hide-sm";
      [cell(r.name), family, cell(r.requests.toLocaleString(), true),
       cell(r.p50_ms === null ? "—" : r.p50_ms.toLocaleString(), true),
       cell(r.p95_ms === null ? "—" : r.p95_ms.toLocaleString(), true),
       cell(r.errors.toLocaleString(), true)].forEach(function (td) { tr.appendChild(td); });
      body.appendChild(tr);
    });
  }

  function render(data) {
    var c = FC.colors();
    var t = data.times;
    var none = "No samples in this range yet.";
    draw("hit-rate", "line", [line("hit rate %", points(t, data.hit_rate, 100), c[0])],
         options(data.range, "%", 100), "No quote lookups in this range yet.");
    draw("p95", "line", Object.keys(FAMILIES).map(function (f, i) {
      return line(FAMILIES[f], points(t, data.p95_ms[f], 0.001), c[i]);
    }), options(data.range, "seconds"), "No requests in this range yet.");
    draw("yahoo", "bar", [
      line("requests", points(t, data.yahoo_requests), c[0], { type: "bar", borderWidth: 0 }),
      line("failed fetches", points(t, data.yahoo_failures), c[1], { type: "bar", borderWidth: 0 })
    ], options(data.range, "per bucket"), none);
    var hosts = Object.keys(data.memory_mb).sort();
    var sets = hosts.map(function (h, i) { return line(h, points(t, data.memory_mb[h]), c[i % c.length]); });
    if (sets.length) {
      sets.push(line("limit", t.map(function (x) { return { x: x, y: data.limit_mb }; }), c[c.length - 1],
                     { borderDash: [6, 4], borderWidth: 1 }));
    }
    draw("memory", "line", sets, options(data.range, "MB"), none);
    routes(data.routes, data.range);
  }

  function load(range) {
    current = range;
    ["hit-rate", "p95", "yahoo", "memory"].forEach(function (name) { places.wait(name); });
    places.startDeadline();
    FC.getJSON(root.getAttribute("data-url") + "?range=" + encodeURIComponent(range)).then(function (result) {
      if (range !== current) { return; }
      if (result.code !== 200) {
        ["hit-rate", "p95", "yahoo", "memory"].forEach(function (name) {
          places.say(name, FC.sentence(result) || "The history could not be loaded.", true);
        });
        return;
      }
      render(result.body);
    }).catch(function () {
      ["hit-rate", "p95", "yahoo", "memory"].forEach(function (name) {
        places.say(name, "The history could not be loaded: check your connection.", true);
      });
    });
  }

  document.querySelectorAll(".ranges .range").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll(".ranges .range").forEach(function (b) { b.classList.toggle("active", b === button); });
      load(button.getAttribute("data-range"));
    });
  });
  FC.onSchemeChange(function () { load(current); });
  load(current);
}());
