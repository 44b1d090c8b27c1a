package vault

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/spikerperak/spiker/internal/argon2id"
)

// ReceiptDigits is the length of a receipt: 16 decimal digits, about 53 bits.
const ReceiptDigits = 16

// NewReceipt returns 16 uniformly random digits from crypto/rand.
func NewReceipt() string {
	n, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(ReceiptDigits), nil))
	if err != nil {
		panic(err)
	}
	s := n.String()
	return strings.Repeat("0", ReceiptDigits-len(s)) + s
}

// FormatReceipt shows a receipt in four groups of four: 1234 5678 9012 3456.
func FormatReceipt(r string) string {
	if len(r) != ReceiptDigits {
		return r
	}
	return r[0:4] + " " + r[4:8] + " " + r[8:12] + " " + r[12:16]
}

// ErrReceiptFormat is returned for input that is not 16 digits.
var ErrReceiptFormat = errors.New("vault: a receipt is 16 digits")

// ParseReceipt accepts a receipt with or without spaces or dashes.
func ParseReceipt(s string) (string, error) {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '\t' || c == '\u00a0':
		default:
			return "", ErrReceiptFormat
		}
	}
	if b.Len() != ReceiptDigits {
		return "", ErrReceiptFormat
	}
	return b.String(), nil
}

// ReceiptArgon2 are the parameters that stretch a new receipt: OWASP's
// Argon2id minimum (19 MiB, t=2, p=1). A receipt is 53 random bits, not a
// chosen password, and its lookup and key are also keyed with the server's
// pepper, so these parameters only matter to an attacker who holds both the
// database and the secret file; the README's security section ("Receipt
// stretching") works out what they cost such an attacker, and why more
// memory would change little while it would halve intake.
var ReceiptArgon2 = Argon2Params{Time: 2, Memory: 19 * 1024, Threads: 1}

// ReceiptArgon2Before is what stretched receipts before migration 0043
// (RFC 9106's t=3, 64 MiB, p=4); those receipts keep opening with it.
var ReceiptArgon2Before = Argon2Params{Time: 3, Memory: 64 * 1024, Threads: 4}

// KDF is how a receipt's parameters are recorded beside its lookup hash:
// "argon2id;m=19456;t=2;p=1".
func (p Argon2Params) KDF() string {
	return fmt.Sprintf("argon2id;m=%d;t=%d;p=%d", p.Memory, p.Time, p.Threads)
}

// ParseKDF reads what KDF wrote.
func ParseKDF(s string) (Argon2Params, error) {
	var p Argon2Params
	var threads uint32
	n, err := fmt.Sscanf(s, "argon2id;m=%d;t=%d;p=%d", &p.Memory, &p.Time, &threads)
	p.Threads = uint8(threads)
	if err != nil || n != 3 || p.Time < 1 || threads < 1 || threads > 255 || p.Memory < 8*threads || p.KDF() != s {
		return Argon2Params{}, fmt.Errorf("vault: %q is not a receipt's Argon2id parameters", s)
	}
	return p, nil
}

// StretchedReceipt is a receipt after Argon2id. Both the lookup hash and the
// reporter's key are derived from it with the pepper.
type StretchedReceipt [32]byte

// StretchReceipt runs Argon2id over the receipt with the installation's salt
// (stored in the database: one value, so that a lookup needs no row first).
func StretchReceipt(receipt string, installSalt []byte, p Argon2Params) StretchedReceipt {
	return StretchedReceipt(argon2id.IDKey([]byte(receipt), installSalt, p.Time, p.Memory, p.Threads, 32))
}

// Lookup is the receipt's lookup hash under one version of the pepper:
// HMAC-SHA256(pepper, "lookup" || stretched). Only this is stored.
func (s StretchedReceipt) Lookup(pepper KeyVersion) []byte {
	return mac(pepper.Key, "spiker/receipt-lookup", s[:])
}

// Key is the reporter's own key to the report, with the pepper mixed in so
// that the database alone cannot derive it.
func (s StretchedReceipt) Key(pepper KeyVersion) [32]byte {
	return [32]byte(mac(pepper.Key, "spiker/receipt-key", s[:]))
}

// WrapForReceipt seals a report's data key under the reporter's key, bound
// to the report.
func WrapForReceipt(receiptKey [32]byte, reportID string, k DataKey) []byte {
	return symSeal(receiptKey, 1, k[:], []byte("spiker/receipt-grant:"+reportID))
}

// UnwrapForReceipt opens what WrapForReceipt sealed.
func UnwrapForReceipt(receiptKey [32]byte, reportID string, wrapped []byte) (DataKey, error) {
	b, err := symOpen(receiptKey, 1, wrapped, []byte("spiker/receipt-grant:"+reportID))
	if err != nil || len(b) != 32 {
		return DataKey{}, ErrOpen
	}
	return DataKey(b), nil
}

func mac(key []byte, label string, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	h.Write([]byte{0})
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// MAC is HMAC-SHA256 under key over a label and parts, for keys and hashes
// derived from the server's secrets.
func MAC(key []byte, label string, parts ...[]byte) []byte { return mac(key, label, parts...) }

// SealSymmetric encrypts a small secret under a derived key, bound to ad.
func SealSymmetric(key [32]byte, plaintext, ad []byte) []byte { return symSeal(key, 1, plaintext, ad) }

// OpenSymmetric opens what SealSymmetric made.
func OpenSymmetric(key [32]byte, sealed, ad []byte) ([]byte, error) {
	return symOpen(key, 1, sealed, ad)
}
