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

  // Tick the exercise clock while it runs.
  document.querySelectorAll(".clock[data-running='true']").forEach(function (clock) {
    var elapsed = parseInt(clock.getAttribute("data-elapsed"), 10) || 0;
    var value = clock.querySelector(".clock-value");
    var started = Date.now();
    function pad(n) { return n < 10 ? "0" + n : String(n); }
    setInterval(function () {
      var total = elapsed + Math.floor((Date.now() - started) / 1000);
      var days = Math.floor(total / 86400), rest = total % 86400;
      var text = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
      value.textContent = (days > 0 ? days + (document.documentElement.lang === "ko" ? "일 " : "d ") : "") + text;
    }, 1000);
  });
})();
