// "Someone else is here": every PRESENCE_BEAT_SECONDS (30 unless set; the page's
// data-seconds), tell the desk this enquiry's page is still open and show who else has it
// open. Without this script the notice shown with the
// page stays as it was.
(function () {
  "use strict";
  var box = document.getElementById("presence");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-url");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!url || !token) return;

  function beat() {
    if (document.hidden) return;
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": token.value },
      credentials: "same-origin",
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (box.textContent.trim() !== data.text) box.textContent = data.text;
      })
      .catch(function () {});
  }

  var seconds = parseInt(box.getAttribute("data-seconds"), 10) || 30;
  window.setInterval(beat, seconds * 1000);
})();
