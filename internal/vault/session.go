package vault

import "crypto/rand"

// SessionSecret lives only in a signed-in user's cookie. The server-side
// session row holds the user's private key encrypted under it, so neither
// the database nor the cookie alone can unlock the key.
type SessionSecret [32]byte

// NewSessionSecret returns a fresh random session secret.
func NewSessionSecret() SessionSecret {
	var s SessionSecret
	rand.Read(s[:])
	return s
}

// SealSessionKey encrypts a private key for one session.
func SealSessionKey(s SessionSecret, sessionID string, kp KeyPair) []byte {
	return symSeal(s, 1, kp.Private[:], []byte("spiker/session-key:"+sessionID))
}

// OpenSessionKey opens what SealSessionKey made.
func OpenSessionKey(s SessionSecret, sessionID string, sealed []byte) (KeyPair, error) {
	b, err := symOpen(s, 1, sealed, []byte("spiker/session-key:"+sessionID))
	if err != nil || len(b) != 32 {
		return KeyPair{}, ErrOpen
	}
	priv := PrivateKey(b)
	return KeyPair{Public: PublicOf(priv), Private: priv}, nil
}
