// Polls a background job's progress and shows it; opens the result when done.
(function () {
  "use strict";
  var card = document.querySelector("[data-progress-url]");
  if (!card) { return; }
  var url = card.getAttribute("data-progress-url");
  var statusNode = card.querySelector("[data-job-status]");
  function show(data) {
    statusNode.textContent = data.status.charAt(0).toUpperCase() + data.status.slice(1);
    Object.keys(data.progress || {}).forEach(function (key) {
      var node = card.querySelector('[data-job-field="' + key + '"]');
      if (node) { node.textContent = data.progress[key]; }
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) {
          if (data.status === "succeeded" && data.result_url) { window.location.assign(data.result_url); }
          else { window.location.reload(); }
        } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (statusNode.textContent.trim().toLowerCase() === "queued" || statusNode.textContent.trim().toLowerCase() === "running") {
    window.setTimeout(poll, 500);
  }
})();
