// Guidance as the group types its subject: up to three articles that may answer it,
// the same ones the step before sending offers. Without this script that step remains.
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch) return;
  var subject = form.querySelector("#id_subject");
  var topic = form.querySelector("#id_topic");
  var box = document.getElementById("guidance-suggestions");
  if (!subject || !box) return;
  var list = box.querySelector("ul");
  var timer = null;
  var asked = "";

  function show(articles) {
    list.replaceChildren();
    articles.slice(0, 3).forEach(function (article) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = article.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = article.title + " (opens in a new tab)";
      item.append(link);
      list.append(item);
    });
    box.hidden = list.children.length === 0;
  }

  function update() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var words = subject.value.trim();
      var key = words + "|" + (topic ? topic.value : "");
      if (words.length < 4) { show([]); return; }
      if (key === asked) return;
      asked = key;
      var url = new URL(form.dataset.suggestUrl, window.location.href);
      url.searchParams.set("suggest", words);
      if (topic && topic.value) url.searchParams.set("topic", topic.value);
      window.fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { show(data.results || []); })
        .catch(function () { show([]); });
    }, 400);
  }

  subject.addEventListener("input", update);
  if (topic) topic.addEventListener("change", update);
})();
