// Package passkey runs the WebAuthn ceremonies (github.com/go-webauthn/webauthn)
// for staff passkeys: registration and sign-in, bound to one relying party
// (the office's host name and origin). It holds no state: the store keeps
// the credentials and each ceremony's session, and passes them in.
package passkey

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/spikerperak/spiker"
)

// Record is a stored passkey with what verifying it needs.
type Record struct {
	spiker.Passkey
	PublicKey   []byte // COSE
	Flags       byte   // the authenticator data flags (backup eligible, backup state, UV)
	AAGUID      []byte
	Attestation string // the attestation type
}

// Ceremony is a begun ceremony: the options for the browser, and the
// session to keep server-side until the answer comes.
type Ceremony struct {
	Options   []byte // JSON: {"publicKey": {...}}
	Challenge string // base64url, as the browser echoes it back
	Session   []byte // JSON of the library's session data
}

// User is whom a ceremony is for.
type User struct {
	ID       int64
	Username string
	Records  []Record
}

func (u User) WebAuthnID() []byte          { return UserHandle(u.ID) }
func (u User) WebAuthnName() string        { return u.Username }
func (u User) WebAuthnDisplayName() string { return u.Username }
func (u User) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(u.Records))
	for i, r := range u.Records {
		out[i] = r.credential()
	}
	return out
}

// UserHandle is the user handle a passkey carries: the user's number, which
// says nothing about the person.
func UserHandle(id int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(id))
}

func (r Record) credential() webauthn.Credential {
	tr := make([]protocol.AuthenticatorTransport, len(r.Transports))
	for i, t := range r.Transports {
		tr[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID:              r.CredentialID,
		PublicKey:       r.PublicKey,
		AttestationType: r.Attestation,
		Transport:       tr,
		Flags:           webauthn.CredentialFlagsFromMsgpByte(r.Flags),
		Authenticator:   webauthn.Authenticator{AAGUID: r.AAGUID, SignCount: r.SignCount},
	}
}

func relyingParty(rp spiker.RelyingParty) (*webauthn.WebAuthn, error) {
	if rp.ID == "" || rp.Origin == "" {
		return nil, spiker.Errorf(spiker.EUNAVAILABLE, "passkeys need the back office's address (SPIKER_STAFF_URL)")
	}
	name := rp.Name
	if name == "" {
		name = "Spiker Perak"
	}
	return webauthn.New(&webauthn.Config{
		RPID:                  rp.ID,
		RPDisplayName:         name,
		RPOrigins:             []string{rp.Origin},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
	})
}

func ceremony(options any, session *webauthn.SessionData) (*Ceremony, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, err
	}
	// The store keeps the expiry, by the program's clock.
	s := *session
	s.Expires = time.Time{}
	sess, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return &Ceremony{Options: opts, Challenge: session.Challenge, Session: sess}, nil
}

// BeginRegistration makes the creation options for a new passkey of u;
// the passkeys u has already are excluded.
func BeginRegistration(rp spiker.RelyingParty, u User) (*Ceremony, error) {
	wa, err := relyingParty(rp)
	if err != nil {
		return nil, err
	}
	exclude := make([]protocol.CredentialDescriptor, len(u.Records))
	for i, r := range u.Records {
		c := r.credential()
		exclude[i] = c.Descriptor()
	}
	opts, session, err := wa.BeginRegistration(u, webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, err
	}
	return ceremony(opts, session)
}

// resume is the relying party and the kept session of a begun ceremony.
func resume(rp spiker.RelyingParty, session []byte) (*webauthn.WebAuthn, webauthn.SessionData, error) {
	var sd webauthn.SessionData
	wa, err := relyingParty(rp)
	if err == nil {
		err = json.Unmarshal(session, &sd)
	}
	return wa, sd, err
}

// FinishRegistration checks the browser's answer against the kept session
// and returns the new passkey.
func FinishRegistration(rp spiker.RelyingParty, u User, session, response []byte) (*Record, error) {
	wa, sd, err := resume(rp, session)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, refused(err)
	}
	cred, err := wa.CreateCredential(u, sd, parsed)
	if err != nil {
		return nil, refused(err)
	}
	r := &Record{PublicKey: cred.PublicKey, Flags: cred.Flags.MsgpByte(), AAGUID: cred.Authenticator.AAGUID, Attestation: cred.AttestationType}
	r.CredentialID = cred.ID
	r.SignCount = cred.Authenticator.SignCount
	for _, t := range cred.Transport {
		r.Transports = append(r.Transports, string(t))
	}
	return r, nil
}

// BeginLogin makes the request options for u's passkeys.
func BeginLogin(rp spiker.RelyingParty, u User) (*Ceremony, error) {
	wa, err := relyingParty(rp)
	if err != nil {
		return nil, err
	}
	opts, session, err := wa.BeginLogin(u)
	if err != nil {
		return nil, err
	}
	return ceremony(opts, session)
}

// ErrRegression is a sign count that did not grow: the passkey may have
// been copied.
var ErrRegression = spiker.Errorf(spiker.EUNAUTHORIZED, "the passkey's signature counter went back: it may have been copied")

// FinishLogin checks the browser's assertion against the kept session and
// u's passkeys, and returns the passkey used with its new counter and
// flags. A counter that did not grow is ErrRegression (with the record).
func FinishLogin(rp spiker.RelyingParty, u User, session, response []byte) (*Record, error) {
	wa, sd, err := resume(rp, session)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, refused(err)
	}
	cred, err := wa.ValidateLogin(u, sd, parsed)
	if err != nil {
		return nil, refused(err)
	}
	for _, r := range u.Records {
		if string(r.CredentialID) != string(cred.ID) {
			continue
		}
		r.Flags = cred.Flags.MsgpByte()
		if cred.Authenticator.CloneWarning {
			return &r, ErrRegression
		}
		r.SignCount = cred.Authenticator.SignCount
		return &r, nil
	}
	return nil, refused(errors.New("unknown credential"))
}

// refused is a ceremony the library did not accept, with its reason (no
// secrets: the library names the check that failed).
func refused(err error) error {
	reason := err.Error()
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		reason = pe.Details
	}
	return &spiker.Error{Code: spiker.EUNAUTHORIZED, Message: "the passkey was not accepted: " + reason}
}

// ResponseChallenge reads the challenge a browser's answer echoes, to find
// the kept session it answers.
func ResponseChallenge(response []byte) (string, error) {
	var body struct {
		Response struct {
			ClientDataJSON string `json:"clientDataJSON"`
		} `json:"response"`
	}
	bad := spiker.Errorf(spiker.EUNAUTHORIZED, "the passkey's answer is malformed")
	if err := json.Unmarshal(response, &body); err != nil {
		return "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(body.Response.ClientDataJSON, "="))
	if err != nil {
		return "", bad
	}
	var cd protocol.CollectedClientData
	if err := json.Unmarshal(raw, &cd); err != nil || cd.Challenge == "" {
		return "", bad
	}
	return cd.Challenge, nil
}

// ChallengeHash is how a kept session is found: by its challenge's hash.
func ChallengeHash(challenge string) []byte {
	h := sha256.Sum256([]byte(strings.TrimRight(challenge, "=")))
	return h[:]
}
