// Small behaviours that CSP allows (no inline scripts): auto-submit filter selects.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("form[data-autosubmit] select")) {
    el.form.requestSubmit();
  }
});
