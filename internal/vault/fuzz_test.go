package vault

import "testing"

// FuzzParseReceipt: whatever a person types, the result is 16 digits or an
// error, never a panic.
func FuzzParseReceipt(f *testing.F) {
	for _, s := range []string{"1234 5678 9012 3456", "1234-5678", "١٢٣٤", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReceipt(s)
		if err == nil && (len(r) != 16 || r == "") {
			t.Fatalf("ParseReceipt(%q) = %q", s, r)
		}
	})
}

// FuzzDecodeShare: a mistyped share is refused, never accepted as another.
func FuzzDecodeShare(f *testing.F) {
	kp := NewKeyPair()
	shares, _ := SplitSecret(kp.Private[:], 3, 2)
	f.Add(EncodeShare(shares[0], kp.Public))
	f.Add("SPIKER-ESCROW-9-AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := DecodeShare(s, kp.Public)
		if err == nil && (sh.X == 0 || len(sh.Y) == 0) {
			t.Fatalf("DecodeShare(%q) = %+v", s, sh)
		}
	})
}
