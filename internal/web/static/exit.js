// Quick exit: blank the page at once, forget what was typed, end the
// follow-up session, and replace this page in the history with a neutral
// site so that Back does not come here. Pressing Shift three times does the
// same. Without JavaScript the button is a plain link to that site.
(function () {
  "use strict";
  var link = document.getElementById("keluar");
  if (!link) return;
  var target = link.getAttribute("data-exit");
  function exit(e) {
    if (e) e.preventDefault();
    try { navigator.sendBeacon("/keluar"); } catch (err) {}
    document.title = "";
    var forms = document.forms;
    for (var i = 0; i < forms.length; i++) forms[i].reset();
    document.body.innerHTML = "";
    document.documentElement.style.background = "#fff";
    try { sessionStorage.clear(); localStorage.clear(); } catch (err) {}
    location.replace(target);
  }
  link.addEventListener("click", exit);
  // A page restored from the browser's back-forward cache (someone pressing
  // Back after leaving normally) is blanked and fetched again, so that a
  // conversation is never shown from memory.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      document.body.innerHTML = "";
      location.reload();
    }
  });
  var shifts = [];
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Shift" || e.repeat) return;
    var now = Date.now();
    shifts.push(now);
    shifts = shifts.filter(function (t) { return now - t < 1500; });
    if (shifts.length >= 3) exit();
  });
})();
