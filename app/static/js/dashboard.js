// Fills the dashboard's chart placeholders from /api/chart-data; no framework, no build step.
(function () {
  "use strict";
  var root = document.getElementById("charts");
  if (!root || !window.Chart) { return; }
  var url = root.dataset.chartUrl;
  var currency = root.dataset.currency || "USD";
  var status = document.getElementById("price-status");
  var notes = document.getElementById("bench-notes");
  var charts = {};
  var state = { range: "1Y", attempt: 0, timer: null, request: 0 };
  var MAX_ATTEMPTS = 8;          // 1 s, 2 s, 4 s … then stop and say so
  var COLORS = ["#2f6fec", "#e8590c", "#0f8a4b", "#7048e8", "#c2255c", "#1098ad", "#f08c00", "#5c940d",
                "#862e9c", "#495057", "#d6336c", "#364fc7", "#adb5bd"];
  var money = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 0 });

  function placeholder(name) { return root.querySelector('.placeholder[data-for="' + name + '"]'); }

  function showMessage(text, isError) {
    ["value", "performance", "allocation"].forEach(function (name) {
      var box = placeholder(name);
      if (!charts[name]) {
        box.hidden = false;
        box.classList.toggle("error", !!isError);
        box.querySelector(".msg").textContent = text;
        box.querySelector(".spinner").hidden = !!isError;
      }
    });
  }

  function setStatus(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "status-line" + (kind ? " " + kind : "");
  }

  function draw(name, config) {
    var canvas = document.getElementById("chart-" + name);
    placeholder(name).hidden = true;
    canvas.hidden = false;
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new window.Chart(canvas, config);
  }

  function lineOptions(format) {
    return {
      responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false },
      elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0 } },
      scales: { x: { ticks: { maxTicksLimit: 8, autoSkip: true } }, y: { ticks: { callback: format } } },
      plugins: { legend: { position: "bottom" }, decimation: { enabled: true, algorithm: "lttb" },
                 tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + format(ctx.parsed.y); } } } }
    };
  }

  function render(data) {
    var dates = data.dates;
    draw("value", {
      type: "line",
      data: { labels: dates, datasets: [
        { label: "Value", data: data.value, borderColor: COLORS[0], backgroundColor: "rgba(47,111,236,.08)", fill: true },
        { label: "Money invested", data: data.net_invested, borderColor: "#868e96", borderDash: [5, 4], stepped: true }
      ] },
      options: lineOptions(function (v) { return money.format(v); })
    });
    var names = ["portfolio"].concat(Object.keys(data.growth).filter(function (k) { return k !== "portfolio"; }));
    var sets = names.map(function (name, i) {
      return { label: name === "portfolio" ? "This portfolio" : name, data: data.growth[name],
               borderColor: COLORS[i % COLORS.length], borderWidth: name === "portfolio" ? 2.5 : 1.5 };
    });
    draw("performance", { type: "line", data: { labels: dates, datasets: sets },
                          options: lineOptions(function (v) { return Number(v).toFixed(0); }) });
    draw("allocation", {
      type: "doughnut",
      data: { labels: data.allocation.map(function (a) { return a.ticker; }),
              datasets: [{ data: data.allocation.map(function (a) { return a.value; }),
                           backgroundColor: data.allocation.map(function (_, i) { return COLORS[i % COLORS.length]; }) }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: window.innerWidth < 640 ? "bottom" : "right" }, tooltip: { callbacks: { label: function (ctx) {
                   var a = data.allocation[ctx.dataIndex];
                   return a.ticker + ": " + money.format(a.value) + " (" + (a.weight * 100).toFixed(1) + "%)";
                 } } } } }
    });
    notes.textContent = "";
    Object.keys(data.benchmarks).forEach(function (t) {
      if (data.benchmarks[t].note) { addNote(data.benchmarks[t].note, false); }
    });
    Object.keys(data.errors || {}).forEach(function (t) { addNote(t + ": " + data.errors[t], true); });
    // The page was painted before these prices existed: paint it again once, now that they do.
    // At most once every ten minutes: a ticker that never gets a price must not reload the page each visit.
    var key = "folio-repainted:" + url, last = Number(sessionStorage.getItem(key) || 0);
    if (root.dataset.missing === "1" && data.status === "ready" && Date.now() - last > 600000) {
      sessionStorage.setItem(key, String(Date.now()));
      window.location.reload();
      return;
    }
    if (data.status === "stale") {
      setStatus("Yahoo Finance is unreachable or slow: the charts show the last known prices.", "warn");
    } else if (status && /Fetching|not yet/.test(status.textContent)) {
      setStatus("Prices are up to date.", "");
    }
  }

  function addNote(text, isError) {
    var li = document.createElement("li");
    li.textContent = text;
    if (isError) { li.className = "error"; }
    notes.appendChild(li);
  }

  function load() {
    clearTimeout(state.timer);
    var mine = ++state.request;
    var query = "?range=" + encodeURIComponent(state.range) + "&benchmarks=" + encodeURIComponent(root.dataset.benchmarks || "");
    fetch(url + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) { return { code: response.status, body: body }; });
      })
      .then(function (result) {
        if (mine !== state.request) { return; }          // a newer range was asked for meanwhile
        if (result.code === 202) {
          var p = result.body.progress || { ready: 0, total: 0 };
          var text = "Fetching prices: " + p.ready + " of " + p.total + "…";
          setStatus(text, "");
          showMessage(text, false);
          retry();
        } else if (result.code === 200) {
          state.attempt = 0;
          render(result.body);
        } else if (result.code === 401) {
          showMessage("Your session has ended: sign in again to see the charts.", true);
        } else {
          showMessage((result.body && result.body.error) || "The charts could not be loaded (error " + result.code + ").", true);
        }
      })
      .catch(function () {
        if (mine !== state.request) { return; }
        setStatus("The server could not be reached; retrying…", "warn");
        retry();
      });
  }

  function retry() {
    state.attempt += 1;
    if (state.attempt > MAX_ATTEMPTS) {
      showMessage("Prices are taking longer than usual. Reload the page in a minute to try again.", true);
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
      load();
    });
  });

  load();
}());
