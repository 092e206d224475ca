// Live progress of background jobs (yiyang/jobs/templates/jobs/_progress.html).
// Polls the job's status URL every second; the state lives on the server, so a
// reload or a later visit shows the same bar. When the job ends the page reloads
// (or goes to data-job-done-url) to show the result.
(function () {
  "use strict";
  function setBar(box, percent) {
    var bar = box.querySelector("[data-job-bar]");
    if (!bar) return;
    var value = percent === null || percent === undefined ? 0 : percent;
    bar.style.width = value + "%";  // CSSOM, allowed under the CSP (no inline style)
    bar.parentElement.setAttribute("aria-valuenow", value);
  }
  function show(box, state) {
    box.querySelectorAll("[data-job-field]").forEach(function (el) {
      var value = state[el.dataset.jobField];
      if (value !== undefined && value !== null) el.textContent = value;
    });
    box.querySelectorAll("[data-job-count]").forEach(function (el) {
      var value = (state.progress || {})[el.dataset.jobCount];
      if (value !== undefined) el.textContent = Number(value).toLocaleString();
    });
    setBar(box, state.percent);
    document.dispatchEvent(new CustomEvent("yy:job", {detail: state}));
  }
  function watch(box) {
    setBar(box, Number(box.querySelector("[data-job-bar]").dataset.percent || 0));
    if (box.dataset.jobStatus !== "queued" && box.dataset.jobStatus !== "running") return;
    var timer = setInterval(function () {
      fetch(box.dataset.jobStatusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (state) {
          if (!state) return;
          show(box, state);
          if (state.status !== "queued" && state.status !== "running") {
            clearInterval(timer);
            if (box.dataset.jobDoneUrl) window.location.assign(box.dataset.jobDoneUrl);
            else window.location.reload();
          }
        })
        .catch(function () { /* a missed poll is retried on the next tick */ });
    }, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-status-url]").forEach(watch);
  });
})();
