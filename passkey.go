package spiker

import (
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
