package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/spikerperak/spiker/internal/argon2id"
)

// Argon2Params are Argon2id cost parameters. They are stored with every hash,
// so raising them later only affects new hashes; VerifyPassword reports when
// a stored hash is below the current parameters so it can be re-hashed.
type Argon2Params struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 is RFC 9106 §4's second recommended option (t=3, 64 MiB,
// p=4), which also exceeds OWASP's minimum (t=2, 19 MiB, p=1). The README's
// security section records its measured cost on the reference machine.
var DefaultArgon2 = Argon2Params{Time: 3, Memory: 64 * 1024, Threads: 4}

const (
	saltLen = 16
	hashLen = 32 // the stored verifier; Argon2id makes twice this, see HashPassword
)

var b64 = base64.RawStdEncoding

// PasswordKey is the key a user's password yields besides its verifier: it
// encrypts the user's private key and is never stored.
type PasswordKey [32]byte

// The PHC identifiers of the two stored formats. The unpeppered one is what
// versions before the password pepper wrote; it still verifies, and is
// replaced at the next successful sign-in.
const (
	phcPeppered   = "argon2id-pepper"
	phcUnpeppered = "argon2id"
)

// HashPassword derives 64 bytes from pw with Argon2id in one pass and keys
// both halves with the current PurposePassword key of secrets (the pepper):
//
//	verifier = HMAC-SHA256(pepper, first half)
//	key      = HKDF-SHA256(second half, salt = pepper)
//
// The verifier is stored as
// $argon2id-pepper$v=19$m=65536,t=3,p=4,k=<pepper version>$<salt>$<verifier>;
// the key is the PasswordKey. The halves are two parts of one BLAKE2b-512
// output, so the verifier does not reveal the key, and sign-in costs a
// single Argon2id. Without the secret file, neither the verifier nor the
// wrapped private key can test a guess: a copy of the database alone
// allows no offline guessing.
func HashPassword(pw string, p Argon2Params, secrets *ServerSecrets) (string, PasswordKey) {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	out := argon2id.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 2*hashLen)
	pepper := secrets.Current(PurposePassword)
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d,k=%d$%s$%s", phcPeppered,
		argon2id.Version, p.Memory, p.Time, p.Threads, pepper.ID, b64.EncodeToString(salt), b64.EncodeToString(pepperVerifier(pepper, out[:hashLen]))), pepperKey(pepper, out[hashLen:])
}

func pepperVerifier(pepper KeyVersion, half []byte) []byte {
	m := hmac.New(sha256.New, pepper.Key)
	m.Write([]byte("spiker/password-verifier\x00"))
	m.Write(half)
	return m.Sum(nil)
}

func pepperKey(pepper KeyVersion, half []byte) PasswordKey {
	k, err := hkdf.Key(sha256.New, half, pepper.Key, "spiker/password-key", 32)
	if err != nil {
		panic(err) // only for lengths HKDF-SHA256 cannot give; 32 it always can
	}
	return PasswordKey(k)
}

// ErrHashFormat is returned for a stored hash that is not a PHC Argon2id string.
var ErrHashFormat = errors.New("vault: not an argon2id password hash")

// ErrNoPepper is returned for a verifier keyed with a pepper version the
// secret file does not have: the database was restored beside the wrong
// secret file, or a key version was deleted from it.
var ErrNoPepper = errors.New("vault: the secret file lacks the password key this verifier was made with")

// VerifyPassword reports whether pw matches the hash and, if it does,
// returns the PasswordKey. A peppered verifier is checked with the pepper
// version it records, so rotating the key locks nobody out. upgrade
// reports that the hash should be replaced (and the private key re-wrapped)
// at this sign-in: it has no pepper, an older pepper than the current one,
// or weaker parameters than want.
func VerifyPassword(hash, pw string, want Argon2Params, secrets *ServerSecrets) (ok, upgrade bool, key PasswordKey, err error) {
	h, err := parsePHC(hash)
	if err != nil || len(h.sum) != hashLen {
		return false, false, key, ErrHashFormat
	}
	var pepper KeyVersion
	if h.peppered {
		if pepper, ok = secrets.Version(PurposePassword, h.pepper); !ok {
			return false, false, key, ErrNoPepper
		}
	}
	p := h.params
	out := argon2id.IDKey([]byte(pw), h.salt, p.Time, p.Memory, p.Threads, 2*hashLen)
	verifier, key := out[:hashLen], PasswordKey(out[hashLen:])
	if h.peppered {
		verifier, key = pepperVerifier(pepper, verifier), pepperKey(pepper, out[hashLen:])
	}
	if subtle.ConstantTimeCompare(verifier, h.sum) != 1 {
		return false, false, PasswordKey{}, nil
	}
	upgrade = !h.peppered || h.pepper != secrets.Current(PurposePassword).ID ||
		p.Time < want.Time || p.Memory < want.Memory || p.Threads < want.Threads
	return true, upgrade, key, nil
}

// WrapPrivateKey encrypts a user's private key under their PasswordKey,
// bound to the account.
func WrapPrivateKey(k PasswordKey, username string, priv PrivateKey) []byte {
	return symSeal(k, 1, priv[:], []byte("spiker/user-private-key:"+username))
}

// UnwrapPrivateKey opens what WrapPrivateKey made and returns the key pair.
func UnwrapPrivateKey(k PasswordKey, username string, wrapped []byte) (KeyPair, error) {
	b, err := symOpen(k, 1, wrapped, []byte("spiker/user-private-key:"+username))
	if err != nil || len(b) != 32 {
		return KeyPair{}, ErrOpen
	}
	priv := PrivateKey(b)
	return KeyPair{Public: PublicOf(priv), Private: priv}, nil
}

// phc is a parsed stored verifier.
type phc struct {
	params    Argon2Params
	peppered  bool
	pepper    uint32 // the PurposePassword key version, if peppered
	salt, sum []byte
}

func parsePHC(hash string) (h phc, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || (parts[1] != phcPeppered && parts[1] != phcUnpeppered) || parts[2] != fmt.Sprintf("v=%d", argon2id.Version) {
		return h, ErrHashFormat
	}
	h.peppered = parts[1] == phcPeppered
	var threads uint32
	p := &h.params
	if h.peppered {
		_, err = fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d,k=%d", &p.Memory, &p.Time, &threads, &h.pepper)
	} else {
		_, err = fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads)
	}
	if err != nil || threads == 0 || threads > 255 || p.Time == 0 || p.Memory < 8*threads {
		return h, ErrHashFormat
	}
	p.Threads = uint8(threads)
	canonical := fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads)
	if h.peppered {
		canonical += fmt.Sprintf(",k=%d", h.pepper)
	}
	if parts[3] != canonical {
		return h, ErrHashFormat
	}
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, ErrHashFormat
	}
	if h.sum, err = b64.DecodeString(parts[5]); err != nil || len(h.sum) < 16 {
		return h, ErrHashFormat
	}
	return h, nil
}
