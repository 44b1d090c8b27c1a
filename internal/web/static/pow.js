// The optional proof of work (internal/pow): when a shared address (a
// school's Wi-Fi, a carrier's NAT) has used up this client's reports, the
// form comes back with a signed challenge. Pressing Send then finds a nonce
// such that SHA-256(challenge ":" nonce) starts with the challenge's number
// of zero bits — a second or two on a cheap phone — and sends the form with
// it; the server checks it and spends it once. Without JavaScript the form
// still names the time to try again.
(function () {
  "use strict";
  var form = document.getElementById("lapor");
  var challenge = form && form.querySelector("input[name=pow_challenge]");
  var nonce = form && form.querySelector("input[name=pow_nonce]");
  var status = document.getElementById("pow-status");
  if (!challenge || !nonce || !status) return;
  status.hidden = false;

  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Int32Array(64);
  var H = new Int32Array(8);

  function block(m, off) {
    var i, t1, t2, a, b, c, d, e, f, g, h, x, y;
    for (i = 0; i < 16; i++) W[i] = m[off + 4 * i] << 24 | m[off + 4 * i + 1] << 16 | m[off + 4 * i + 2] << 8 | m[off + 4 * i + 3];
    for (i = 16; i < 64; i++) {
      x = W[i - 15]; y = W[i - 2];
      W[i] = ((x >>> 7 | x << 25) ^ (x >>> 18 | x << 14) ^ x >>> 3) + W[i - 7] +
        ((y >>> 17 | y << 15) ^ (y >>> 19 | y << 13) ^ y >>> 10) + W[i - 16] | 0;
    }
    a = H[0]; b = H[1]; c = H[2]; d = H[3]; e = H[4]; f = H[5]; g = H[6]; h = H[7];
    for (i = 0; i < 64; i++) {
      t1 = h + ((e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7)) + (e & f ^ ~e & g) + K[i] + W[i] | 0;
      t2 = ((a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10)) + (a & b ^ a & c ^ b & c) | 0;
      h = g; g = f; f = e; e = d + t1 | 0; d = c; c = b; b = a; a = t1 + t2 | 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }

  // zeros returns the leading zero bits of SHA-256(s), s being ASCII.
  // The buffer is reused: a search hashes the same prefix many times.
  var m = new Uint8Array(256);
  function zeros(s) {
    var n = s.length, len = (n + 9 + 63) & ~63, i;
    for (i = 0; i < n; i++) m[i] = s.charCodeAt(i);
    m[n] = 0x80;
    for (i = n + 1; i < len - 4; i++) m[i] = 0;
    m[len - 4] = n >>> 21; m[len - 3] = n >>> 13; m[len - 2] = n >>> 5; m[len - 1] = n << 3;
    H[0] = 0x6a09e667; H[1] = 0xbb67ae85; H[2] = 0x3c6ef372; H[3] = 0xa54ff53a;
    H[4] = 0x510e527f; H[5] = 0x9b05688c; H[6] = 0x1f83d9ab; H[7] = 0x5be0cd19;
    for (i = 0; i < len; i += 64) block(m, i);
    return H[0] === 0 ? 32 + Math.clz32(H[1]) : Math.clz32(H[0]);
  }

  form.addEventListener("submit", function (ev) {
    if (nonce.value) return;
    ev.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    status.textContent = status.getAttribute("data-working");
    var c = challenge.value, bits = parseInt(c, 10), i = 0, prefix = c + ":";
    (function work() {
      for (var end = i + 20000; i < end; i++) {
        if (zeros(prefix + i) >= bits) {
          nonce.value = String(i);
          form.submit();
          return;
        }
      }
      setTimeout(work, 0);
    })();
  });
})();
