package store_test

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/passkey/passkeytest"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

var testRP = spiker.RelyingParty{ID: "staf.dinas.example", Origin: "https://staf.dinas.example", Name: "Spiker Perak"}

// auditTrail lists the audit log's actions and reasons, oldest first.
func auditTrail(t *testing.T, s *store.Store) []string {
	t.Helper()
	var out []string
	err := s.DB.View(context.Background(), func(tx *sqldb.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT action, reason FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, r string
			if err := rows.Scan(&a, &r); err != nil {
				return err
			}
			out = append(out, a+": "+r)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hasAudit(trail []string, action string) bool {
	return slices.ContainsFunc(trail, func(e string) bool { return strings.HasPrefix(e, action+":") })
}

// registerPasskey registers a passkey of the authenticator for actor.
func registerPasskey(t *testing.T, users store.UserService, actor *spiker.Actor, a *passkeytest.Authenticator, name string) {
	t.Helper()
	ctx := context.Background()
	opts, err := users.BeginPasskeyRegistration(ctx, actor, testRP)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.FinishPasskeyRegistration(ctx, actor, testRP, name, resp); err != nil {
		t.Fatalf("registering %s: %v", name, err)
	}
}

// passkeySignIn signs in with the password and the authenticator's answer.
func passkeySignIn(users store.UserService, name, password string, a *passkeytest.Authenticator) (string, error) {
	ctx := context.Background()
	opts, err := users.BeginPasskeySignIn(ctx, name, password, "c", testRP)
	if err != nil {
		return "", err
	}
	resp, err := a.Get(opts)
	if err != nil {
		return "", err
	}
	token, _, err := users.SignInWithPasskey(ctx, name, password, resp, "c", testRP)
	return token, err
}

func TestPasskeyStorageAndSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		enrolled(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		const pw = "kata sandi konselor.satu"
		actor, err := users.Authenticate(ctx, "konselor.satu", pw)
		if err != nil {
			t.Fatal(err)
		}

		// Without a passkey there is nothing to sign in with.
		_, err = users.BeginPasskeySignIn(ctx, "konselor.satu", pw, "c", testRP)
		wantCode(t, err, spiker.EUNAUTHORIZED, "no passkey yet")

		phone, laptop := passkeytest.New(testRP.Origin), passkeytest.New(testRP.Origin)
		registerPasskey(t, users, actor, phone, "Ponsel kantor")
		registerPasskey(t, users, actor, laptop, "Laptop")
		keys, err := users.Passkeys(ctx, actor)
		if err != nil || len(keys) != 2 || keys[0].Name != "Ponsel kantor" || keys[1].Name != "Laptop" {
			t.Fatalf("passkeys: %+v %v", keys, err)
		}
		if len(keys[0].CredentialID) != 32 || !slices.Equal(keys[0].Transports, []string{"internal"}) || keys[0].SignCount != 0 ||
			keys[0].CreatedAt.IsZero() || !keys[0].LastUsedAt.IsZero() {
			t.Fatalf("stored passkey: %+v", keys[0])
		}

		// Renaming: only one's own, with a name.
		if err := users.RenamePasskey(ctx, actor, keys[1].ID, "  Laptop rumah "); err != nil {
			t.Fatal(err)
		}
		wantCode(t, users.RenamePasskey(ctx, actor, keys[1].ID, " "), spiker.EINVALID, "an empty name")
		if keys, _ := users.Passkeys(ctx, actor); keys[1].Name != "Laptop rumah" {
			t.Fatalf("renamed: %q", keys[1].Name)
		}

		// A registration answer is used once: the challenge is gone.
		opts, _ := users.BeginPasskeyRegistration(ctx, actor, testRP)
		resp, _ := passkeytest.New(testRP.Origin).Create(opts)
		if err := users.FinishPasskeyRegistration(ctx, actor, testRP, "Tablet", resp); err != nil {
			t.Fatal(err)
		}
		err = users.FinishPasskeyRegistration(ctx, actor, testRP, "Tablet lagi", resp)
		wantCode(t, err, spiker.EUNAUTHORIZED, "a registration answer replayed")
		// A page on another origin cannot register one.
		opts, _ = users.BeginPasskeyRegistration(ctx, actor, testRP)
		resp, _ = passkeytest.New("https://staf-dinas.example.com").Create(opts)
		err = users.FinishPasskeyRegistration(ctx, actor, testRP, "Palsu", resp)
		wantCode(t, err, spiker.EUNAUTHORIZED, "registration from another origin")

		// Sign-in with the password and a passkey, instead of a code.
		token, err := passkeySignIn(users, "konselor.satu", pw, phone)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := users.Session(ctx, token)
		if err != nil || sess.Actor.Key == nil || *sess.Actor.Key != *actor.Key {
			t.Fatalf("the passkey session does not hold the user's key: %v", err)
		}
		keys, _ = users.Passkeys(ctx, actor)
		if keys[0].SignCount != 1 || keys[0].LastUsedAt.IsZero() || !keys[1].LastUsedAt.IsZero() {
			t.Fatalf("after sign-in: %+v", keys[:2])
		}
		// The wrong password stops it before any challenge.
		_, err = users.BeginPasskeySignIn(ctx, "konselor.satu", "salah sekali", "c", testRP)
		wantCode(t, err, spiker.EUNAUTHORIZED, "wrong password")

		// An assertion made on a look-alike site is refused and audited.
		opts, err = users.BeginPasskeySignIn(ctx, "konselor.satu", pw, "c", testRP)
		if err != nil {
			t.Fatal(err)
		}
		phishing := phone.Clone()
		phishing.Origin = "https://staf-dinas.example.com"
		resp, _ = phishing.Get(opts)
		_, _, err = users.SignInWithPasskey(ctx, "konselor.satu", pw, resp, "c", testRP)
		wantCode(t, err, spiker.EUNAUTHORIZED, "assertion from another origin")

		// A challenge answers once.
		opts, _ = users.BeginPasskeySignIn(ctx, "konselor.satu", pw, "c", testRP)
		resp, _ = laptop.Get(opts)
		if _, _, err := users.SignInWithPasskey(ctx, "konselor.satu", pw, resp, "c", testRP); err != nil {
			t.Fatal(err)
		}
		_, _, err = users.SignInWithPasskey(ctx, "konselor.satu", pw, resp, "c", testRP)
		wantCode(t, err, spiker.EUNAUTHORIZED, "replayed assertion")

		// Another user's challenge does not serve: it is bound to its user.
		enrolled(t, s, "konselor.dua", spiker.RoleKonselorPiket)
		other, _ := users.Authenticate(ctx, "konselor.dua", "kata sandi konselor.dua")
		registerPasskey(t, users, other, passkeytest.New(testRP.Origin), "Ponsel")
		opts, err = users.BeginPasskeySignIn(ctx, "konselor.dua", "kata sandi konselor.dua", "c", testRP)
		if err != nil {
			t.Fatal(err)
		}
		resp, err = phone.Get([]byte(strings.Replace(string(opts), `"allowCredentials":[`, `"allowCredentials":[{"type":"public-key","id":"`+b64(keys[0].CredentialID)+`"},`, 1)))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = users.SignInWithPasskey(ctx, "konselor.satu", pw, resp, "c", testRP)
		wantCode(t, err, spiker.EUNAUTHORIZED, "another user's challenge")
		wantCode(t, users.RenamePasskey(ctx, other, keys[0].ID, "Punya saya"), spiker.ENOTFOUND, "renaming someone else's passkey")

		// An expired challenge does not answer.
		opts, _ = users.BeginPasskeySignIn(ctx, "konselor.satu", pw, "c", testRP)
		resp, _ = laptop.Get(opts)
		now := s.DB.Now
		s.DB.Now = func() time.Time { return now().Add(6 * time.Minute) }
		_, _, err = users.SignInWithPasskey(ctx, "konselor.satu", pw, resp, "c", testRP)
		wantCode(t, err, spiker.EUNAUTHORIZED, "expired challenge")

		trail := auditTrail(t, s)
		for _, a := range []string{"user.passkey_register", "user.passkey_rename", "user.passkey_register_failed", "user.passkey_signin_failed", "user.signin"} {
			if !hasAudit(trail, a) {
				t.Errorf("no %s in the audit log: %q", a, trail)
			}
		}
		for _, e := range trail {
			if strings.Contains(e, pw) || strings.Contains(e, b64(keys[0].CredentialID)) {
				t.Errorf("the audit log holds a secret: %q", e)
			}
		}
	})
}

func TestPasskeySignCountRegression(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		enrolled(t, s, "manajer.satu", spiker.RoleManajerKasus)
		const pw = "kata sandi manajer.satu"
		actor, _ := users.Authenticate(ctx, "manajer.satu", pw)
		device := passkeytest.New(testRP.Origin)
		registerPasskey(t, users, actor, device, "Kunci")
		copied := device.Clone()
		for range 2 {
			if _, err := passkeySignIn(users, "manajer.satu", pw, device); err != nil {
				t.Fatal(err)
			}
		}
		// The copy's counter is behind the original's: refused, audited.
		_, err := passkeySignIn(users, "manajer.satu", pw, copied)
		wantCode(t, err, spiker.EUNAUTHORIZED, "a copied passkey")
		if !hasAudit(auditTrail(t, s), "user.passkey_regression") {
			t.Fatal("the regression is not audited")
		}
		keys, _ := users.Passkeys(ctx, actor)
		if keys[0].SignCount != 2 {
			t.Fatalf("the counter moved on a refused sign-in: %d", keys[0].SignCount)
		}
		// The original goes on working.
		if _, err := passkeySignIn(users, "manajer.satu", pw, device); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPasskeyPolicyAndRemoval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		secret := enrolled(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		newcomerSecret := enrolled(t, s, "konselor.baru", spiker.RoleKonselorPiket)
		managerSecret := enrolled(t, s, "manajer.satu", spiker.RoleManajerKasus)
		enrolled(t, s, "admin", spiker.RoleAdmin)
		admin, _ := users.Authenticate(ctx, "admin", "kata sandi admin")
		const pw = "kata sandi konselor.satu"
		actor, _ := users.Authenticate(ctx, "konselor.satu", pw)
		device := passkeytest.New(testRP.Origin)
		registerPasskey(t, users, actor, device, "Ponsel")
		code := func(secret string, step int) string {
			c, _ := totp.GenerateCode(secret, time.Now().Add(time.Duration(step)*30*time.Second))
			return c
		}

		// Only settings managers set the policy.
		wantCode(t, users.SetPasskeyPolicy(ctx, actor, spiker.PasskeyPolicy{All: true}), spiker.EFORBIDDEN, "a counsellor sets the policy")
		if err := users.SetPasskeyPolicy(ctx, admin, spiker.PasskeyPolicy{Roles: []spiker.Role{spiker.RoleKonselorPiket}}); err != nil {
			t.Fatal(err)
		}
		if p, _ := users.PasskeyPolicy(ctx); p.All || !slices.Equal(p.Roles, []spiker.Role{spiker.RoleKonselorPiket}) {
			t.Fatalf("policy: %+v", p)
		}
		// The covered user with a passkey: the code is refused, audited.
		_, _, err := users.SignIn(ctx, "konselor.satu", pw, code(secret, 0), "c")
		wantCode(t, err, spiker.EUNAUTHORIZED, "a code where a passkey is required")
		if spiker.ErrorFields(err)["passkey"] != "passkey.err.required" {
			t.Fatalf("refusal fields: %v", spiker.ErrorFields(err))
		}
		if !hasAudit(auditTrail(t, s), "user.signin_totp_refused") {
			t.Fatal("the refused code is not audited")
		}
		// A covered user without a passkey is not locked out; a role the
		// policy does not cover keeps the code.
		if _, _, err := users.SignIn(ctx, "konselor.baru", "kata sandi konselor.baru", code(newcomerSecret, 0), "c"); err != nil {
			t.Fatal(err)
		}
		newcomer, _ := users.Authenticate(ctx, "konselor.baru", "kata sandi konselor.baru")
		if req, n, err := users.PasskeyStatus(ctx, newcomer); err != nil || !req || n != 0 {
			t.Fatalf("newcomer status: %v %d %v", req, n, err)
		}
		if _, _, err := users.SignIn(ctx, "manajer.satu", "kata sandi manajer.satu", code(managerSecret, 0), "c"); err != nil {
			t.Fatal(err)
		}

		// Removing needs the password, and keeps the last required passkey.
		keys, _ := users.Passkeys(ctx, actor)
		wantCode(t, users.RemovePasskey(ctx, actor, keys[0].ID, "salah sekali"), spiker.EUNAUTHORIZED, "removal with a wrong password")
		err = users.RemovePasskey(ctx, actor, keys[0].ID, pw)
		wantCode(t, err, spiker.ECONFLICT, "removing the last required passkey")
		// Nobody removes someone else's.
		wantCode(t, users.RemovePasskey(ctx, newcomer, keys[0].ID, "kata sandi konselor.baru"), spiker.ENOTFOUND, "someone else's passkey")
		second := passkeytest.New(testRP.Origin)
		registerPasskey(t, users, actor, second, "Kunci USB")
		if err := users.RemovePasskey(ctx, actor, keys[0].ID, pw); err != nil {
			t.Fatal(err)
		}
		// The removed passkey no longer signs in; the other does.
		_, err = passkeySignIn(users, "konselor.satu", pw, device)
		if err == nil {
			t.Fatal("a removed passkey signed in")
		}
		if _, err := passkeySignIn(users, "konselor.satu", pw, second); err != nil {
			t.Fatal(err)
		}
		// With the policy off, the code signs in again and the last passkey
		// can go.
		if err := users.SetPasskeyPolicy(ctx, admin, spiker.PasskeyPolicy{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := users.SignIn(ctx, "konselor.satu", pw, code(secret, 1), "c"); err != nil {
			t.Fatal(err)
		}
		keys, _ = users.Passkeys(ctx, actor)
		if err := users.RemovePasskey(ctx, actor, keys[0].ID, pw); err != nil {
			t.Fatal(err)
		}
		trail := auditTrail(t, s)
		for _, a := range []string{"settings.passkey", "user.passkey_remove"} {
			if !hasAudit(trail, a) {
				t.Errorf("no %s in the audit log", a)
			}
		}
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
