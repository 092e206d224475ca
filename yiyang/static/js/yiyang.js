// Yiyang's small page behaviours. The Content-Security-Policy allows no inline
// scripts or event attributes, so everything interactive is wired up here.
"use strict";

// Filter forms (data-autosubmit): choosing an option in a select applies it at once.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("form[data-autosubmit] select")) {
    el.form.requestSubmit();
  }
});

// The registry's search box (form[data-lookup-url]): an ID or phone number is posted, not
// put in the URL; the server answers with a redirect to the list carrying a session token
// (yiyang/elders/lookup.py). Other searches stay plain GET links.
const PERSONAL_TERM = /^(\d{17}[\dX]|\d{15}|1\d{10}|0\d{9,11})$/;

function compactTerm(value) {
  return value.replace(/[０-９ｘＸ]/g, (c) => (c === "ｘ" || c === "Ｘ" ? "X"
    : String.fromCharCode(c.charCodeAt(0) - 0xfee0))).replace(/\s+/g, "").toUpperCase();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-lookup-url]") || !form.elements.q) return;
  if (!PERSONAL_TERM.test(compactTerm(form.elements.q.value))) return;
  event.preventDefault();
  const post = document.createElement("form");
  post.method = "post";
  post.action = form.dataset.lookupUrl;
  post.hidden = true;
  const fields = [["csrfmiddlewaretoken", form.dataset.csrf]];
  new FormData(form).forEach((value, name) => { if (name !== "find") fields.push([name, value]); });
  fields.forEach(([name, value]) => {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    post.appendChild(input);
  });
  document.body.appendChild(post);
  post.submit();
});

document.addEventListener("DOMContentLoaded", () => {
  // A form that came back with errors: put the cursor in the first field to fix.
  const invalid = document.querySelector("form .is-invalid");
  if (invalid) {
    invalid.focus({ preventScroll: true });
    const summary = document.querySelector("[data-testid=form-errors]");
    (summary || invalid).scrollIntoView({ block: "center" });
  }

  // The error summary's links: move the cursor to the field, not only scroll to it.
  document.querySelectorAll(".yy-error-summary a[href^='#']").forEach((link) => {
    link.addEventListener("click", (event) => {
      const field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) {
        event.preventDefault();
        field.focus();
        field.scrollIntoView({ block: "center" });
      }
    });
  });

  // Buttons marked data-once are disabled after the first submit (no double saves).
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button[data-once]").forEach((button) => {
        window.setTimeout(() => { button.disabled = true; }, 0);
      });
    });
  });
});

// A reveal (htmx) that fails, e.g. the session expired or the network dropped: say so
// next to the value instead of doing nothing. The message comes translated from <html>.
function revealFailed(event) {
  const target = event.detail.target;
  if (target && target.matches("[data-personal]") && !target.querySelector(".yy-error")) {
    const note = document.createElement("span");
    note.className = "yy-error";
    note.setAttribute("role", "alert");
    note.textContent = document.documentElement.dataset.revealError || "!";
    target.appendChild(note);
  }
}
document.addEventListener("htmx:responseError", revealFailed);
document.addEventListener("htmx:sendError", revealFailed);
