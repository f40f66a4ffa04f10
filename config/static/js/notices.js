// The nav's notices count, refreshed every NOTICES_POLL_SECONDS (the server says how
// often; 0: only when a page loads). Without this script the Notices page shows the count.
(function () {
  "use strict";
  var badge = document.getElementById("notices-count");
  if (!badge || !window.fetch) return;
  var url = badge.getAttribute("data-url");

  function show(unread) {
    var text = unread ? " (" + unread + " unread)" : "";
    if (badge.textContent !== text) badge.textContent = text;
  }

  function ask() {
    if (document.hidden) return Promise.resolve(null);
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) show(data.unread);
        return data;
      })
      .catch(function () { return null; });
  }

  ask().then(function (data) {
    var seconds = data && data.poll_seconds;
    if (seconds) window.setInterval(ask, seconds * 1000);
  });
})();
