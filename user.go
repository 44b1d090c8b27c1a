package spiker

import (
	"context"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"
)

// User is a staff account of the back office. The public never has one.
type User struct {
	ID         int64
	Username   string
	Roles      []Role
	RegionCode string // scope: the regency, a kecamatan or a desa
	AgencyID   string // a Mitra user's partner agency
	Disabled   bool
	CreatedAt  time.Time
	// Profile names the user on the letters they sign.
	Profile Profile

	// Credentials. They are never rendered or logged.
	PasswordHash string // Argon2id in PHC string format, parameters included
	TOTPSealed   []byte // TOTP secret encrypted under the server's TOTP key

	// The user's X25519 key pair: the public half seals case keys to them,
	// the private half is stored wrapped under a key from their password.
	PublicKey      []byte
	PrivateWrapped []byte
}

// HasRole reports whether the user holds role r.
func (u *User) HasRole(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Actor returns the user acting with their unlocked private key.
func (u *User) Actor(key *[32]byte) *Actor {
	return &Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, RegionCode: u.RegionCode, AgencyID: u.AgencyID, Key: key}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// Validate checks the user's fields before they are stored. Each refusal
// names the form field it concerns and its message key, so the back office
// shows it in the reader's language and the console prints the message.
func (u *User) Validate() error {
	invalid := func(field, key, format string, args ...any) error {
		return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...), Fields: map[string]string{field: key}}
	}
	if !usernamePattern.MatchString(u.Username) {
		return invalid("username", "admin.err.username", "username %q is not valid: use 3 to 32 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", u.Username)
	}
	if len(u.Roles) == 0 {
		return invalid("roles", "admin.err.roles", "a user needs at least one role; use one of: %s", roleList())
	}
	seen := map[Role]bool{}
	for _, r := range u.Roles {
		if !r.Valid() {
			return invalid("roles", "admin.err.roles", "unknown role %q; use one of: %s", r, roleList())
		}
		if seen[r] {
			return invalid("roles", "admin.err.roles", "role %q is given twice", r)
		}
		seen[r] = true
	}
	if u.HasRole(RoleAdmin) {
		for _, r := range u.Roles {
			if r.ReadsCases() {
				return invalid("roles", "admin.err.separation", "the admin role cannot be combined with %s, a role that reads or changes cases and reports (separation of duties)", r)
			}
		}
	}
	if !ValidRegionCodeSyntax(u.RegionCode) {
		return invalid("roles", "admin.err.roles", "region %q is not a Kemendagri code such as 35.24 or 35.24.22", u.RegionCode)
	}
	if u.HasRole(RoleMitra) != (u.AgencyID != "") {
		return invalid("roles", "admin.err.agency", "a Mitra user belongs to one partner agency, and only a Mitra user does; choose the agency")
	}
	return nil
}

// Enrolled reports whether the user has completed their enrolment (chosen
// a password): until then they cannot sign in and hold no key pair.
func (u *User) Enrolled() bool { return u.PasswordHash != "" && len(u.PublicKey) == 32 }

// Password length bounds. The lower bound is DESIGN.md §4.6; the upper bound
// only keeps hashing cost predictable.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// ValidatePassword checks a new password's length. (The check against common
// passwords belongs to the staff sign-in.)
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return Errorf(EINVALID, "the password is too short: use at least %d characters (a few words together are easy to remember)", MinPasswordLength)
	}
	if len(pw) > MaxPasswordLength {
		return Errorf(EINVALID, "the password is too long: use at most %d bytes", MaxPasswordLength)
	}
	if !utf8.ValidString(pw) {
		return Errorf(EINVALID, "the password is not valid UTF-8 text")
	}
	return nil
}

