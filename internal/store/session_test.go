package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	spikertotp "github.com/spikerperak/spiker/internal/totp"
)

// enrolled creates a user with a password and a TOTP secret, and returns
// the secret.
func enrolled(t *testing.T, s *store.Store, name string, roles ...spiker.Role) string {
	t.Helper()
	users := store.UserService{Store: s}
	u := &spiker.User{Username: name, Roles: roles, RegionCode: "35.24"}
	users.NewCredentials(u, "kata sandi "+name)
	secret, _, err := spikertotp.Generate(name)
	if err != nil {
		t.Fatal(err)
	}
	u.TOTPSealed = spikertotp.Seal(s.Secrets, name, secret)
	if err := users.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestStaffSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users, reports := store.UserService{Store: s}, store.ReportService{Store: s}
		secret := enrolled(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		r := sampleReport()
		reports.CreateReport(ctx, r, "")
		code := func(at time.Time) string { c, _ := totp.GenerateCode(secret, at); return c }

		_, _, err := users.SignIn(ctx, "konselor.satu", "salah sekali", code(time.Now()), "c")
		wantCode(t, err, spiker.EUNAUTHORIZED, "wrong password")
		_, _, err = users.SignIn(ctx, "konselor.satu", "kata sandi konselor.satu", "000000", "c")
		wantCode(t, err, spiker.EUNAUTHORIZED, "wrong code")
		token, sess, err := users.SignIn(ctx, "konselor.satu", "kata sandi konselor.satu", code(time.Now()), "c")
		if err != nil || sess.CSRF == "" {
			t.Fatal(err)
		}
		// The same code again is refused: codes work once.
		_, _, err = users.SignIn(ctx, "konselor.satu", "kata sandi konselor.satu", code(time.Now()), "c")
		wantCode(t, err, spiker.EUNAUTHORIZED, "replayed code")

		got, err := users.Session(ctx, token)
		if err != nil || got.Actor.Username != "konselor.satu" || got.CSRF != sess.CSRF {
			t.Fatalf("session: %+v %v", got, err)
		}
		// The session kept the key's public half: no request derives it.
		if u, err := users.FindUserByUsername(ctx, "konselor.satu"); err != nil || got.Actor.KeyPublic == nil || string(got.Actor.KeyPublic[:]) != string(u.PublicKey) {
			t.Fatalf("the session's public key is not the user's: %v", err)
		}
		// The session's key reads what the user holds.
		if _, err := reports.FindReport(ctx, got.Actor, r.ID); err != nil {
			t.Fatalf("reading with the session's key: %v", err)
		}
		_, err = users.Session(ctx, token[:len(token)-3]+"abc")
		wantCode(t, err, spiker.EUNAUTHORIZED, "tampered secret")
		_, err = users.Session(ctx, "garbage")
		wantCode(t, err, spiker.EUNAUTHORIZED, "garbage token")

		// A second session from the next code; sign-out everywhere ends both.
		token2, _, err := users.SignIn(ctx, "konselor.satu", "kata sandi konselor.satu", code(time.Now().Add(30*time.Second)), "c")
		if err != nil {
			t.Fatal(err)
		}
		if err := users.SignOutEverywhere(ctx, got.Actor); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []string{token, token2} {
			_, err := users.Session(ctx, tk)
			wantCode(t, err, spiker.EUNAUTHORIZED, "after sign-out everywhere")
		}
	})
}

func TestStaffSessionIdleAndThrottle(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t, storetest.SQLiteURL(t))
	users := store.UserService{Store: s}
	secret := enrolled(t, s, "kepala.uptd", spiker.RoleSupervisor)
	c, _ := totp.GenerateCode(secret, time.Now())
	token, _, err := users.SignIn(ctx, "kepala.uptd", "kata sandi kepala.uptd", c, "c")
	if err != nil {
		t.Fatal(err)
	}
	s.DB.Now = func() time.Time { return time.Now().UTC().Add(store.StaffIdle + time.Minute) }
	_, err = users.Session(ctx, token)
	wantCode(t, err, spiker.EUNAUTHORIZED, "idle session")
	s.DB.Now = func() time.Time { return time.Now().UTC() }
	// Ten wrong passwords for one account from one client: that client is
	// throttled at that account, even with the right password.
	for range 10 {
		users.SignIn(ctx, "kepala.uptd", "salah", "123456", "client-a")
	}
	c2, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	_, _, err = users.SignIn(ctx, "kepala.uptd", "kata sandi kepala.uptd", c2, "client-a")
	wantCode(t, err, spiker.ETOOMANY, "throttled client at the account")
}

