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

  // Clocks, countdowns and "since" ages, all from one timer, so a part of the page swapped in by a
  // live update keeps running without setting up timers of its own.
  var loaded = Date.now();
  var skew = (parseInt(document.body.getAttribute("data-server-now"), 10) || Math.floor(loaded / 1000)) * 1000 - loaded;
  function age(total) {
    var ko = document.documentElement.lang === "ko";
    var d = Math.floor(total / 86400), h = Math.floor(total % 86400 / 3600), m = Math.floor(total % 3600 / 60), s = total % 60;
    if (d > 0) { return ko ? d + "일" + h + "시간" : d + "d" + pad(h) + "h"; }
    if (h > 0) { return ko ? h + "시간" + m + "분" : h + "h" + pad(m) + "m"; }
    if (m > 0) { return ko ? m + "분" : m + "m"; }
    return ko ? s + "초" : s + "s";
  }
  function tickClocks() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-running='true']").forEach(function (clock) {
      if (!clock._from) { clock._from = now; }
      var elapsed = parseInt(clock.getAttribute("data-elapsed"), 10) || 0;
      clock.querySelector(".clock-value").textContent = duration(elapsed + Math.floor((now - clock._from) / 1000));
    });
    document.querySelectorAll(".countdown[data-remaining]").forEach(function (countdown) {
      if (!countdown._end) { countdown._end = now + (parseInt(countdown.getAttribute("data-remaining"), 10) || 0) * 1000; }
      countdown.querySelector(".clock-value").textContent = duration(Math.max(0, Math.round((countdown._end - now) / 1000)));
    });
    document.querySelectorAll("[data-since]").forEach(function (since) {
      var at = parseInt(since.getAttribute("data-since"), 10);
      if (at) { since.textContent = age(Math.max(0, Math.floor((now + skew) / 1000) - at)); }
    });
    document.querySelectorAll("[data-zone-clock]").forEach(function (clock) {
      try {
        clock.textContent = new Date(now + skew).toLocaleTimeString(document.documentElement.lang === "ko" ? "ko-KR" : "en-GB",
          { timeZone: clock.getAttribute("data-zone-clock"), hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
      } catch (e) { /* unknown zone: leave the server's text */ }
    });
  }
  tickClocks();
  setInterval(tickClocks, 1000);

  // What a part of the page needs once it is in the document: on load, and again for each part a
  // live update swaps in.
  function enhance(root) {
    // The challenge board's search and filters: cards that do not match are hidden, and a category
    // left empty is hidden with them.
    var board = root.querySelector("[data-board]");
    if (board) {
      var search = board.querySelector("input[type=search]");
      var category = board.querySelector("select[name=category]");
      var unsolved = board.querySelector("input[name=unsolved]");
      board.querySelector(".board-tools").hidden = false;
      var filter = function () {
        var words = (search.value || "").toLowerCase().trim();
        board.querySelectorAll(".board-category").forEach(function (section) {
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
    root.querySelectorAll(".score-chart").forEach(function (chart) {
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
  }
  enhance(document);

  // Announcement banners stay on every page until withdrawn; a reader may dismiss one in this browser.
  (function () {
    var key = "rampart.dismissed";
    var dismissed = [];
    try { dismissed = JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { dismissed = []; }
    var label = (document.getElementById("toasts") || document.body).getAttribute("data-dismiss") || "×";
    document.querySelectorAll(".banner[data-announcement]").forEach(function (banner) {
      var id = banner.getAttribute("data-announcement");
      if (dismissed.indexOf(id) >= 0) { banner.remove(); return; }
      var close = document.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.textContent = label;
      close.addEventListener("click", function () {
        banner.remove();
        dismissed.push(id);
        try { localStorage.setItem(key, JSON.stringify(dismissed.slice(-100))); } catch (e) { /* private mode */ }
      });
      banner.appendChild(close);
    });
  })();

  // Live: one WebSocket per page (docs/live.md). After an event the page's kinds name, the page is
  // fetched again and each part marked data-live is swapped in place, unless the reader is typing in
  // it; announcements appear as toasts. Without script (or without a socket) pages are as served.
  var exercise = document.body.getAttribute("data-live-exercise");
  if (exercise && window.WebSocket && window.fetch && window.DOMParser) {
    var since = document.body.getAttribute("data-live-seq") || "0";
    var kinds = (document.body.getAttribute("data-live-kinds") || "").split(" ").filter(Boolean);
    var ko = document.documentElement.lang === "ko";
    var retry = 1000, refreshing = false, again = false, timer = null;

    var matches = function (type) {
      if (type.indexOf("exercise.") === 0) { return true; }
      return kinds.some(function (kind) { return type === kind || (kind.slice(-1) === "." && type.indexOf(kind) === 0); });
    };
    var busy = function (part) {
      var active = document.activeElement;
      if (active && part.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return true; }
      return Array.prototype.some.call(part.querySelectorAll("input, textarea, select"), function (field) {
        if (field.type === "hidden") { return false; }
        if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
        if (field.tagName === "SELECT") { return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; }); }
        return field.value !== field.defaultValue;
      });
    };
    var refresh = function () {
      if (refreshing) { again = true; return; }
      refreshing = true;
      fetch(location.href, { credentials: "same-origin", headers: { "X-Rampart-Live": "1" } }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      }).then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (part) {
          var next = part.id && fresh.getElementById(part.id);
          if (!next || busy(part) || next.innerHTML === part.innerHTML) { return; }
          part.innerHTML = next.innerHTML;
          enhance(part);
        });
        var seq = fresh.body.getAttribute("data-live-seq");
        if (seq && parseInt(seq, 10) > parseInt(since, 10)) { since = seq; }
        tickClocks();
      }).catch(function () { /* the next event tries again */ }).then(function () {
        refreshing = false;
        if (again) { again = false; schedule(); }
      });
    };
    // A short random wait, so a thousand open pages do not ask at the same instant.
    var schedule = function () {
      if (timer) { return; }
      timer = setTimeout(function () { timer = null; refresh(); }, 150 + Math.random() * 450);
    };
    var toast = function (data, level) {
      var box = document.getElementById("toasts");
      if (!box) { return; }
      var item = document.createElement("div");
      item.className = "toast level-" + (level || "info");
      item.setAttribute("role", level === "critical" ? "alert" : "status");
      item.setAttribute("data-announcement", data.id || "");
      var title = document.createElement("strong");
      title.textContent = (ko ? data.title_ko : data.title) || data.title || "";
      var body = document.createElement("div");
      body.className = "toast-body";
      // Rendered and sanitised by the server (Markdown from the white team); never participants' text.
      body.innerHTML = (ko ? data.html_ko : data.html) || "";
      var close = document.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.textContent = box.getAttribute("data-dismiss") || "×";
      close.addEventListener("click", function () { item.remove(); });
      item.appendChild(title);
      item.appendChild(body);
      item.appendChild(close);
      box.prepend(item);
      if (level === "info") { setTimeout(function () { item.remove(); }, 20000); }
    };
    var connect = function () {
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/exercises/" +
        encodeURIComponent(exercise) + "/live?since=" + encodeURIComponent(since);
      var socket = new WebSocket(url);
      socket.onopen = function () { retry = 1000; document.body.setAttribute("data-live-state", "open"); };
      socket.onmessage = function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        if (event.type === "hello") { return; }
        if (typeof event.seq === "number" && event.seq > parseInt(since, 10)) { since = String(event.seq); }
        if (event.type === "resync") { schedule(); return; }
        if (event.type === "announcement.posted") { toast(event.data || {}, (event.data || {}).level); }
        if (event.type === "announcement.withdrawn") {
          document.querySelectorAll("[data-announcement='" + ((event.data || {}).id || "-") + "']").forEach(function (t) { t.remove(); });
        }
        if (matches(event.type)) { schedule(); }
      };
      socket.onclose = function () {
        document.body.setAttribute("data-live-state", "closed");
        // Back off up to half a minute, with jitter: a restarted node is not stormed.
        setTimeout(connect, retry + Math.random() * retry);
        retry = Math.min(retry * 2, 30000);
      };
    };
    connect();
  }
})();
