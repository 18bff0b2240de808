// What the dashboard and Compare share: the chart theme (light or dark), the time axis, tick labels,
// the benchmarks in the order typed, fetching the chart API and saying in words what it answered.
(function () {
  "use strict";
  var PALETTE = {
    light: ["#2f6fec", "#e8590c", "#0f8a4b", "#7048e8", "#c2255c", "#1098ad", "#f08c00", "#5c940d",
            "#862e9c", "#495057", "#d6336c", "#364fc7", "#adb5bd"],
    dark: ["#6f9cff", "#ff8a4c", "#3ccf7e", "#a48bff", "#ff6b9a", "#38c6dc", "#ffb84d", "#94d82d",
           "#d68bff", "#ced4da", "#ff8fab", "#8ea2ff", "#868e96"]
  };
  // A spinner ends in a chart or a sentence by then (the page promises 10 s; this leaves a margin).
  var DEADLINE_MS = 8000;
  var STILL_WAITING = "Prices are still on their way; the chart appears by itself once they arrive.";
  var scheme = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function dark() { return !!(scheme && scheme.matches); }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function colors() { return dark() ? PALETTE.dark : PALETTE.light; }

  // Chart.js's defaults follow the page's colours, so axes, grid and legend read in both schemes.
  function applyTheme() {
    if (!window.Chart) { return; }
    window.Chart.defaults.color = cssVar("--muted", "#6b7486");
    window.Chart.defaults.borderColor = cssVar("--line", "#e3e6ec");
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  }

  function onSchemeChange(callback) {
    if (!scheme) { return; }
    var handler = function () { applyTheme(); callback(); };
    if (scheme.addEventListener) { scheme.addEventListener("change", handler); } else { scheme.addListener(handler); }
  }

  // "2025-03-03" → local midnight in ms: the axis shows the very day the server meant.
  function day(iso) {
    var p = iso.split("-");
    return new Date(Number(p[0]), Number(p[1]) - 1, Number(p[2])).getTime();
  }

  function points(dates, values) {
    var out = [];
    for (var i = 0; i < dates.length; i++) {
      out.push({ x: day(dates[i]), y: values[i] === undefined ? null : values[i] });
    }
    return out;
  }

  // Decimals that tell neighbouring ticks apart: a step of 0.25 needs 2, a step of 5 needs none.
  function decimalsFor(step) {
    if (!(step > 0) || step >= 1) { return 0; }
    var d = Math.max(0, -Math.floor(Math.log10(step)));
    while (d < 6 && Math.abs(Math.round(step * Math.pow(10, d)) - step * Math.pow(10, d)) > 1e-6) { d += 1; }
    return d;
  }

  function stepOf(ticks) {
    return ticks && ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) : 0;
  }

  // Axis labels for plain numbers (growth of 100): as many decimals as the step needs, never repeated.
  function numberTicks(value, index, ticks) {
    var d = decimalsFor(stepOf(ticks));
    return Number(value).toLocaleString(undefined, { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  // Axis labels for money: compact ($280K) for large amounts, with the decimals the step needs.
  function moneyTicks(currency) {
    return function (value, index, ticks) {
      var top = Math.max.apply(null, ticks.map(function (t) { return Math.abs(t.value); }));
      var unit = top >= 1e9 ? 1e9 : (top >= 1e6 ? 1e6 : (top >= 1e4 ? 1e3 : 1));
      var d = decimalsFor(stepOf(ticks) / unit);
      var options = { style: "currency", currency: currency, minimumFractionDigits: d, maximumFractionDigits: d };
      if (unit > 1) { options.notation = "compact"; }
      return new Intl.NumberFormat(undefined, options).format(value);
    };
  }

  function moneyFormat(currency) {
    var format = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    return function (v) { return v === null || v === undefined ? "—" : format.format(v); };
  }

  // The tick unit for a span of days: Chart.js's own guess gives a phone a single "2026" for a year.
  function unitFor(dates) {
    if (!dates || dates.length < 2) { return "day"; }
    var days = (day(dates[dates.length - 1]) - day(dates[0])) / 86400000;
    if (days <= 16) { return "day"; }
    if (days <= 120) { return "week"; }
    if (days <= 1100) { return "month"; }
    if (days <= 2600) { return "quarter"; }
    return "year";
  }

  // A real time axis: dates spaced by time, ticks on days, weeks, months or years, labels never repeated.
  function lineOptions(dates, yTicks, tooltipValue) {
    var narrow = window.innerWidth < 640;
    return {
      responsive: true, maintainAspectRatio: false, animation: false, parsing: false, normalized: true,
      interaction: { mode: "index", intersect: false },
      elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2, tension: 0 } },
      scales: {
        x: { type: "time", time: { unit: unitFor(dates), tooltipFormat: "EEE d MMM yyyy",
                                   displayFormats: { day: "d MMM", week: "d MMM", month: "MMM yyyy",
                                                     quarter: "MMM yyyy", year: "yyyy" } },
             ticks: { autoSkip: true, maxTicksLimit: narrow ? 4 : 8, maxRotation: 0, autoSkipPadding: 12 },
             grid: { display: false } },
        y: { ticks: { callback: yTicks, maxTicksLimit: narrow ? 5 : 7 } }
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        decimation: { enabled: true, algorithm: "lttb", samples: narrow ? 150 : 400 },
        tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + tooltipValue(ctx.parsed.y); } } }
      }
    };
  }

  // The benchmarks in the order the person typed them, then any other key the answer has.
  function ordered(keys, typed) {
    var wanted = (typed || "").split(",").map(function (t) { return t.trim(); }).filter(Boolean);
    var present = wanted.filter(function (t) { return keys.indexOf(t) !== -1; });
    return present.concat(keys.filter(function (k) { return present.indexOf(k) === -1; }));
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { code: r.status, body: body || {} }; });
    });
  }

  // The sentence for an answer: the server's own message when it sends one (200 and 202 alike), else ours.
  function sentence(result) {
    var body = result.body || {};
    if (body.message) { return body.message; }
    if (result.code === 202 || body.status === "warming") {
      var p = body.progress || { ready: 0, total: 0 };
      return "Fetching prices: " + p.ready + " of " + p.total + "…";
    }
    if (result.code === 401) { return "Your session has ended: sign in again to see the charts."; }
    if (result.code >= 400) { return body.error || "The charts could not be loaded (error " + result.code + ")."; }
    if (body.status === "stale") { return "Yahoo Finance is unreachable or slow: these use the prices known so far, which may be old or missing."; }
    if (body.status === "unavailable") { return "No prices are available for this portfolio yet."; }
    if (body.status === "empty") { return "No transactions yet: nothing to draw."; }
    return null;
  }

  // Placeholders that sit inside each chart's own box: a spinner while waiting, a sentence for the rest.
  function Placeholders(root) {
    this.root = root;
    this.timer = null;
    this.latest = null;
    this.expired = false;  // past the deadline: waiting is said in words, never with a spinner again
  }

  Placeholders.prototype.box = function (name) {
    return this.root.querySelector('.placeholder[data-for="' + name + '"]');
  };

  Placeholders.prototype.wait = function (name, text) {
    var box = this.box(name);
    if (!box) { return; }
    box.hidden = false;
    box.classList.remove("error");
    box.querySelector(".spinner").hidden = this.expired;
    box.querySelector(".msg").textContent = text || (this.expired ? STILL_WAITING : "Loading chart…");
  };

  Placeholders.prototype.say = function (name, text, isError) {
    var box = this.box(name);
    if (!box) { return; }
    box.hidden = false;
    box.classList.toggle("error", !!isError);
    box.querySelector(".spinner").hidden = true;
    box.querySelector(".msg").textContent = text;
  };

  Placeholders.prototype.clear = function (name) {
    var box = this.box(name);
    if (box) { box.hidden = true; }
  };

  // Whatever still spins at the deadline says the latest news in words instead, and keeps listening.
  Placeholders.prototype.startDeadline = function () {
    var self = this;
    clearTimeout(self.timer);
    self.expired = false;
    self.timer = setTimeout(function () {
      self.expired = true;
      self.root.querySelectorAll(".placeholder:not([hidden])").forEach(function (box) {
        if (!box.querySelector(".spinner").hidden) {
          box.querySelector(".spinner").hidden = true;
          box.querySelector(".msg").textContent = self.latest || STILL_WAITING;
        }
      });
      if (self.onExpire) { self.onExpire(); }
    }, DEADLINE_MS);
  };

  applyTheme();
  window.FolioCharts = {
    colors: colors, dark: dark, applyTheme: applyTheme, onSchemeChange: onSchemeChange, points: points, day: day,
    numberTicks: numberTicks, moneyTicks: moneyTicks, moneyFormat: moneyFormat, lineOptions: lineOptions, unitFor: unitFor,
    ordered: ordered, getJSON: getJSON, sentence: sentence, Placeholders: Placeholders, decimalsFor: decimalsFor,
    DEADLINE_MS: DEADLINE_MS
  };
}());
