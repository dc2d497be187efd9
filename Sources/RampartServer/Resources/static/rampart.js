// Rampart: a little plain JavaScript. Every page works without it.
(function () {
  "use strict";
  // Remember the browser's time zone so the server can show times in it (until the user picks one).
  try {
    var zone = encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone || "");
    if (zone && document.cookie.indexOf("rampart_tz=" + zone) === -1) {
      document.cookie = "rampart_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browser: UTC it is */ }

  // Ask before destructive buttons (forms with data-confirm).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // On a narrow screen the header's menu starts folded (it is open without script).
  var menu = document.querySelector("details.menu");
  if (menu && window.matchMedia("(max-width: 48rem)").matches) { menu.removeAttribute("open"); }

  // The theme switch: light or dark, remembered in a cookie the server reads (no flash on load).
  var themeSwitch = document.querySelector(".theme-switch");
  if (themeSwitch) {
    var dark = (document.documentElement.getAttribute("data-theme") ||
      (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light")) === "dark";
    themeSwitch.textContent = themeSwitch.getAttribute(dark ? "data-light" : "data-dark");
    themeSwitch.hidden = false;
    themeSwitch.addEventListener("click", function () {
      var root = document.documentElement;
      var current = root.getAttribute("data-theme") ||
        (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
      var next = current === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      document.cookie = "rampart_theme=" + next + "; path=/; max-age=31536000; samesite=lax";
      themeSwitch.textContent = themeSwitch.getAttribute(next === "dark" ? "data-light" : "data-dark");
    });
  }

  // Durations as the server writes them: 00:00:00, with days in front (2d / 2일).
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function duration(total) {
    var days = Math.floor(total / 86400), rest = total % 86400;
    return (days > 0 ? days + (document.documentElement.lang === "ko" ? "일 " : "d ") : "") +
      pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
  }

  // Tick the exercise clock while it runs.
  document.querySelectorAll(".clock[data-running='true']").forEach(function (clock) {
    var elapsed = parseInt(clock.getAttribute("data-elapsed"), 10) || 0;
    var value = clock.querySelector(".clock-value");
    var started = Date.now();
    setInterval(function () { value.textContent = duration(elapsed + Math.floor((Date.now() - started) / 1000)); }, 1000);
  });

  // Count down to the exercise's next scheduled moment, from the server's time; it stops at zero.
  document.querySelectorAll(".countdown[data-remaining]").forEach(function (countdown) {
    var end = Date.now() + (parseInt(countdown.getAttribute("data-remaining"), 10) || 0) * 1000;
    var value = countdown.querySelector(".clock-value");
    var timer = setInterval(function () {
      var total = Math.max(0, Math.round((end - Date.now()) / 1000));
      value.textContent = duration(total);
      if (total === 0) { clearInterval(timer); }
    }, 1000);
  });

  // The challenge board's search and filters: cards that do not match are hidden, and a category
  // left empty is hidden with them.
  var board = document.querySelector("[data-board]");
  if (board) {
    var search = board.querySelector("input[type=search]");
    var category = board.querySelector("select[name=category]");
    var unsolved = board.querySelector("input[name=unsolved]");
    board.querySelector(".board-tools").hidden = false;
    var filter = function () {
      var words = (search.value || "").toLowerCase().trim();
      document.querySelectorAll(".board-category").forEach(function (section) {
        var shown = 0;
        var inCategory = !category.value || section.getAttribute("data-category") === category.value;
        section.querySelectorAll(".card").forEach(function (card) {
          var show = inCategory && (!words || card.getAttribute("data-search").indexOf(words) !== -1) &&
            !(unsolved.checked && card.classList.contains("solved"));
          card.hidden = !show;
          if (show) { shown += 1; }
        });
        section.hidden = shown === 0;
      });
    };
    [search, category, unsolved].forEach(function (input) { input.addEventListener("input", filter); });
  }

  // The score chart: hovering (or focusing) near a line shows the team and its score at that time.
  document.querySelectorAll(".score-chart").forEach(function (chart) {
    var svg = chart.querySelector("svg.chart");
    var tip = chart.querySelector(".chart-tip");
    if (!svg || !tip) { return; }
    var lines = Array.prototype.map.call(svg.querySelectorAll("polyline[data-team]"), function (line) {
      return { name: line.getAttribute("data-team"), points: line.getAttribute("points").trim().split(/\s+/).map(function (p) {
        var xy = p.split(","); return [parseFloat(xy[0]), parseFloat(xy[1])]; }), scores: JSON.parse(line.getAttribute("data-scores")) };
    });
    var box = svg.viewBox.baseVal;
    svg.addEventListener("mousemove", function (event) {
      var rect = svg.getBoundingClientRect();
      var x = (event.clientX - rect.left) / rect.width * box.width, y = (event.clientY - rect.top) / rect.height * box.height;
      var best = null;
      lines.forEach(function (line) {
        // The step's height at x: the last point at or before it.
        var at = null, index = -1;
        line.points.forEach(function (p, i) { if (p[0] <= x) { at = p; index = i; } });
        if (!at) { return; }
        var distance = Math.abs(at[1] - y);
        if (!best || distance < best.distance) { best = { distance: distance, name: line.name, score: line.scores[index], y: at[1] }; }
      });
      if (!best || best.distance > 20) { tip.hidden = true; return; }
      tip.hidden = false;
      tip.textContent = best.name + ": " + best.score;
      tip.style.left = (event.clientX - chart.getBoundingClientRect().left + 12) + "px";
      tip.style.top = (best.y / box.height * rect.height + svg.getBoundingClientRect().top - chart.getBoundingClientRect().top - 28) + "px";
    });
    svg.addEventListener("mouseleave", function () { tip.hidden = true; });
  });
})();
