// Passkeys (WebAuthn): registering one on the account page, and signing in
// with one after the password. The server begins each ceremony (its answer
// is the options, the challenge stays with it); the browser's answer is
// posted with an ordinary form, so the result is a page like any other.
// Without JavaScript or WebAuthn nothing here shows.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    var un = document.getElementById("passkey-unsupported");
    if (un) un.hidden = false;
    return;
  }
  var errorBox = document.getElementById("passkey-error");

  function bytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function text(buf) {
    if (!buf) return null;
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: bytes(c.id) }); });
  }
  // answer is the credential as the server reads it (WebAuthn JSON).
  function answer(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: text(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: text(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = text(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = text(r.authenticatorData);
      out.response.signature = text(r.signature);
      out.response.userHandle = text(r.userHandle);
    }
    return JSON.stringify(out);
  }
  function fail(message) {
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.hidden = false;
  }
  // begin posts the form's fields to the ceremony's first step and returns
  // its options, or fails with the server's message.
  function begin(url, fields) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString()
    }).then(function (resp) {
      return resp.json().then(function (body) {
        if (!resp.ok) throw { message: body.error };
        return body.publicKey;
      });
    });
  }

  var add = document.getElementById("passkey-add-form");
  if (add) {
    add.hidden = false;
    add.addEventListener("submit", function (ev) {
      if (add.elements.credential.value) return;
      ev.preventDefault();
      if (errorBox) errorBox.hidden = true;
      begin(add.getAttribute("data-begin"), { csrf: add.elements.csrf.value }).then(function (pk) {
        pk.challenge = bytes(pk.challenge);
        pk.user.id = bytes(pk.user.id);
        pk.excludeCredentials = ids(pk.excludeCredentials);
        return navigator.credentials.create({ publicKey: pk });
      }).then(function (cred) {
        add.elements.credential.value = answer(cred);
        add.submit();
      }).catch(function (e) {
        fail(e && e.message && !(e instanceof Error) ? e.message : add.getAttribute("data-failed"));
      });
    });
  }

  var signin = document.getElementById("signin-form");
  var button = document.getElementById("passkey-signin-button");
  if (signin && button) {
    document.getElementById("passkey-signin").hidden = false;
    button.addEventListener("click", function () {
      var user = signin.elements.username, pass = signin.elements.password;
      if (!user.reportValidity() || !pass.reportValidity()) return;
      if (errorBox) errorBox.hidden = true;
      begin(signin.getAttribute("data-begin"), { username: user.value, password: pass.value }).then(function (pk) {
        pk.challenge = bytes(pk.challenge);
        pk.allowCredentials = ids(pk.allowCredentials);
        return navigator.credentials.get({ publicKey: pk });
      }).then(function (cred) {
        signin.elements.credential.value = answer(cred);
        signin.elements.code.required = false;
        signin.action = signin.getAttribute("data-finish");
        signin.submit();
      }).catch(function (e) {
        fail(e && e.message && !(e instanceof Error) ? e.message : signin.getAttribute("data-failed"));
      });
    });
  }
})();
