package main

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	spikertotp "github.com/spikerperak/spiker/internal/totp"
	"github.com/spikerperak/spiker/internal/vault"
)

// checkCredentials proves the stored hash verifies the password and the
// sealed TOTP secret is the one in the enrolment URI.
func checkCredentials(t *testing.T, m *Main, u *spiker.User, password, uri string) {
	t.Helper()
	ok, rehash, _, err := vault.VerifyPassword(u.PasswordHash, password, vault.DefaultArgon2, m.Secrets)
	if err != nil || !ok || rehash {
		t.Fatalf("VerifyPassword = %v %v %v", ok, rehash, err)
	}
	if ok, _, _, _ := vault.VerifyPassword(u.PasswordHash, password+"x", vault.DefaultArgon2, m.Secrets); ok {
		t.Fatal("a wrong password verified")
	}
	// The password unlocks the user's private key, matching the stored
	// public key.
	actor, err := m.Users.Authenticate(context.Background(), u.Username, password)
	if err != nil || vault.PublicOf(vault.PrivateKey(*actor.Key)) != vault.PublicKey(u.PublicKey) {
		t.Fatalf("Authenticate: %v", err)
	}
	parsed, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	want := parsed.Query().Get("secret")
	secret, err := spikertotp.Open(m.Secrets, u.Username, u.TOTPSealed)
	if err != nil || secret != want {
		t.Fatalf("sealed TOTP secret = %q, %v; want the URI's", secret, err)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	if !spikertotp.Validate(secret, code, time.Now()) {
		t.Fatal("a current code does not validate")
	}
	if _, err := spikertotp.Open(m.Secrets, "someone.else", u.TOTPSealed); err == nil {
		t.Fatal("the sealed secret opened for another account")
	}
}
