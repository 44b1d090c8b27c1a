// Quick exit: blank the page at once, forget what was typed, end the
// follow-up session and the receipt's display, and leave for a neutral
// site in place of this page, so that Back does not come here. Pressing
// Shift three times outside a text field, with no other key in between,
// does the same. Without JavaScript the button is a plain link to that
// site.
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
    // This history entry first points at a neutral page of the site (in
    // case leaving fails), then is replaced by the neutral site itself.
    try { history.replaceState(null, "", "/aman"); } catch (err) {}
    location.replace(target);
  }
  link.addEventListener("click", exit);
  // Sending a form leaves this page's history entry behind; it is first
  // pointed at a neutral page of the site, so that Back from the answer
  // (or after quick exit) does not bring the form back.
  document.addEventListener("submit", function (e) {
    if (e.target.hasAttribute("data-neutral") && !e.defaultPrevented) {
      try { history.replaceState(null, "", "/aman"); } catch (err) {}
    }
  });
  // A page restored from the browser's back-forward cache (someone pressing
  // Back after leaving normally) is blanked and fetched again, so that a
  // conversation is never shown from memory.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      document.body.innerHTML = "";
      location.reload();
    }
  });
  function editable(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  var shifts = [];
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Shift" || editable(e.target) || editable(document.activeElement)) {
      shifts = []; // any other key, or typing in a field, starts over
      return;
    }
    if (e.repeat) return;
    var now = Date.now();
    shifts.push(now);
    shifts = shifts.filter(function (t) { return now - t < 1500; });
    if (shifts.length >= 3) exit();
  });
})();
