// The service worker of staff alerts: it shows what the server sent (a
// notice and a link, never case content) and opens the link on a tap.
"use strict";
self.addEventListener("push", function (e) {
  var d = {};
  try { d = e.data.json(); } catch (x) { /* an empty push still alerts */ }
  e.waitUntil(self.registration.showNotification(d.title || "Spiker Perak", {
    body: d.body || "", tag: "spiker-perak", data: { url: d.url || "/staf/" }
  }));
});
self.addEventListener("notificationclick", function (e) {
  e.notification.close();
  e.waitUntil(self.clients.openWindow((e.notification.data && e.notification.data.url) || "/staf/"));
});
