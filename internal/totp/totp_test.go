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

func TestMatchReturnsTheCodesStep(t *testing.T) {
	secret, _, err := Generate("budi")
	if err != nil {
		t.Fatal(err)
	}
	// 23:59:50 WIB on the last day of a month, in UTC: the step boundary
	// is the same whatever the zone.
	now := time.Date(2026, 12, 31, 16, 59, 50, 0, time.UTC)
	code, _ := totp.GenerateCode(secret, now)
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{{0, now.Unix() / 30}, {30 * time.Second, now.Unix() / 30}, {-30 * time.Second, now.Unix() / 30}} {
		step, ok := Match(secret, code, now.Add(c.at))
		if !ok || step != c.want {
			t.Errorf("Match at %v = %d, %v; want step %d", c.at, step, ok, c.want)
		}
	}
	if _, ok := Match(secret, code, now.Add(2*time.Minute)); ok {
		t.Error("a code two minutes old matched")
	}
	if _, ok := Match(secret, " "+code[1:], now); ok {
		t.Error("a changed code matched")
	}
}
