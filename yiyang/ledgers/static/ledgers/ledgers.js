// Live counts beside a job's progress bar (rows checked, problems so far, rows
// written): jobs/progress.js announces every poll as a "yy:job" event.
(function () {
  "use strict";
  document.addEventListener("yy:job", function (event) {
    var progress = (event.detail && event.detail.progress) || {};
    document.querySelectorAll("[data-ledger-count]").forEach(function (el) {
      var value = progress[el.dataset.ledgerCount];
      if (value !== undefined && value !== null) el.textContent = Number(value).toLocaleString();
    });
  });
})();
