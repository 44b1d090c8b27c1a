package vault

import (
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
)

// PublicKey and PrivateKey are X25519 keys of a holder: a user, a group,
// a partner agency or the escrow.
type (
	PublicKey  [32]byte
	PrivateKey [32]byte
)

// KeyPair is a holder's key pair.
type KeyPair struct {
	Public  PublicKey
	Private PrivateKey
}

// NewKeyPair returns a fresh X25519 key pair.
func NewKeyPair() KeyPair {
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return KeyPair{Public: *pub, Private: *priv}
}

// PublicOf returns the public key of a private key.
func PublicOf(priv PrivateKey) PublicKey {
	var pub PublicKey
	p, _ := curve25519.X25519(priv[:], curve25519.Basepoint)
	copy(pub[:], p)
	return pub
}

// Sealed is a secret (a data key or a group's private key) sealed to one
// holder's public key with an anonymous NaCl box (X25519, XSalsa20-Poly1305):
// only that holder's private key opens it.
type Sealed []byte

// SealTo seals a 32-byte secret to a public key.
func SealTo(pub PublicKey, secret [32]byte) Sealed {
	p := [32]byte(pub)
	out, err := box.SealAnonymous(nil, secret[:], &p, rand.Reader)
	if err != nil {
		panic(err)
	}
	return out
}

// ErrNotHolder means a sealed secret was not sealed to this key pair.
var ErrNotHolder = errors.New("vault: not sealed to this holder")

// OpenSealed opens what SealTo sealed to kp.Public.
func OpenSealed(kp KeyPair, s Sealed) ([32]byte, error) {
	var out [32]byte
	pub, priv := [32]byte(kp.Public), [32]byte(kp.Private)
	b, ok := box.OpenAnonymous(nil, s, &pub, &priv)
	if !ok || len(b) != 32 {
		return out, ErrNotHolder
	}
	copy(out[:], b)
	return out, nil
}
