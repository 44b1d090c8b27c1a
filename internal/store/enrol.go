package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/totp"
	"github.com/spikerperak/spiker/internal/vault"
)

// EnrolmentValid is how long an enrolment link works.
const EnrolmentValid = 7 * 24 * time.Hour

var errEnrolment = spiker.Errorf(spiker.ENOTFOUND, "this enrolment link is not valid any more (used, replaced or older than 7 days); ask the administrator for a new one")

// newEnrolmentTx makes a one-time enrolment link token of the given kind
// for a user. Only a hash of the token is stored; a new token replaces the
// old one.
func newEnrolmentTx(ctx context.Context, tx *sqldb.Tx, userID int64, kind string) (string, error) {
	b := make([]byte, 24)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	_, err := tx.Exec(ctx, `UPDATE users SET enrol_hash = $1, enrol_expires = $2, enrol_kind = $3 WHERE id = $4`,
		h[:], tx.Now().Add(EnrolmentValid), kind, userID)
	return token, err
}

// pendingBinding ties a pending TOTP secret to one link and one user.
func pendingBinding(tokenHash []byte, username string) []byte {
	return []byte(fmt.Sprintf("enrol.pending:%x:%s", tokenHash, username))
}

// Enrolment opens a link token: its user, its kind and a pending TOTP
// secret, drawn anew when pending is "" (or does not open) and otherwise the
// one the form carried. Nothing is stored until the form is completed, so
// whoever opens the link first learns a secret that is worth nothing unless
// they complete the enrolment themselves.
func (s UserService) Enrolment(ctx context.Context, token, pending string) (*spiker.Enrolment, error) {
	h := sha256.Sum256([]byte(token))
	var id int64
	var expires time.Time
	var kind sql.NullString
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT id, enrol_expires, enrol_kind FROM users WHERE enrol_hash = $1 AND NOT disabled`, []any{h[:]}, &id, &expires, &kind)
	})
	if errors.Is(err, sql.ErrNoRows) || err == nil && !s.DB.Now().Before(expires) || token == "" {
		return nil, errEnrolment
	} else if err != nil {
		return nil, err
	}
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	e := &spiker.Enrolment{User: u, Kind: kind.String}
	if e.Kind == "" {
		e.Kind = spiker.EnrolNew
	}
	if e.Kind == spiker.EnrolAuthenticator && !u.Enrolled() {
		e.Kind = spiker.EnrolNew
	}
	if sealed, err := base64.RawURLEncoding.DecodeString(pending); err == nil && pending != "" {
		if b, err := s.Secrets.Open(vault.PurposeTOTP, sealed, pendingBinding(h[:], u.Username)); err == nil {
			e.Secret, e.Pending = string(b), pending
			return e, nil
		}
	}
	secret, _, err := totp.Generate(u.Username)
	if err != nil {
		return nil, err
	}
	e.Secret = secret
	e.Pending = base64.RawURLEncoding.EncodeToString(s.Secrets.Seal(vault.PurposeTOTP, []byte(secret), pendingBinding(h[:], u.Username)))
	return e, nil
}

// CompleteEnrolment finishes a link in one step: for a new account (or
// after a reset) it checks the chosen password against the rules, makes the
// key pair from it, admits the user to the groups still bootstrapping; for
// a lost authenticator it checks the current password and keeps the key.
// In both, the first code must come from the pending secret, which then
// becomes the account's; the link dies and the user is signed in. A wrong
// password or code leaves the link working, with the same pending secret.
func (s UserService) CompleteEnrolment(ctx context.Context, token, pending, password, code, client string) (string, error) {
	if pending == "" {
		return "", errEnrolment
	}
	e, err := s.Enrolment(ctx, token, pending)
	if err != nil {
		return "", err
	}
	if e.Pending != pending {
		// The form's secret did not open: it was not drawn for this link.
		return "", spiker.Errorf(spiker.EUNAUTHORIZED, "the code does not belong to this form; scan the code shown now")
	}
	u := e.User
	if err := s.throttleSignIn(ctx, u.Username, client); err != nil {
		return "", err
	}
	var actor *spiker.Actor
	switch e.Kind {
	case spiker.EnrolAuthenticator:
		if actor, err = s.Authenticate(ctx, u.Username, password); err != nil {
			return "", &spiker.Error{Code: spiker.EUNAUTHORIZED, Message: "the password is wrong: use the password you have been signing in with",
				Fields: map[string]string{"password": "enrol.err.current"}}
		}
	default:
		if err := spiker.ValidatePassword(password); err != nil {
			return "", withField(err, "password")
		}
		if err := spiker.CheckPasswordStrength(password, u.Username); err != nil {
			return "", withField(err, "password")
		}
	}
	step, ok := totp.Match(e.Secret, strings.TrimSpace(code), s.DB.Now())
	if !ok {
		return "", &spiker.Error{Code: spiker.EUNAUTHORIZED, Message: "the code is wrong: type the 6 digits the app shows now for this account",
			Fields: map[string]string{"code": "enrol.err.code"}}
	}
	if actor == nil {
		key := [32]byte(s.newCredentials(u, password))
		actor = u.Actor(&key)
	}
	h := sha256.Sum256([]byte(token))
	var session string
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		// The link is used up in the same statement that sets the
		// credentials: of two forms sent at once, one wins.
		sealed := totp.Seal(s.Secrets, u.Username, e.Secret)
		var res sql.Result
		var err error
		if e.Kind == spiker.EnrolAuthenticator {
			res, err = tx.Exec(ctx, `UPDATE users SET totp_sealed = $1, totp_last_step = $2, totp_enrolled = TRUE,
				enrol_hash = NULL, enrol_expires = NULL, enrol_kind = NULL WHERE id = $3 AND enrol_hash = $4`, sealed, step, u.ID, h[:])
		} else {
			res, err = tx.Exec(ctx, `UPDATE users SET password_hash = $1, public_key = $2, private_wrapped = $3, totp_sealed = $4, totp_last_step = $5,
				totp_enrolled = TRUE, enrol_hash = NULL, enrol_expires = NULL, enrol_kind = NULL WHERE id = $6 AND enrol_hash = $7`,
				u.PasswordHash, u.PublicKey, u.PrivateWrapped, sealed, step, u.ID, h[:])
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errEnrolment
		}
		if e.Kind == spiker.EnrolAuthenticator {
			// The lost device may hold a session.
			if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, actor, "user.enrol_authenticator", "user", fmt.Sprint(u.ID), "new authenticator; key kept"); err != nil {
				return err
			}
		} else {
			if err := s.bootstrapGroups(ctx, tx, u); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, actor, "user.enrol", "user", fmt.Sprint(u.ID), "password chosen by the user; new key pair"); err != nil {
				return err
			}
		}
		session, _, err = s.newSession(ctx, tx, actor)
		return err
	})
	return session, err
}

// CreateEnrolledUser creates a user and completes their enrolment in one
// call, with the given password and a new TOTP secret, which it returns.
// It is for tests and `spiker demo` only: a real account is made by AddUser
// and enrolled by its owner through the link.
func (s UserService) CreateEnrolledUser(ctx context.Context, u *spiker.User, password string) (string, error) {
	s.NewCredentials(u, password)
	secret, _, err := totp.Generate(u.Username)
	if err != nil {
		return "", err
	}
	u.TOTPSealed = totp.Seal(s.Secrets, u.Username, secret)
	return secret, s.CreateUser(ctx, u)
}