// Users is the staff accounts: sign-in and sessions, enrolment, authenticators and passkeys, profiles and their
// administration.
type Users interface {
	// Finding staff accounts.

	// CreateUser stores a new user and sets its ID and CreatedAt. A taken
	// username is ECONFLICT.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns the user or ENOTFOUND.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByUsername returns the user or ENOTFOUND.
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// CountUsersWithRole returns how many enabled users hold role r.
	CountUsersWithRole(ctx context.Context, r Role) (int, error)
	// Authenticate checks a password and returns the user as an actor with
	// their private key unlocked. A wrong username or password is
	// EUNAUTHORIZED, with one message for both.
	Authenticate(ctx context.Context, username, password string) (*Actor, error)

	// Session signs staff in and out. Sessions live in the database so
	// that several nodes share them.

	// SignIn checks password and TOTP code (each code works once) and
	// returns the session token for the cookie or bearer header.
	SignIn(ctx context.Context, username, password, code, client string) (string, *StaffSession, error)
	// Session resolves a token, or EUNAUTHORIZED.
	Session(ctx context.Context, token string) (*StaffSession, error)
	SignOut(ctx context.Context, token string) error
	SignOutEverywhere(ctx context.Context, actor *Actor) error

	// The account is a staff member's own side of their credentials.

	// ChangePassword re-wraps the same private key under a new password:
	// every grant and membership keeps working. Every other session of the
	// user ends; keep is the session asking (its CSRF token), which stays.
	ChangePassword(ctx context.Context, username, oldPassword, newPassword string, keep *StaffSession) error
	// RequestAuthenticatorResetBySignIn records a lost authenticator for a
	// user who proves their password; it answers the same either way.
	RequestAuthenticatorResetBySignIn(ctx context.Context, username, password, client string) error

	// Enrolment lets the person holding a one-time link choose their
	// password and enrol their authenticator, in one step.

	// Enrolment opens a link token. With pending "" it draws a new pending
	// TOTP secret; otherwise it shows the same one again.
	Enrolment(ctx context.Context, token, pending string) (*Enrolment, error)
	// CompleteEnrolment checks the password (new, or the current one for a
	// lost authenticator) and the first code, stores the credentials, uses
	// up the link and signs in.
	CompleteEnrolment(ctx context.Context, token, pending, password, code, client string) (string, error)

	// Approvals are the supervisor's side of lost authenticators.

	AuthenticatorRequests(ctx context.Context, actor *Actor) ([]AuthenticatorRequest, error)
	// ApproveAuthenticatorReset returns a new enrolment link token that
	// re-enrols the user's authenticator once they prove their password.
	ApproveAuthenticatorReset(ctx context.Context, actor *Actor, userID int64) (enrolToken string, err error)

	// Passkey registers, lists and removes a user's passkeys, signs in
	// with one after the password, and keeps the office's passkey policy.
	// Options and responses are the WebAuthn JSON the browser exchanges.

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

	// Profile keeps the staff profiles. A user edits their own; an
	// administrator edits those of the accounts in their region. Every change
	// is audited.

	SetProfile(ctx context.Context, actor *Actor, userID int64, p Profile) error

	// UserAdmin is the administrator's side of staff accounts. It goes through
	// Authorize (user.manage, in the admin's region) and never touches case
	// content: the admin holds no key.

	FindUsers(ctx context.Context, actor *Actor, f UserFilter) ([]*User, error)
	// AddUser creates an account without a password and returns its
	// one-time enrolment link token: only the person who completes the
	// link chooses the password.
	AddUser(ctx context.Context, actor *Actor, u *User) (enrolToken string, err error)
	SetDisabled(ctx context.Context, actor *Actor, userID int64, disabled bool) error
	SetRoles(ctx context.Context, actor *Actor, userID int64, roles []Role, region string) error
	// ResetPassword removes a user's password and key pair, ends their
	// sessions and returns a new enrolment link token.
	ResetPassword(ctx context.Context, actor *Actor, userID int64) (enrolToken string, err error)
	// RequestAuthenticatorReset records that a user lost their
	// authenticator; a supervisor who did not ask approves it.
	RequestAuthenticatorReset(ctx context.Context, actor *Actor, userID int64) error

	// Linking staff chats to the office bot, and the state of its long
	// poll, which nodes sharing a database take turns at.
	NewTelegramCode(ctx context.Context, actor *Actor) (code string, expires time.Time, err error)
	// TakeTelegramMessage takes a private message to the bot, once per
	// update, and says what the bot answers.
	TakeTelegramMessage(ctx context.Context, bot string, updateID, chatID int64, text string) (TelegramOutcome, error)
	ClaimTelegramPoll(ctx context.Context, node, bot string, lease time.Duration) (offset int64, held bool, err error)
	SaveTelegramOffset(ctx context.Context, node, bot string, offset int64) error
	ReleaseTelegramPoll(ctx context.Context, node string) error
}

// UserFilter selects staff accounts inside the actor's region, by username.
// Zero fields do not filter.
type UserFilter struct {
	Role Role // holding this role
}

// Validate checks the filter's values.
func (f UserFilter) Validate() error {
	if f.Role != "" && !f.Role.Valid() {
		return Errorf(EINVALID, "unknown role %q; use one of: %s", f.Role, roleList())
	}
	return nil
}
