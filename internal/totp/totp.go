// Package totp holds the one-time-password choices of Spiker Perak in one
// place: RFC 6238 codes of 6 digits every 30 seconds with SHA-1, which every
// common authenticator app reads, accepted one step either side.
package totp

import (
	"crypto/subtle"
	"net/url"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker/internal/vault"
)

// Issuer is the name authenticator apps show beside the account.
const Issuer = "Spiker Perak"

// Generate makes a new secret for a staff account and its enrolment URI
// (otpauth://totp/...), which a QR code or an app can take.
func Generate(account string) (secret, uri string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      Issuer,
		AccountName: account,
		Period:      30,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// Validate reports whether code is valid for secret at time t.
func Validate(secret, code string, t time.Time) bool {
	_, ok := Match(secret, code, t)
	return ok
}

// Match finds the time step (now or one either side) a code belongs to, so
// that the caller can refuse a step already used (a replayed code).
func Match(secret, code string, now time.Time) (step int64, ok bool) {
	if len(code) != 6 {
		return 0, false
	}
	for _, off := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(off) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30, true
		}
	}
	return 0, false
}

// URI is the otpauth:// enrolment URI of an account's secret.
func URI(account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", Issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + Issuer + ":" + account, RawQuery: v.Encode()}).String()
}

// Seal encrypts a TOTP secret for storage under the server's TOTP key, bound
// to the account so that it cannot be copied to another user's row.
func Seal(s *vault.ServerSecrets, username, secret string) []byte {
	return s.Seal(vault.PurposeTOTP, []byte(secret), binding(username))
}

// Open decrypts what Seal stored for the account.
func Open(s *vault.ServerSecrets, username string, sealed []byte) (string, error) {
	b, err := s.Open(vault.PurposeTOTP, sealed, binding(username))
	return string(b), err
}

func binding(username string) []byte { return []byte("users.totp_sealed:" + username) }
