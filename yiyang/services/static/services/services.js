// Home-care pages: the check-in/out forms record the phone's position (the browser's
// geolocation) before they are sent; the signature pad turns strokes into a PNG.
(function () {
  "use strict";

  function fillPosition(form, done) {
    var status = form.querySelector("[data-geo-status]");
    if (!navigator.geolocation) { done(); return; }
    if (status) { status.textContent = status.dataset.locating || "…"; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.elements.lng.value = pos.coords.longitude.toFixed(6);
      form.elements.accuracy.value = Math.round(pos.coords.accuracy || 0);
      done();
    }, function () { done(); }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 30000 });
  }

  document.querySelectorAll("form[data-geo]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located) { return; }
      event.preventDefault();
      fillPosition(form, function () {
        form.dataset.located = "1";
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  });

  document.querySelectorAll("form[data-signature]").forEach(function (form) {
    var canvas = form.querySelector("canvas");
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#1d2b2b";
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * canvas.width / rect.width,
              (event.clientY - rect.top) * canvas.height / rect.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true; var p = point(event); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true;
    });
    canvas.addEventListener("pointerup", function () { drawing = false; });
    form.querySelector("[data-clear]").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false;
    });
    form.addEventListener("submit", function () {
      form.elements.signature.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();

// The elder's home page: fill the position from the worker's phone, on the spot.
(function () {
  "use strict";
  document.querySelectorAll("form[data-here] [data-use-here]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.form;
      if (!navigator.geolocation) { return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lng.value = pos.coords.longitude.toFixed(6);
      }, function () {}, { enableHighAccuracy: true, timeout: 8000 });
    });
  });
})();
