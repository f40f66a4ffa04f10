// The enquiry page acts in place: htmx posts a form and swaps the page's workspace for the
// answer. A swap would close the sections the reader had open and drop their focus, so
// this keeps both: the sections open again, and focus goes back to the control used, or
// to its section's heading if that control is gone (a task marked done), or to the error
// summary when the action was refused. Without JavaScript the forms post as usual.
(function () {
  "use strict";
  var kept = null;

  document.addEventListener("htmx:beforeRequest", function () {
    var workspace = document.getElementById("enquiry-workspace");
    if (!workspace) return;
    var active = document.activeElement;
    var section = active && active.closest ? active.closest("details[id]") : null;
    kept = {
      open: Array.prototype.map.call(
        workspace.querySelectorAll("details[open][id]"),
        function (details) { return details.id; }
      ),
      focus: active && active.id ? active.id : null,
      section: section ? section.id : null,
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!kept || !document.getElementById("enquiry-workspace")) return;
    kept.open.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) details.open = true;
    });
    var target = document.getElementById("error-summary");
    if (!target && kept.focus) target = document.getElementById(kept.focus);
    if (!target && kept.section) {
      var details = document.getElementById(kept.section);
      target = details ? details.querySelector("summary") : null;
    }
    if (target) target.focus();
    kept = null;
  });
})();
