// Package passkeytest is a software authenticator for tests: it answers
// WebAuthn creation and request options as a browser with a platform
// authenticator does (ES256 keys, "none" attestation, a signature counter),
// from a configurable origin.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator holds credentials and signs as the page at Origin.
type Authenticator struct {
	Origin string // what clientDataJSON says the page's origin is
	creds  map[string]*credential
}

type credential struct {
	id         []byte
	key        *ecdsa.PrivateKey
	count      uint32
	userHandle []byte
}

// New is an authenticator on the page at origin.
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin, creds: map[string]*credential{}}
}

// Clone copies the authenticator with its keys and counters, as a copied
// device would be: the two count on separately from now.
func (a *Authenticator) Clone() *Authenticator {
	c := New(a.Origin)
	for k, v := range a.creds {
		cp := *v
		c.creds[k] = &cp
	}
	return c
}

var b64 = base64.RawURLEncoding

type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func clientData(kind, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

func authData(rpID string, flags byte, count uint32, attested []byte) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, count)
	return append(out, attested...)
}

// Create answers creation options (the JSON the server sent) with a new
// credential, returning the JSON the browser would post back.
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	handle, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, err
	}
	c := &credential{id: make([]byte, 32), key: key, userHandle: handle}
	rand.Read(c.id)
	a.creds[string(c.id)] = c
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:65]})
	if err != nil {
		return nil, err
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(c.id)))
	attested = append(append(attested, c.id...), cose...)
	// Flags: user present, user verified, attested credential data.
	ad := authData(o.PublicKey.RP.ID, 0x01|0x04|0x40, c.count, attested)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.id), "rawId": b64.EncodeToString(c.id), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData("webauthn.create", o.PublicKey.Challenge, a.Origin)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

// Get answers request options with an assertion by one of the allowed
// credentials it holds, counting its signature counter up.
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	var c *credential
	for _, allowed := range o.PublicKey.AllowCredentials {
		id, _ := b64.DecodeString(allowed.ID)
		if c = a.creds[string(id)]; c != nil {
			break
		}
	}
	if c == nil {
		return nil, fmt.Errorf("no allowed credential on this authenticator")
	}
	c.count++
	ad := authData(o.PublicKey.RPID, 0x01|0x04, c.count, nil)
	cd := clientData("webauthn.get", o.PublicKey.Challenge, a.Origin)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.id), "rawId": b64.EncodeToString(c.id), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
}
