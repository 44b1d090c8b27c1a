package vault

import (
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// DataKey is the random 256-bit key of one report or case. Every protected
// field and file of the record is encrypted with it; it is stored only
// sealed to the record's holders.
type DataKey [32]byte

// NewDataKey returns a fresh random data key.
func NewDataKey() DataKey {
	var k DataKey
	rand.Read(k[:])
	return k
}

// Ciphertext is the stored form of a protected field. It is its own type so
// that a plaintext string cannot be written to a protected column by
// mistake: only DataKey.Seal makes one.
type Ciphertext []byte

// Field names where a ciphertext belongs: its table, column and record.
// Bound as associated data, it stops a ciphertext from being moved to
// another row or column, where it would fail to open.
type Field struct {
	Table, Column, Record string
}

func (f Field) ad() []byte {
	return []byte("spiker/field/v1\x00" + f.Table + "\x00" + f.Column + "\x00" + f.Record)
}

const (
	fieldVersion = 1
	// fieldBlock is the padding granularity: a name of 3 letters and one of
	// 20 have the same stored length.
	fieldBlock = 32
)

// Seal encrypts plaintext for field f with XChaCha20-Poly1305, padded to a
// multiple of fieldBlock bytes so lengths leak little.
func (k DataKey) Seal(f Field, plaintext []byte) Ciphertext {
	return symSeal(k, fieldVersion, pad(plaintext, fieldBlock), f.ad())
}

// SealString is Seal for text.
func (k DataKey) SealString(f Field, s string) Ciphertext { return k.Seal(f, []byte(s)) }

// Open decrypts a ciphertext of field f, or returns ErrOpen if the key, the
// field or any byte is wrong.
func (k DataKey) Open(f Field, c Ciphertext) ([]byte, error) {
	pt, err := symOpen(k, fieldVersion, c, f.ad())
	if err != nil {
		return nil, err
	}
	if pt, err = unpad(pt); err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// symSeal encrypts with XChaCha20-Poly1305 under key: one format byte, the
// random 24-byte nonce, then the sealed text.
func symSeal(key [32]byte, format byte, plaintext, ad []byte) []byte {
	aead, _ := chacha20poly1305.NewX(key[:])
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = format
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], plaintext, ad)
}

// symOpen opens what symSeal made with the same key, format and ad.
func symOpen(key [32]byte, format byte, c, ad []byte) ([]byte, error) {
	if len(c) < 1+chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead || c[0] != format {
		return nil, ErrOpen
	}
	aead, _ := chacha20poly1305.NewX(key[:])
	pt, err := aead.Open(nil, c[1:1+aead.NonceSize()], c[1+aead.NonceSize():], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// OpenString is Open for text.
func (k DataKey) OpenString(f Field, c Ciphertext) (string, error) {
	b, err := k.Open(f, c)
	return string(b), err
}

// pad appends 0x80 and zeros up to a multiple of block (ISO/IEC 7816-4).
func pad(b []byte, block int) []byte {
	n := (len(b)/block + 1) * block
	out := make([]byte, n)
	copy(out, b)
	out[len(b)] = 0x80
	return out
}

var errPadding = errors.New("vault: bad padding")

func unpad(b []byte) ([]byte, error) {
	i := len(b) - 1
	for i >= 0 && b[i] == 0 {
		i--
	}
	if i < 0 || b[i] != 0x80 {
		return nil, errPadding
	}
	return b[:i], nil
}
