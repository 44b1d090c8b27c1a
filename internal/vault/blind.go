package vault

import (
	"strings"
	"unicode"
)

// A blind index lets holders find equal values (a phone number, a NIK) to
// flag possible duplicate reports without storing the value: it is
// HMAC-SHA256 over the normalised value, truncated to 16 bytes, under the
// installation's index key. That key is a random data key sealed to the
// holder groups (never derived from the secret file), so the database and
// the secret file together cannot try every number of a prefix against the
// stored values. kind separates, e.g., phones from NIKs.
func BlindIndex(key DataKey, kind, normalised string) []byte {
	return mac(key[:], "spiker/blind-index/"+kind, []byte(normalised))[:16]
}

// NormalizePhone reduces an Indonesian phone number to digits in the
// national form: "+62 812-3456-789" and "0812 3456 789" both become
// "08123456789". It returns "" for something that is not a phone number.
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, c := range s {
		if unicode.IsDigit(c) && c < 128 {
			b.WriteRune(c)
		} else if !strings.ContainsRune(" -+().\u00a0", c) {
			return ""
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "62") {
		d = "0" + d[2:]
	}
	if len(d) < 6 || len(d) > 15 {
		return ""
	}
	return d
}

// NormalizeNIK returns the 16 digits of a NIK (national identity number),
// or "" if s does not hold exactly 16 digits.
func NormalizeNIK(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else if !strings.ContainsRune(" -.", c) {
			return ""
		}
	}
	if b.Len() != 16 {
		return ""
	}
	return b.String()
}
