package vault

import (
	"crypto/rand"
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

// HashPassword derives 64 bytes from pw with Argon2id in one pass: the first
// half is the verifier, stored in the PHC string format
// $argon2id$v=19$m=65536,t=3,p=4$<salt>$<verifier>; the second half is the
// PasswordKey. Knowing the verifier does not reveal the key (they are the two
// halves of one BLAKE2b-512 output), so a copy of the database cannot unwrap
// a private key, and sign-in costs a single Argon2id.
func HashPassword(pw string, p Argon2Params) (string, PasswordKey) {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	out := argon2id.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 2*hashLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2id.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(out[:hashLen])), PasswordKey(out[hashLen:])
}

// ErrHashFormat is returned for a stored hash that is not a PHC Argon2id string.
var ErrHashFormat = errors.New("vault: not an argon2id password hash")

// VerifyPassword reports whether pw matches the hash and, if it does,
// returns the PasswordKey. rehash reports that the hash was made with weaker
// parameters than want and should be replaced at the next sign-in.
func VerifyPassword(hash, pw string, want Argon2Params) (ok, rehash bool, key PasswordKey, err error) {
	p, salt, sum, err := parsePHC(hash)
	if err != nil || len(sum) != hashLen {
		return false, false, key, ErrHashFormat
	}
	out := argon2id.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 2*hashLen)
	if subtle.ConstantTimeCompare(out[:hashLen], sum) != 1 {
		return false, false, key, nil
	}
	rehash = p.Time < want.Time || p.Memory < want.Memory || p.Threads < want.Threads
	return true, rehash, PasswordKey(out[hashLen:]), nil
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

func parsePHC(hash string) (p Argon2Params, salt, sum []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2id.Version) {
		return p, nil, nil, ErrHashFormat
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || threads == 0 || threads > 255 || p.Time == 0 || p.Memory < 8*threads {
		return p, nil, nil, ErrHashFormat
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrHashFormat
	}
	if sum, err = b64.DecodeString(parts[5]); err != nil || len(sum) < 16 {
		return p, nil, nil, ErrHashFormat
	}
	return p, salt, sum, nil
}
