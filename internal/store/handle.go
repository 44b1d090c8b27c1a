package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// A handle is what a browser holds in a short-lived cookie to reach
// something the server keeps for it: "<id>.<secret>" in URL-safe base64.
// The database keeps the SHA-256 of the id and the thing itself sealed
// under the secret, so neither the row nor the cookie alone opens it. The
// staff session, the follow-up session (/cek) and the web form's receipt
// view use it.
type handle struct {
	IDHash [32]byte
	Secret [32]byte
}

// newHandle draws a handle and returns it with its cookie value.
func newHandle() (handle, string) {
	id, secret := make([]byte, 16), make([]byte, 32)
	rand.Read(id)
	rand.Read(secret)
	enc := base64.RawURLEncoding
	return handle{IDHash: sha256.Sum256(id), Secret: [32]byte(secret)}, enc.EncodeToString(id) + "." + enc.EncodeToString(secret)
}

// parseHandle reads a cookie value; ok is false for anything malformed.
func parseHandle(token string) (h handle, ok bool) {
	idText, secretText, ok := strings.Cut(token, ".")
	enc := base64.RawURLEncoding
	id, err1 := enc.DecodeString(idText)
	secret, err2 := enc.DecodeString(secretText)
	if !ok || err1 != nil || err2 != nil || len(id) != 16 || len(secret) != 32 {
		return h, false
	}
	return handle{IDHash: sha256.Sum256(id), Secret: [32]byte(secret)}, true
}
