// Every page: the top bar's menu on small screens, and times shown on the reader's own clock.
(function () {
  "use strict";
  var bar = document.getElementById("topbar");
  var toggle = bar && bar.querySelector(".menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = !bar.classList.contains("open");
      bar.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  // <time datetime="…Z" data-local> says "14:02" today, "28 Nov 14:02" before (the server wrote UTC).
  var clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  var dated = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
  var today = new Date().toDateString();
  document.querySelectorAll("time[data-local]").forEach(function (node) {
    var moment = new Date(node.getAttribute("datetime"));
    if (isNaN(moment.getTime())) { return; }
    node.title = node.textContent;
    node.textContent = (moment.toDateString() === today ? clock : dated).format(moment);
  });
}());
