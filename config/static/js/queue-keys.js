// Optional keyboard moves in the queue: with "Move through the list with j and k" ticked
// (remembered in this browser), j and k move the focus to the next and previous
// enquiry's link and Enter opens it. Off until chosen, and never while typing in a field,
// so it does not clash with screen readers' own keys. Without this script the box stays
// hidden and the list is an ordinary table of links.
(function () {
  "use strict";
  var toggle = document.getElementById("queue-keys");
  var table = document.querySelector("#bulk-form table");
  if (!toggle || !table) return;
  var KEY = "desk.queueKeys";
  toggle.closest("[hidden]") && toggle.closest("[hidden]").removeAttribute("hidden");
  try { toggle.checked = window.localStorage.getItem(KEY) === "on"; } catch (e) {}
  toggle.addEventListener("change", function () {
    try { window.localStorage.setItem(KEY, toggle.checked ? "on" : "off"); } catch (e) {}
  });

  function links() {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr td:nth-child(2) a"));
  }

  document.addEventListener("keydown", function (event) {
    if (!toggle.checked || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) return;
    if (event.key !== "j" && event.key !== "k") return;
    var all = links();
    if (!all.length) return;
    var at = all.indexOf(document.activeElement);
    var next = event.key === "j" ? Math.min(at + 1, all.length - 1) : Math.max(at - 1, 0);
    if (at === -1) next = 0;
    all[next].focus();
    event.preventDefault();
  });
})();
