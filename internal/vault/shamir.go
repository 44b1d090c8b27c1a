package vault

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

// Shamir's secret sharing over GF(2^8) with the AES polynomial
// x^8 + x^4 + x^3 + x + 1, byte by byte: the escrow's private key is split
// into shares so that any two of three reconstruct it and one reveals
// nothing. No maintained library without a heavy or non-free module exists,
// so it is written here (about 60 lines) and tested against FIPS-197's field
// examples, a hand-computed vector and exhaustive properties.

// gfMul multiplies in GF(2^8) without data-dependent branches.
func gfMul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= -(b & 1) & a
		carry := -(a >> 7) & 0x1b
		a = a<<1 ^ carry
		b >>= 1
	}
	return p
}

// gfInv returns a^-1 as a^254 (a^255 = 1 for a ≠ 0); gfInv(0) = 0.
func gfInv(a byte) byte {
	r := byte(1)
	for range 254 {
		r = gfMul(r, a)
	}
	return r
}

// Share is one share of a secret: the x coordinate (1..255) and the
// polynomial's value at x for each byte of the secret.
type Share struct {
	X byte
	Y []byte
}

// SplitSecret splits secret into n shares of which any k reconstruct it.
func SplitSecret(secret []byte, n, k int) ([]Share, error) {
	if k < 2 || n < k || n > 255 {
		return nil, fmt.Errorf("vault: cannot split %d-of-%d", k, n)
	}
	shares := make([]Share, n)
	for i := range shares {
		shares[i] = Share{X: byte(i + 1), Y: make([]byte, len(secret))}
	}
	coef := make([]byte, k)
	for j, s := range secret {
		coef[0] = s
		rand.Read(coef[1:])
		for i := range shares {
			// Horner's rule: f(x) = c0 + x(c1 + x(c2 + ...)).
			var y byte
			for c := k - 1; c >= 0; c-- {
				y = gfMul(y, shares[i].X) ^ coef[c]
			}
			shares[i].Y[j] = y
		}
	}
	clear(coef)
	return shares, nil
}

// CombineShares reconstructs the secret from k or more distinct shares by
// Lagrange interpolation at x = 0. With fewer than k shares the result is
// unrelated to the secret; callers check it (e.g. against a public key).
func CombineShares(shares []Share) ([]byte, error) {
	if len(shares) < 2 {
		return nil, errors.New("vault: at least two shares are needed")
	}
	n := len(shares[0].Y)
	seen := map[byte]bool{}
	for _, s := range shares {
		if s.X == 0 || seen[s.X] || len(s.Y) != n {
			return nil, errors.New("vault: shares are duplicated or do not belong together")
		}
		seen[s.X] = true
	}
	secret := make([]byte, n)
	for i, si := range shares {
		// l_i(0) = Π_{j≠i} x_j / (x_j - x_i); subtraction is XOR.
		l := byte(1)
		for j, sj := range shares {
			if i != j {
				l = gfMul(l, gfMul(sj.X, gfInv(sj.X^si.X)))
			}
		}
		for b := range secret {
			secret[b] ^= gfMul(l, si.Y[b])
		}
	}
	return secret, nil
}

var shareEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

const sharePrefix = "SPIKER-ESCROW-"

// EncodeShare makes a share printable for its holder: the prefix, the share
// number, then base32 of the share, 4 bytes identifying the escrow key (so
// shares of different installations are not mixed) and a 4-byte checksum
// (so a typing mistake is caught), in groups of four characters.
func EncodeShare(s Share, escrow PublicKey) string {
	body := append(append([]byte{}, s.Y...), escrowID(escrow)...)
	sum := sha256.Sum256(append([]byte{s.X}, body...))
	text := shareEncoding.EncodeToString(append(body, sum[:4]...))
	var groups []string
	for len(text) > 4 {
		groups = append(groups, text[:4])
		text = text[4:]
	}
	groups = append(groups, text)
	return fmt.Sprintf("%s%d-%s", sharePrefix, s.X, strings.Join(groups, "-"))
}

// DecodeShare parses what EncodeShare printed (spaces and case are ignored)
// and checks that it belongs to the escrow key.
func DecodeShare(text string, escrow PublicKey) (Share, error) {
	t := strings.ToUpper(strings.Join(strings.Fields(text), ""))
	rest, ok := strings.CutPrefix(t, sharePrefix)
	num, body, ok2 := strings.Cut(rest, "-")
	if !ok || !ok2 || len(num) != 1 || num[0] < '1' || num[0] > '9' {
		return Share{}, errors.New("this is not an escrow share: it should start with SPIKER-ESCROW- and the share number")
	}
	raw, err := shareEncoding.DecodeString(strings.ReplaceAll(body, "-", ""))
	if err != nil || len(raw) < 9 {
		return Share{}, errors.New("the escrow share is damaged or mistyped: check every group of four characters")
	}
	x := num[0] - '0'
	content, sum := raw[:len(raw)-4], raw[len(raw)-4:]
	want := sha256.Sum256(append([]byte{x}, content...))
	if string(want[:4]) != string(sum) {
		return Share{}, errors.New("the escrow share is mistyped: its checksum does not match; check every group of four characters")
	}
	y, id := content[:len(content)-4], content[len(content)-4:]
	if string(id) != string(escrowID(escrow)) {
		return Share{}, errors.New("this escrow share belongs to another installation or an older escrow key")
	}
	return Share{X: x, Y: y}, nil
}

func escrowID(pub PublicKey) []byte {
	h := sha256.Sum256(append([]byte("spiker/escrow-id\x00"), pub[:]...))
	return h[:4]
}
