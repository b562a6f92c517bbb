// live.js keeps a run page current from the run's Server-Sent Events
// stream (GET /runs/{id}/events, named by the log's data-live-events):
// "lines" appends new log lines, "status" replaces the status part,
// "end" closes the stream once the run has ended. After a dropped
// connection the browser reconnects by itself and sends the last event id,
// the last line's seq, so the stream resumes after it.
(function () {
  "use strict";
  var logs = document.querySelector("[data-live-events]");
  if (!logs || !window.EventSource) {
    return;
  }
  var source = new EventSource(logs.getAttribute("data-live-events"));
  source.addEventListener("lines", function (e) {
    logs.insertAdjacentHTML("beforeend", e.data);
  });
  source.addEventListener("status", function (e) {
    var live = document.getElementById("run-live");
    if (live) {
      live.outerHTML = e.data;
    }
  });
  source.addEventListener("end", function () {
    source.close();
  });
})();
