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

// SealSessionKey encrypts a key pair for one session. The public half is
// sealed beside the private one (it is no secret, but it is bound to it by
// the seal) so that a request opening the session does not derive it
// again with an X25519 multiplication.
func SealSessionKey(s SessionSecret, sessionID string, kp KeyPair) []byte {
	b := make([]byte, 0, 64)
	b = append(append(b, kp.Private[:]...), kp.Public[:]...)
	return symSeal(s, 1, b, []byte("spiker/session-key:"+sessionID))
}

// OpenSessionKey opens what SealSessionKey made. Sessions sealed before
// the public half was kept hold the private key alone; their public key is
// derived.
func OpenSessionKey(s SessionSecret, sessionID string, sealed []byte) (KeyPair, error) {
	b, err := symOpen(s, 1, sealed, []byte("spiker/session-key:"+sessionID))
	switch {
	case err == nil && len(b) == 64:
		return KeyPair{Private: PrivateKey(b[:32]), Public: PublicKey(b[32:])}, nil
	case err == nil && len(b) == 32:
		priv := PrivateKey(b)
		return KeyPair{Public: PublicOf(priv), Private: priv}, nil
	}
	return KeyPair{}, ErrOpen
}
