package spiker

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Passkey is one WebAuthn credential a staff user registered as a second
// factor beside TOTP. Only its public half is stored: a passkey proves the
// user holds the device, and is bound to the office's address, so a look-alike
// site cannot relay it. It never opens the user's key pair (the password
// does).
type Passkey struct {
	ID           int64
	UserID       int64
	CredentialID []byte
	Name         string
	Transports   []string
	SignCount    uint32
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero: never used to sign in
}

// RelyingParty is the office's identity for WebAuthn: the host name passkeys
// are bound to and the one origin their ceremonies may come from.
type RelyingParty struct {
	ID     string // e.g. "staf.dinas.go.id" or "localhost"
	Origin string // e.g. "https://staf.dinas.go.id"
	Name   string // shown by the browser when registering
}

// PasskeyPolicy is the office's "wajib passkey" setting: for the users it
// covers who have a passkey, a TOTP code no longer signs them in.
type PasskeyPolicy struct {
	All   bool   // the whole office
	Roles []Role // or these roles
}

// Covers reports whether the policy applies to a user with these roles.
func (p PasskeyPolicy) Covers(roles []Role) bool {
	if p.All {
		return true
	}
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// String is the policy as it is stored: "all", or roles separated by commas.
func (p PasskeyPolicy) String() string {
	if p.All {
		return "all"
	}
	s := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// ParsePasskeyPolicy reads a stored policy; unknown roles are dropped.
func ParsePasskeyPolicy(s string) PasskeyPolicy {
	if s == "all" {
		return PasskeyPolicy{All: true}
	}
	var p PasskeyPolicy
	for _, part := range strings.Split(s, ",") {
		if r := Role(strings.TrimSpace(part)); r.Valid() && !slices.Contains(p.Roles, r) {
			p.Roles = append(p.Roles, r)
		}
	}
	return p
}

// PasskeyService registers, lists and removes a user's passkeys, signs in
// with one after the password, and keeps the office's passkey policy.
// Options and responses are the WebAuthn JSON the browser exchanges.
type PasskeyService interface {
	Passkeys(ctx context.Context, actor *Actor) ([]Passkey, error)
	// BeginPasskeyRegistration returns the creation options; its challenge
	// is kept server-side, bound to the user, for one use.
	BeginPasskeyRegistration(ctx context.Context, actor *Actor, rp RelyingParty) ([]byte, error)
	FinishPasskeyRegistration(ctx context.Context, actor *Actor, rp RelyingParty, name string, response []byte) error
	// RenamePasskey changes the name of one of the actor's passkeys.
	RenamePasskey(ctx context.Context, actor *Actor, id int64, name string) error
	// RemovePasskey needs the user's password; the last passkey of a user
	// the policy covers cannot be removed.
	RemovePasskey(ctx context.Context, actor *Actor, id int64, password string) error
	// BeginPasskeySignIn checks the password and returns the request
	// options for the user's passkeys.
	BeginPasskeySignIn(ctx context.Context, username, password, client string, rp RelyingParty) ([]byte, error)
	// SignInWithPasskey checks the password and the passkey's assertion (in
	// place of a TOTP code) and opens a session.
	SignInWithPasskey(ctx context.Context, username, password string, response []byte, client string, rp RelyingParty) (string, *StaffSession, error)
	PasskeyPolicy(ctx context.Context) (PasskeyPolicy, error)
	SetPasskeyPolicy(ctx context.Context, actor *Actor, p PasskeyPolicy) error
	// PasskeyStatus tells whether the policy covers the actor and how many
	// passkeys they have.
	PasskeyStatus(ctx context.Context, actor *Actor) (required bool, count int, err error)
}
