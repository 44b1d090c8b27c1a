package pow

import (
	"testing"
	"time"
)

// A solved challenge verifies once its signature, expiry and work hold;
// a forged, expired, unsolved or re-signed one does not.
func TestProofOfWork(t *testing.T) {
	now := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	iss := &Issuer{Key: []byte("k"), Bits: 12}
	c := iss.Issue(now)
	nonce := Solve(c)
	id, exp, err := iss.Verify(now.Add(time.Minute), c, nonce)
	if err != nil || id == "" || !exp.Equal(now.Add(DefaultTTL).Truncate(time.Second)) {
		t.Fatalf("good proof: %q %v %v", id, exp, err)
	}
	if _, _, err := iss.Verify(now.Add(DefaultTTL), c, nonce); err == nil {
		t.Error("expired challenge accepted")
	}
	other := &Issuer{Key: []byte("other"), Bits: 12}
	if _, _, err := other.Verify(now, c, nonce); err == nil {
		t.Error("challenge signed with another key accepted")
	}
	bad := "1" + c[2:] // claims 1 bit of work: the signature no longer holds
	if _, _, err := iss.Verify(now, bad, Solve(bad)); err == nil {
		t.Error("lowered difficulty accepted")
	}
	for i := 0; ; i++ {
		n := string(rune('a' + i%26))
		if LeadingZeros(c, n) < 12 {
			if _, _, err := iss.Verify(now, c, n); err == nil {
				t.Error("unsolved challenge accepted")
			}
			break
		}
	}
}
