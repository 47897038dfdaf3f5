// reporttool serve: small progressive enhancements; every page also works without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Upload: show that the check is running, prevent a double submit.
  var form = document.getElementById("upload-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = document.getElementById("upload-button");
      var busy = document.getElementById("busy");
      if (busy) { busy.hidden = false; }
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  }
  // Bureau: refresh 报送情况 from the JSON API every 30 seconds.
  var table = document.getElementById("status-table");
  if (table) {
    setInterval(function () {
      fetch("/api/status", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var changed = data.states.some(function (s) {
            var row = table.querySelector('tr[data-district="' + CSS.escape(s.district) + '"] .badge');
            return row && row.textContent !== s.status;
          });
          var count = document.getElementById("submitted");
          if (changed || (count && String(data.submitted) !== count.textContent)) { window.location.reload(); }
        })
        .catch(function () {});
    }, 30000);
  }
});
