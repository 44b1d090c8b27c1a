// Package pow is the optional proof of work that lets a client behind a
// shared address (carrier-grade NAT, a school's or an office's Wi-Fi) past
// its own rate limit once: the server issues a signed, short-lived
// challenge; the browser finds a nonce such that SHA-256(challenge ":"
// nonce) starts with Bits zero bits (about 2^Bits hashes: a second or two
// on a cheap phone) and sends it with the form. The server checks the
// signature, the expiry and the hash; the store spends the challenge's id
// once.
package pow

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// DefaultBits is the work asked for: 2^18 hashes on average, about 1–2 s
// for the page's JavaScript on a cheap Android phone and well under a
// second on a laptop.
const DefaultBits = 18

// DefaultTTL is how long a challenge may be solved and spent.
const DefaultTTL = 10 * time.Minute

// Issuer issues and verifies challenges under a server key.
type Issuer struct {
	Key  []byte
	Bits int           // 0: DefaultBits
	TTL  time.Duration // 0: DefaultTTL
}

var b64 = base64.RawURLEncoding

func (i *Issuer) bits() int {
	if i.Bits > 0 {
		return i.Bits
	}
	return DefaultBits
}

func (i *Issuer) ttl() time.Duration {
	if i.TTL > 0 {
		return i.TTL
	}
	return DefaultTTL
}

func (i *Issuer) sign(payload string) string {
	m := hmac.New(sha256.New, i.Key)
	m.Write([]byte("spiker/pow\x00" + payload))
	return b64.EncodeToString(m.Sum(nil)[:16])
}

// Issue returns a new challenge: "bits.expires.id.signature".
func (i *Issuer) Issue(now time.Time) string {
	id := make([]byte, 12)
	rand.Read(id)
	payload := strconv.Itoa(i.bits()) + "." + strconv.FormatInt(now.Add(i.ttl()).Unix(), 10) + "." + b64.EncodeToString(id)
	return payload + "." + i.sign(payload)
}

// ErrInvalid is a challenge or nonce that does not verify.
var ErrInvalid = errors.New("pow: invalid or expired proof of work")

// Verify checks a solved challenge and returns its id and expiry, for the
// store to spend once.
func (i *Issuer) Verify(now time.Time, challenge, nonce string) (id string, expires time.Time, err error) {
	parts := strings.Split(challenge, ".")
	if len(parts) != 4 || len(nonce) == 0 || len(nonce) > 20 {
		return "", time.Time{}, ErrInvalid
	}
	payload := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(i.sign(payload)), []byte(parts[3])) {
		return "", time.Time{}, ErrInvalid
	}
	n, err1 := strconv.Atoi(parts[0])
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	expires = time.Unix(exp, 0).UTC()
	if err1 != nil || err2 != nil || n != i.bits() || !now.Before(expires) || LeadingZeros(challenge, nonce) < n {
		return "", time.Time{}, ErrInvalid
	}
	return parts[2], expires, nil
}

// LeadingZeros counts the zero bits at the start of SHA-256(challenge ":" nonce).
func LeadingZeros(challenge, nonce string) int {
	sum := sha256.Sum256([]byte(challenge + ":" + nonce))
	n := 0
	for _, b := range sum {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// Solve finds a nonce for a challenge, as the page's JavaScript does (for
// tests and programs).
func Solve(challenge string) string {
	n, _ := strconv.Atoi(strings.SplitN(challenge, ".", 2)[0])
	for i := 0; ; i++ {
		nonce := strconv.Itoa(i)
		if LeadingZeros(challenge, nonce) >= n {
			return nonce
		}
	}
}
