// The Compare page: metrics table and two charts from /api/.../performance and /api/chart-data.
(function () {
  "use strict";
  var root = document.getElementById("compare");
  var F = window.FolioCharts;
  if (!root || !window.Chart || !F) { return; }
  var currency = root.dataset.currency || "USD";
  var money = F.moneyFormat(currency);
  var status = document.getElementById("compare-status");
  var boxes = new F.Placeholders(root);
  var state = { range: "1Y", attempt: 0, timer: null, request: 0, perf: null, chart: null };
  var charts = {};
  var MAX_ATTEMPTS = 10;
  // [label, key, format, one-line explanation]
  var ROWS = [
    ["Total return", "total_return", signedPct,
     "Gain over the range: profit divided by the most money that was in (for an ETF, its price change with dividends)."],
    ["Annualized return", "annualized_return", signedPct,
     "The time-weighted return as a yearly rate; shown for ranges of a year or more."],
    ["Time-weighted return (TWR)", "twr", signedPct,
     "Growth of the investments themselves, whatever was added or taken out and when: the fair way to compare with an ETF."],
    ["Money-weighted return (XIRR)", "mwr", signedPct,
     "Your own rate of return, counting when money went in and came out (yearly for ranges of a year or more)."],
    ["Volatility (annual)", "volatility", plainPct,
     "How much the value swings from day to day, as a yearly figure: higher is bumpier."],
    ["Max drawdown", "max_drawdown", signedPct,
     "The largest fall from a high to a later low within the range."],
    ["Sharpe ratio", "sharpe", num,
     "Return per unit of volatility above the risk-free rate: higher means the ups and downs paid better."]
  ];
  var BETA = "How far the portfolio moves when the ETF moves 1%: 1.2 means 1.2%.";
  var CORRELATION = "How closely the portfolio and the ETF move together, from −1 (opposite) to 1 (in step).";
  var NOT_ENOUGH = "not enough price history";
  var NO_PRICES = "no prices yet";
  var PARTLY = "partly on trade prices";

  function signedPct(v) { return v === null || v === undefined ? "—" : (v > 0 ? "+" : "") + (v * 100).toFixed(2) + "%"; }
  function plainPct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(2) + "%"; }
  function num(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); }
  function cls(v) { return v > 0 ? "gain" : (v < 0 ? "loss" : "flat"); }
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function query() {
    return "?range=" + encodeURIComponent(state.range) + "&benchmarks=" + encodeURIComponent(root.dataset.benchmarks || "");
  }

  function setStatus(text, kind) {
    status.textContent = text || "";
    status.className = "status-line" + (kind ? " " + kind : "");
  }

  // The metrics table's own waiting line: a spinner at first, a sentence once there is news or the deadline passes.
  function tableMessage(text, waiting) {
    waiting = waiting && !boxes.expired;
    var body = document.querySelector("#metrics tbody");
    var cols = document.querySelectorAll("#metrics thead th").length;
    body.innerHTML = "<tr class='waiting'><td colspan='" + cols + "' class='muted'>" +
      (waiting ? "<span class='spinner inline' aria-hidden='true'></span> " : "") + "<span class='msg'>" + esc(text) + "</span></td></tr>";
    document.getElementById("comove-wrap").hidden = true;
  }

  function label(row) {
    return "<td><span class='metric'>" + esc(row[0]) + "</span> <button type='button' class='tip' title='" + esc(row[3]) +
      "' aria-label='What is " + esc(row[0]) + "?' aria-expanded='false'>?</button><span class='explain' hidden>" +
      esc(row[3]) + "</span></td>";
  }

  // The portfolio, then every benchmark in the order typed; one without prices keeps its column, saying so.
  function columns(perf) {
    var known = perf.table.benchmarks || {};
    var typed = (root.dataset.benchmarks || "").split(",").filter(Boolean);
    var tickers = F.ordered(Object.keys(known).concat(typed.filter(function (t) { return !known[t]; })), root.dataset.benchmarks);
    return [{ key: "portfolio", name: "Portfolio", row: perf.table.portfolio }].concat(tickers.map(function (t) {
      return { key: t, name: t, row: known[t] || { unpriced: true, reason: (perf.errors || {})[t] } };
    }));
  }

  function cell(column, row) {
    var value = column.row[row[1]];
    if (column.row.insufficient || column.row.unpriced) {
      var why = column.row.reason || (column.row.unpriced ? NO_PRICES : NOT_ENOUGH);
      return "<td class='num muted' data-col='" + esc(column.name) + "' title='" + esc(why) + "'>—</td>";
    }
    var klass = row[2] === signedPct ? " " + cls(value) : "";
    var title = column.partly ? " title='" + esc(column.partly) + "'" : "";
    return "<td class='num" + klass + "' data-col='" + esc(column.name) + "'" + title + ">" + row[2](value) + "</td>";
  }

  // Until the server says so itself: a portfolio with no market price at all is valued on its trade
  // prices only, and figures drawn from those would look real without being so.
  function markTradePricesOnly(perf) {
    var p = perf.table.portfolio;
    if (!("insufficient" in p) && "last_price_date" in perf && perf.last_price_date === null) {
      p.insufficient = true;
      p.reason = "valued on trade prices only, with no market prices yet";
    }
  }

  function table(perf) {
    markTradePricesOnly(perf);
    var cols = columns(perf);
    // Figures from a portfolio partly valued on trade prices carry that label; the benchmarks' do not.
    cols[0].partly = (perf.trade_priced || []).length ? perf.trade_price_note || PARTLY : "";
    document.querySelector("#metrics thead tr").innerHTML = "<th>Metric</th>" + cols.map(function (c) {
      var aside = c.row.insufficient ? NOT_ENOUGH : (c.row.unpriced ? NO_PRICES : (c.partly ? PARTLY : ""));
      return "<th class='num'>" + esc(c.name) + (aside ? "<br><span class='small muted aside'>" + aside + "</span>" : "") + "</th>";
    }).join("");
    document.querySelector("#metrics tbody").innerHTML = ROWS.map(function (row) {
      return "<tr>" + label(row) + cols.map(function (c) { return cell(c, row); }).join("") + "</tr>";
    }).join("");
    comove(perf, cols.slice(1).filter(function (c) { return !c.row.unpriced; }));
    var notes = document.getElementById("compare-notes");
    notes.textContent = "";
    cols.forEach(function (c) {
      if (c.row.insufficient) { note(c.name + ": " + NOT_ENOUGH + (c.row.reason ? " (" + c.row.reason + ")" : "") + ".", false); }
      if (c.row.note) { note(c.row.note, false); }
      if (c.partly) { note(c.name + ": " + c.partly, false); }
    });
    F.ordered(Object.keys(perf.errors || {}), root.dataset.benchmarks).forEach(function (t) { note(t + ": " + perf.errors[t], true); });
  }

  // Beta and correlation are the portfolio against each ETF: a small table of their own, one line per ETF.
  function comove(perf, benchmarks) {
    var wrap = document.getElementById("comove-wrap");
    var p = perf.table.portfolio;
    wrap.hidden = !benchmarks.length;
    document.querySelector("#comove thead tr").innerHTML = "<th>The portfolio against</th>" +
      "<th class='num'>Beta <button type='button' class='tip' title='" + esc(BETA) + "' aria-label='What is beta?' aria-expanded='false'>?</button><span class='explain' hidden>" + esc(BETA) + "</span></th>" +
      "<th class='num'>Correlation <button type='button' class='tip' title='" + esc(CORRELATION) + "' aria-label='What is correlation?' aria-expanded='false'>?</button><span class='explain' hidden>" + esc(CORRELATION) + "</span></th>";
    document.querySelector("#comove tbody").innerHTML = benchmarks.map(function (c) {
      var short = p.insufficient || c.row.insufficient;
      var beta = short ? NOT_ENOUGH : num((p.beta || {})[c.key]);
      var corr = short ? NOT_ENOUGH : num((p.correlation || {})[c.key]);
      return "<tr><td><strong>" + esc(c.name) + "</strong></td><td class='num' data-col='Beta'>" + beta +
        "</td><td class='num' data-col='Correlation'>" + corr + "</td></tr>";
    }).join("");
  }

  function note(text, isError) {
    var li = document.createElement("li");
    li.textContent = text;
    if (isError) { li.className = "error"; }
    document.getElementById("compare-notes").appendChild(li);
  }

  function draw(name, config) {
    boxes.clear(name);
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new window.Chart(document.getElementById("chart-" + name), config);
  }

  function forget(name) {
    if (charts[name]) { charts[name].destroy(); delete charts[name]; }
  }

  function growth(chart) {
    var g = chart.growth || {};
    if (!chart.dates || !chart.dates.length) {
      forget("growth");
      boxes.say("growth", F.sentence({ code: 200, body: chart }) || "No prices for this range yet.", false);
      return;
    }
    document.getElementById("growth-note").textContent = chart.last_price_date === null ?
      "The portfolio's line is drawn from its trade prices only: there are no market prices for it yet." :
      (chart.trade_price_note || "");
    var palette = F.colors();
    var keys = ["portfolio"].concat(F.ordered(Object.keys(g).filter(function (k) { return k !== "portfolio"; }), root.dataset.benchmarks));
    draw("growth", { type: "line", data: { datasets: keys.map(function (k, i) {
      return { label: k === "portfolio" ? "This portfolio" : k, data: F.points(chart.dates, g[k] || []),
               borderColor: palette[i % palette.length], borderWidth: k === "portfolio" ? 2.5 : 1.5 };
    }) }, options: F.lineOptions(chart.dates, F.numberTicks, function (v) { return v === null ? "—" : Number(v).toFixed(1); }) });
  }

  function shadow() {
    var pick = document.getElementById("shadow-pick").value;
    var perf = state.perf;
    var data = perf && perf.shadow && perf.shadow[pick];
    var diffLine = document.getElementById("shadow-diff");
    if (!perf) { return; }
    if (!data || !data.dates || !data.dates.length) {
      forget("shadow");
      diffLine.textContent = "";
      var error = (perf.errors || {})[pick];
      var why = error ? "No prices for " + pick + " yet: " + error : (perf.table ? "" : F.sentence({ code: 200, body: perf }));
      boxes.say("shadow", why || ("No prices for " + pick + " in this range yet, so there is nothing to set beside the portfolio."), false);
      return;
    }
    var palette = F.colors();
    draw("shadow", { type: "line", data: { datasets: [
      { label: "Your portfolio", data: F.points(data.dates, data.real_value), borderColor: palette[0] },
      { label: "Everything in " + pick, data: F.points(data.dates, data.shadow_value), borderColor: palette[1] }
    ] }, options: F.lineOptions(data.dates, F.moneyTicks(currency), money) });
    var diff = data.difference[data.difference.length - 1];
    diffLine.textContent = diff === null || diff === undefined ? "" :
      (diff >= 0 ? "Your portfolio is ahead by " : "The ETF would be ahead by ") + money(Math.abs(diff)) + "." +
      ((perf.trade_priced || []).length && perf.trade_price_note ? " " + perf.trade_price_note : "");
  }

  function waitAll(text) {
    boxes.latest = text;
    setStatus(text, "");
    tableMessage(text, true);
    ["growth", "shadow"].forEach(function (name) { if (!charts[name]) { boxes.wait(name, text); } });
  }

  function sayAll(text, isError) {
    setStatus(text, isError ? "error" : "");
    tableMessage(text, false);
    ["growth", "shadow"].forEach(function (name) { forget(name); boxes.say(name, text, isError); });
  }

  function answered(perf, chart) {
    if (perf.code === 202 || chart.code === 202) {
      waitAll(F.sentence(perf.code === 202 ? perf : chart));
      retry();
      return;
    }
    if (perf.code !== 200 || chart.code !== 200) {
      sayAll(F.sentence(perf.code !== 200 ? perf : chart), true);
      return;
    }
    state.attempt = 0;
    state.perf = perf.body;
    state.chart = chart.body;
    var text = F.sentence(perf) || F.sentence(chart);
    var warn = ["stale", "unavailable"].indexOf(perf.body.status) !== -1;
    if (!perf.body.table) {
      sayAll(text && perf.body.status !== "stale" ? text : "No transactions yet: nothing to compare.", false);
      return;
    }
    setStatus(text, warn ? "warn" : "");
    table(perf.body);
    growth(chart.body);
    shadow();
  }

  function load() {
    clearTimeout(state.timer);
    var mine = ++state.request;
    Promise.all([F.getJSON(root.dataset.performanceUrl + query()), F.getJSON(root.dataset.chartUrl + query())]).then(function (results) {
      if (mine === state.request) { answered(results[0], results[1]); }
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
      sayAll("Prices are taking longer than usual. Reload the page in a minute to try again.", true);
      return;
    }
    state.timer = setTimeout(load, Math.min(1000 * Math.pow(2, state.attempt - 1), 30000));
  }

  // The table's spinner keeps the same promise as the charts': a sentence by the deadline.
  boxes.onExpire = function () {
    var waiting = document.querySelector("#metrics tr.waiting");
    if (waiting && waiting.querySelector(".spinner")) {
      tableMessage(boxes.latest || "Prices are still on their way; the figures appear by themselves once they arrive.", false);
    }
  };

  // A tap (or Enter) on "?" opens the explanation under the name; hovering shows it as a tooltip.
  root.addEventListener("click", function (event) {
    var tip = event.target.closest("button.tip");
    if (!tip) { return; }
    var open = tip.getAttribute("aria-expanded") !== "true";
    tip.setAttribute("aria-expanded", String(open));
    tip.nextElementSibling.hidden = !open;
  });
  document.getElementById("shadow-pick").addEventListener("change", shadow);
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
  F.onSchemeChange(function () {
    if (state.chart && state.perf && state.perf.table) { growth(state.chart); shadow(); }
  });
  boxes.startDeadline();
  load();
}());
