// The one-page assessment form: sub-totals and the total follow every choice, and
// "Submit" stays disabled until every item is answered (the server checks it again).
// A static file because the Content-Security-Policy allows no inline scripts.
"use strict";

(function () {
  function tally(form) {
    const subtotals = {};
    let total = 0;
    let unanswered = 0;
    let firstOpen = null;
    form.querySelectorAll("fieldset[data-item]").forEach((item) => {
      const section = item.closest("[data-section]").dataset.section;
      const chosen = item.querySelector("input[type=radio]:checked");
      subtotals[section] = subtotals[section] || 0;
      if (chosen) {
        const points = Number(chosen.dataset.points);
        subtotals[section] += points;
        total += points;
        item.classList.add("is-answered");
      } else {
        unanswered += 1;
        item.classList.remove("is-answered");
        firstOpen = firstOpen || item;
      }
    });
    return { subtotals, total, unanswered, firstOpen };
  }

  function show(form) {
    const t = tally(form);
    Object.entries(t.subtotals).forEach(([code, points]) => {
      form.querySelectorAll(`[data-subtotal="${code}"]`).forEach((el) => { el.textContent = points; });
    });
    form.querySelectorAll("[data-total]").forEach((el) => { el.textContent = t.total; });
    form.querySelectorAll("[data-unanswered]").forEach((el) => { el.textContent = t.unanswered; });
    form.querySelectorAll("[data-testid=unanswered-note]").forEach((el) => {
      el.hidden = t.unanswered === 0;
    });
    form.querySelectorAll("button[data-requires-complete]").forEach((button) => {
      button.disabled = t.unanswered > 0;
      button.setAttribute("aria-disabled", String(t.unanswered > 0));
    });
    // The chosen option looks chosen (also where :has() is not supported).
    form.querySelectorAll("label.yy-as-option, label.yy-as-choice").forEach((label) => {
      const input = label.querySelector("input");
      label.classList.toggle("is-checked", Boolean(input && input.checked));
    });
    return t;
  }

  function goTo(item) {
    if (!item) { return; }
    item.scrollIntoView({ block: "center" });
    const first = item.querySelector("input");
    if (first) { first.focus({ preventScroll: true }); }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-assessment]");
    if (!form) { return; }
    let leaving = false;
    form.addEventListener("change", () => show(form));
    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      if (button && button.hasAttribute("data-requires-complete")) {
        const t = tally(form);
        if (t.unanswered > 0) {
          event.preventDefault();
          event.stopImmediatePropagation();
          goTo(t.firstOpen);
          return;
        }
      }
      // The page is being saved: no more live previews (they would only race the save).
      leaving = true;
      const preview = document.getElementById("yy-preview");
      if (preview && window.htmx) { window.htmx.trigger(preview, "htmx:abort"); }
    });
    document.addEventListener("htmx:beforeRequest", (event) => {
      if (leaving && event.target.id === "yy-preview") { event.preventDefault(); }
    });
    form.querySelectorAll("[data-jump-unanswered]").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        goTo(tally(form).firstOpen);
      });
    });
    show(form);
    // A choice made while the page was still loading came before htmx listened for
    // changes: ask for the level it gives now.
    const radios = Array.from(form.querySelectorAll("input[type=radio]"));
    if (radios.some((radio) => radio.checked !== radio.defaultChecked)) {
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
