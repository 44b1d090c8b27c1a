package vault

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/argon2id"
)

// cheap keeps unit tests fast; the default parameters are measured by the
// benchmark.
var cheap = Argon2Params{Time: 1, Memory: 64, Threads: 1}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, key := HashPassword("kata sandi yang panjang", cheap)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	if h2, key2 := HashPassword("kata sandi yang panjang", cheap); h == h2 || key == key2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	ok, rehash, got, err := VerifyPassword(h, "kata sandi yang panjang", cheap)
	if err != nil || !ok || rehash || got != key {
		t.Fatalf("verify = %v %v %v, key equal %v", ok, rehash, err, got == key)
	}
	if ok, _, got, _ := VerifyPassword(h, "kata sandi yang panjanG", cheap); ok || got != (PasswordKey{}) {
		t.Fatal("wrong password accepted or yielded a key")
	}
	if _, rehash, _, _ := VerifyPassword(h, "kata sandi yang panjang", DefaultArgon2); !rehash {
		t.Fatal("weaker stored parameters not flagged for re-hashing")
	}
	// The stored verifier does not contain the key.
	if strings.Contains(h, b64.EncodeToString(key[:])) {
		t.Fatal("the password key is in the stored hash")
	}
}

func TestPasswordHashMalformed(t *testing.T) {
	for _, h := range []string{
		"", "plaintext", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFz",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // a 16-byte verifier
	} {
		if _, _, _, err := VerifyPassword(h, "x", cheap); err != ErrHashFormat {
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
	_, key := HashPassword("kata sandi yang panjang", cheap)
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
	for b.Loop() {
		HashPassword("kata sandi yang panjang", DefaultArgon2)
	}
}
