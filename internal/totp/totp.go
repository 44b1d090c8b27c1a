// Package totp holds the one-time-password choices of Spiker Perak in one
// place: RFC 6238 codes of 6 digits every 30 seconds with SHA-1, which every
// common authenticator app reads, accepted one step either side.
package totp

import (
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
	ok, err := totp.ValidateCustom(code, secret, t, totp.ValidateOpts{
		Period:    30,
		Skew:      1,
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
	return ok && err == nil
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
