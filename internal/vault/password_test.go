package vault

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker/internal/argon2id"
)

// cheap keeps unit tests fast; the default parameters are measured by the
// benchmark.
var cheap = Argon2Params{Time: 1, Memory: 64, Threads: 1}

func newSecrets(t *testing.T) *ServerSecrets {
	t.Helper()
	s, _, err := LoadOrCreateSecrets(filepath.Join(t.TempDir(), "secret.json"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unpepperedHash makes a verifier the way versions before the password
// pepper did: the first half of the Argon2id output stored as it is, the
// second half the key.
func unpepperedHash(pw string, p Argon2Params) (string, PasswordKey) {
	salt := []byte("sixteen byte slt")
	out := argon2id.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 64)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(out[:32])), PasswordKey(out[32:])
}

func TestPasswordHashRoundTrip(t *testing.T) {
	secrets := newSecrets(t)
	h, key := HashPassword("kata sandi yang panjang", cheap, secrets)
	if !strings.HasPrefix(h, "$argon2id-pepper$v=19$m=64,t=1,p=1,k=1$") {
		t.Fatalf("hash %q is not a peppered PHC argon2id", h)
	}
	if h2, key2 := HashPassword("kata sandi yang panjang", cheap, secrets); h == h2 || key == key2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	ok, upgrade, got, err := VerifyPassword(h, "kata sandi yang panjang", cheap, secrets)
	if err != nil || !ok || upgrade || got != key {
		t.Fatalf("verify = %v %v %v, key equal %v", ok, upgrade, err, got == key)
	}
	if ok, _, got, _ := VerifyPassword(h, "kata sandi yang panjanG", cheap, secrets); ok || got != (PasswordKey{}) {
		t.Fatal("wrong password accepted or yielded a key")
	}
	if _, upgrade, _, _ := VerifyPassword(h, "kata sandi yang panjang", DefaultArgon2, secrets); !upgrade {
		t.Fatal("weaker stored parameters not flagged for re-hashing")
	}
	// The stored verifier does not contain the key.
	if strings.Contains(h, b64.EncodeToString(key[:])) {
		t.Fatal("the password key is in the stored hash")
	}
}

// What a copy of the database alone gives: the verifier and the wrapped
// private key. Without the pepper neither tests a guess, even the right
// one; with the secret file the right password verifies.
func TestPasswordPepperNeededOffline(t *testing.T) {
	secrets, other := newSecrets(t), newSecrets(t)
	const pw = "Lamongan2026!"
	h, key := HashPassword(pw, cheap, secrets)
	wrapped := WrapPrivateKey(key, "siti", NewKeyPair().Private)

	parsed, err := parsePHC(h)
	if err != nil {
		t.Fatal(err)
	}
	out := argon2id.IDKey([]byte(pw), parsed.salt, 1, 64, 1, 64)
	if string(out[:32]) == string(parsed.sum) {
		t.Fatal("the right password's Argon2id output matches the stored verifier: no pepper")
	}
	if _, err := UnwrapPrivateKey(PasswordKey(out[32:]), "siti", wrapped); err == nil {
		t.Fatal("the right password's Argon2id output unwraps the private key: no pepper")
	}
	// A secret file with another key of the same version is no help.
	if ok, _, _, _ := VerifyPassword(h, pw, cheap, other); ok {
		t.Fatal("verified with another installation's pepper")
	}
	if ok, _, k, err := VerifyPassword(h, pw, cheap, secrets); !ok || err != nil {
		t.Fatalf("with the secret file: %v %v", ok, err)
	} else if _, err := UnwrapPrivateKey(k, "siti", wrapped); err != nil {
		t.Fatalf("the peppered key does not unwrap: %v", err)
	}
}

// A rotation of the password key locks nobody out: a verifier is checked
// with the version it records and flagged for an upgrade to the new one.
// A verifier whose version the file lacks is ErrNoPepper, not a wrong
// password.
func TestPasswordPepperRotation(t *testing.T) {
	secrets := newSecrets(t)
	h, key := HashPassword("kata sandi yang panjang", cheap, secrets)
	if _, err := secrets.Rotate(PurposePassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	ok, upgrade, got, err := VerifyPassword(h, "kata sandi yang panjang", cheap, secrets)
	if !ok || !upgrade || got != key || err != nil {
		t.Fatalf("after rotation: %v %v %v", ok, upgrade, err)
	}
	h2, _ := HashPassword("kata sandi yang panjang", cheap, secrets)
	if !strings.Contains(h2, ",k=2$") {
		t.Fatalf("new hash %q does not use the new key", h2)
	}
	if _, _, _, err := VerifyPassword(h2, "kata sandi yang panjang", cheap, newSecrets(t)); err != ErrNoPepper {
		t.Fatalf("verifier of a missing key version: %v", err)
	}
}

// A verifier made before the pepper still verifies, with its old key, and
// is flagged for an upgrade.
func TestPasswordUnpepperedStillVerifies(t *testing.T) {
	secrets := newSecrets(t)
	h, key := unpepperedHash("kata sandi yang panjang", cheap)
	ok, upgrade, got, err := VerifyPassword(h, "kata sandi yang panjang", cheap, secrets)
	if !ok || !upgrade || got != key || err != nil {
		t.Fatalf("unpeppered: %v %v %v", ok, upgrade, err)
	}
	if ok, _, _, _ := VerifyPassword(h, "kata sandi yang panjanG", cheap, secrets); ok {
		t.Fatal("wrong password accepted")
	}
}

func TestPasswordHashMalformed(t *testing.T) {
	secrets := newSecrets(t)
	for _, h := range []string{
		"", "plaintext", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFz",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // a 16-byte verifier
		"$argon2id$v=19$m=64,t=1,p=1,k=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id-pepper$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id-pepper$v=19$m=64,t=1,p=1,k=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
	} {
		if _, _, _, err := VerifyPassword(h, "x", cheap, secrets); err != ErrHashFormat {
			t.Errorf("VerifyPassword(%q) err = %v", h, err)
		}
	}
}

// The Argon2id implementation matches a known answer from the reference
// implementation's test suite (phc-winner-argon2 src/test.c: argon2id,
// v=19, t=2, m=65536, p=1, password "password", salt "somesalt"). RFC 9106's
// own vector needs a secret and associated data, which x/crypto leaves out.
func TestArgon2idKnownAnswer(t *testing.T) {
	got := argon2id.IDKey([]byte("password"), []byte("somesalt"), 2, 1<<16, 1, 32)
	want := "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"
	if hex.EncodeToString(got) != want {
		t.Fatalf("argon2id = %x, want %s", got, want)
	}
}

func TestWrapPrivateKey(t *testing.T) {
	_, key := HashPassword("kata sandi yang panjang", cheap, newSecrets(t))
	kp := NewKeyPair()
	w := WrapPrivateKey(key, "siti", kp.Private)
	got, err := UnwrapPrivateKey(key, "siti", w)
	if err != nil || got != kp {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := UnwrapPrivateKey(key, "budi", w); err == nil {
		t.Fatal("unwrapped for another account")
	}
	var other PasswordKey
	if _, err := UnwrapPrivateKey(other, "siti", w); err == nil {
		t.Fatal("unwrapped with another password's key")
	}
}

func BenchmarkHashPasswordDefault(b *testing.B) {
	secrets, _, err := LoadOrCreateSecrets(filepath.Join(b.TempDir(), "secret.json"), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		HashPassword("kata sandi yang panjang", DefaultArgon2, secrets)
	}
}
