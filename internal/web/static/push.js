// Turns on alerts in this browser (web push): registers the service
// worker, subscribes with the server's public key and saves the
// subscription. Without JavaScript or push support the button stays
// hidden and nothing else changes.
(function () {
  "use strict";
  var btn = document.getElementById("push-on");
  if (!btn) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    document.getElementById("push-unsupported").hidden = false;
    return;
  }
  btn.hidden = false;
  function bytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  btn.addEventListener("click", function () {
    navigator.serviceWorker.register(btn.getAttribute("data-worker")).then(function (reg) {
      return Notification.requestPermission().then(function (p) {
        if (p !== "granted") throw new Error("not allowed");
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(btn.getAttribute("data-key")) });
      });
    }).then(function (sub) {
      var form = document.getElementById("push-form");
      form.elements.subscription.value = JSON.stringify(sub);
      form.submit();
    }).catch(function () {
      document.getElementById("push-failed").hidden = false;
    });
  });
})();
