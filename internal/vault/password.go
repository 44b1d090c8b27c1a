package vault

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
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
	hashLen = 32
)

var b64 = base64.RawStdEncoding

// HashPassword returns the Argon2id hash of pw in the PHC string format,
// $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>.
func HashPassword(pw string, p Argon2Params) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	sum := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, hashLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}

// ErrHashFormat is returned for a stored hash that is not a PHC Argon2id string.
var ErrHashFormat = errors.New("vault: not an argon2id password hash")

// VerifyPassword reports whether pw matches the PHC hash, and whether the
// hash was made with weaker parameters than want and should be replaced.
func VerifyPassword(hash, pw string, want Argon2Params) (ok, rehash bool, err error) {
	p, salt, sum, err := parsePHC(hash)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(sum)))
	ok = subtle.ConstantTimeCompare(got, sum) == 1
	rehash = p.Time < want.Time || p.Memory < want.Memory || p.Threads < want.Threads
	return ok, rehash, nil
}

func parsePHC(hash string) (p Argon2Params, salt, sum []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
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
