package store_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/argon2id"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	spikertotp "github.com/spikerperak/spiker/internal/totp"
	"github.com/spikerperak/spiker/internal/vault"
)

// storedCredentials reads a user's row as a database backup holds it.
func storedCredentials(t *testing.T, s *store.Store, name string) (hash string, wrapped []byte) {
	t.Helper()
	if err := s.DB.Get(context.Background(), `SELECT password_hash, private_wrapped FROM users WHERE username = $1`,
		[]any{name}, &hash, &wrapped); err != nil {
		t.Fatal(err)
	}
	return hash, wrapped
}

// argonHalves is what an attacker holding only the database computes for a
// guess: the Argon2id output for the stored salt and costs, in two halves.
func argonHalves(t *testing.T, hash, guess string) (verifier, key []byte) {
	t.Helper()
	parts := strings.Split(hash, "$")
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		t.Fatal(err)
	}
	var m, tm, p uint32
	fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &tm, &p)
	out := argon2id.IDKey([]byte(guess), salt, tm, m, uint8(p), 64)
	return out[:32], out[32:]
}

// A backup of the database alone allows no offline guessing: with the
// right password, the stored verifier does not verify and the wrapped
// private key does not unwrap unless the secret file's pepper is there.
func TestPasswordVerifierNeedsThePepper(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		s := storetest.New(t, dbURL)
		enrolled(t, s, "pekerja.sosial", spiker.RoleKonselorPiket)
		const pw = "kata sandi pekerja.sosial"
		hash, wrapped := storedCredentials(t, s, "pekerja.sosial")
		if !strings.HasPrefix(hash, "$argon2id-pepper$") || !strings.Contains(hash, ",k=1$") {
			t.Fatalf("stored verifier %q records no pepper version", hash)
		}

		verifier, key := argonHalves(t, hash, pw)
		if strings.HasSuffix(hash, "$"+base64.RawStdEncoding.EncodeToString(verifier)) {
			t.Fatal("the right password's Argon2id output is the stored verifier")
		}
		if _, err := vault.UnwrapPrivateKey(vault.PasswordKey(key), "pekerja.sosial", wrapped); err == nil {
			t.Fatal("the right password's Argon2id output unwraps the private key")
		}
		otherFile, _, err := vault.LoadOrCreateSecrets(filepath.Join(t.TempDir(), "other.json"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, _, _ := vault.VerifyPassword(hash, pw, storetest.Cheap, otherFile); ok {
			t.Fatal("verified with another secret file")
		}

		ok, upgrade, pk, err := vault.VerifyPassword(hash, pw, storetest.Cheap, s.Secrets)
		if !ok || upgrade || err != nil {
			t.Fatalf("with the secret file: ok %v, upgrade %v, %v", ok, upgrade, err)
		}
		if _, err := vault.UnwrapPrivateKey(pk, "pekerja.sosial", wrapped); err != nil {
			t.Fatalf("with the secret file the key does not unwrap: %v", err)
		}
	})
}

// A user whose verifier was stored before the pepper signs in as before;
// that sign-in replaces the verifier with a peppered one and re-wraps the
// same private key, and a rotation of the password key is picked up the
// same way without locking anyone out.
func TestUnpepperedVerifierUpgradesAtSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		const name, pw = "kepala.bidang", "kata sandi yang lama sekali"

		// The row as an older version wrote it.
		salt := []byte("sixteen byte slt")
		p := storetest.Cheap
		out := argon2id.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 64)
		kp := vault.NewKeyPair()
		secret, _, err := spikertotp.Generate(name)
		if err != nil {
			t.Fatal(err)
		}
		u := &spiker.User{Username: name, Roles: []spiker.Role{spiker.RoleSupervisor}, RegionCode: "35.24",
			PasswordHash: fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads,
				base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(out[:32])),
			PublicKey: kp.Public[:], PrivateWrapped: vault.WrapPrivateKey(vault.PasswordKey(out[32:]), name, kp.Private),
			TOTPSealed: spikertotp.Seal(s.Secrets, name, secret)}
		if err := users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}

		code := func(at time.Time) string { c, _ := totp.GenerateCode(secret, at); return c }
		if _, _, err := users.SignIn(ctx, name, pw, code(time.Now()), "c"); err != nil {
			t.Fatalf("sign-in with the old verifier: %v", err)
		}
		hash, wrapped := storedCredentials(t, s, name)
		if !strings.HasPrefix(hash, "$argon2id-pepper$") || hash == u.PasswordHash {
			t.Fatalf("verifier not upgraded: %q", hash)
		}
		if _, err := vault.UnwrapPrivateKey(vault.PasswordKey(out[32:]), name, wrapped); err == nil {
			t.Fatal("the private key is still wrapped under the unpeppered key")
		}
		// The same key pair, now opened through the pepper.
		actor, err := users.Authenticate(ctx, name, pw)
		if err != nil || vault.PrivateKey(*actor.Key) != kp.Private {
			t.Fatalf("after the upgrade: %v", err)
		}
		if _, err := users.Authenticate(ctx, name, pw+"x"); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
			t.Fatalf("wrong password after the upgrade: %v", err)
		}

		// `spiker keys rotate --purpose password`: the old version still
		// verifies, and the next sign-in moves the verifier to the new one.
		if _, err := s.Secrets.Rotate(vault.PurposePassword, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := users.SignIn(ctx, name, pw, code(time.Now().Add(30*time.Second)), "c"); err != nil {
			t.Fatalf("sign-in after a rotation: %v", err)
		}
		if hash, _ := storedCredentials(t, s, name); !strings.Contains(hash, ",k=2$") {
			t.Fatalf("verifier not moved to the new key version: %q", hash)
		}
		if actor, err := users.Authenticate(ctx, name, pw); err != nil || vault.PrivateKey(*actor.Key) != kp.Private {
			t.Fatalf("after the rotation: %v", err)
		}
	})
}
