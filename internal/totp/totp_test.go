package totp

import (
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestGenerateAndValidate(t *testing.T) {
	secret, uri, err := Generate("siti.aminah")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != secret ||
		u.Query().Get("issuer") != Issuer || u.Query().Get("digits") != "6" || u.Query().Get("period") != "30" {
		t.Fatalf("uri %q", uri)
	}
	now := time.Date(2026, 11, 26, 2, 0, 15, 0, time.UTC)
	code, _ := totp.GenerateCode(secret, now)
	for _, d := range []time.Duration{0, -30 * time.Second, 30 * time.Second} {
		if !Validate(secret, code, now.Add(d)) {
			t.Errorf("code rejected at %v", d)
		}
	}
	for _, d := range []time.Duration{-90 * time.Second, 90 * time.Second} {
		if Validate(secret, code, now.Add(d)) {
			t.Errorf("code accepted at %v, beyond one step", d)
		}
	}
	if Validate(secret, "000000x", now) || Validate(secret, "", now) {
		t.Error("malformed code accepted")
	}
}