// Wrong passwords from one address cannot lock a user out: the flooding
// client is stopped at that account, the user signs in from another
// address, and past the account's high threshold every try is only slowed.
func TestSignInCannotBeLockedOutFromAnotherAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		s.SignInThrottle = store.SignInThrottle{Client: store.Bucket{Capacity: 30, PerSecond: 1.0 / 60},
			Account: store.Bucket{Capacity: 40, PerSecond: 1.0 / 3600}, Delay: 300 * time.Millisecond}
		users := store.UserService{Store: s}
		secret := enrolled(t, s, "konselor.dua", spiker.RoleKonselorPiket)
		other := enrolled(t, s, "konselor.tiga", spiker.RoleKonselorPiket)
		code := func(secret string, steps int) string {
			c, _ := totp.GenerateCode(secret, time.Now().Add(time.Duration(steps)*30*time.Second))
			return c
		}

		// Client A floods wrong passwords for the user.
		refused := 0
		for range 25 {
			_, _, err := users.SignIn(ctx, "konselor.dua", "tebakan yang salah", "123456", "client-a")
			if spiker.ErrorCode(err) == spiker.ETOOMANY {
				refused++
			} else {
				wantCode(t, err, spiker.EUNAUTHORIZED, "a wrong password")
			}
		}
		if refused != 15 {
			t.Fatalf("%d of 25 tries refused, want all past the 10th", refused)
		}
		_, _, err := users.SignIn(ctx, "konselor.dua", "kata sandi konselor.dua", code(secret, 0), "client-a")
		wantCode(t, err, spiker.ETOOMANY, "client A at the flooded account")

		// The user, from address B, signs in at once.
		if _, _, err := users.SignIn(ctx, "konselor.dua", "kata sandi konselor.dua", code(secret, 0), "client-b"); err != nil {
			t.Fatalf("the user from another address: %v", err)
		}
		// Client A is not stopped at another account either (its own
		// budget over all accounts is larger): a shared office address
		// does not lock out the colleagues.
		if _, _, err := users.SignIn(ctx, "konselor.tiga", "kata sandi konselor.tiga", code(other, 0), "client-a"); err != nil {
			t.Fatalf("another account from client A: %v", err)
		}

		// Many addresses, each under its own limit, past the account's
		// threshold: tries are slowed, never refused, and the user gets in.
		for i := range 35 {
			_, _, err := users.SignIn(ctx, "konselor.dua", "tebakan yang salah", "123456", fmt.Sprintf("bot-%d", i))
			wantCode(t, err, spiker.EUNAUTHORIZED, "a wrong password from a bot")
		}
		start := time.Now()
		if _, _, err := users.SignIn(ctx, "konselor.dua", "kata sandi konselor.dua", code(secret, 1), "client-c"); err != nil {
			t.Fatalf("the user past the account's threshold: %v", err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("sign-in past the account's threshold took %v, want the delay", d)
		}
	})
}

// Asking for a new authenticator is throttled as a sign-in is: one client
// flooding it for a user is refused alone, and the user (from elsewhere)
// can still ask and still change their password.
func TestAuthenticatorRequestCannotLockOutTheUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		enrolled(t, s, "konselor.empat", spiker.RoleKonselorPiket)
		refused := 0
		for range 40 {
			err := users.RequestAuthenticatorResetBySignIn(ctx, "konselor.empat", "tebakan yang salah", "client-a")
			if spiker.ErrorCode(err) == spiker.ETOOMANY {
				refused++
			}
		}
		if refused == 0 {
			t.Fatal("a flood of requests was never throttled")
		}
		if err := users.RequestAuthenticatorResetBySignIn(ctx, "konselor.empat", "kata sandi konselor.empat", "client-b"); err != nil {
			t.Fatalf("the user from another address: %v", err)
		}
		err := users.ChangePassword(ctx, "konselor.empat", "kata sandi konselor.empat", "Kuda-Laut-Berenang-2026!", nil)
		if spiker.ErrorCode(err) == spiker.ETOOMANY {
			t.Fatalf("the user's password change after the flood: %v", err)
		}
	})
}
