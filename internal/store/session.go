package store

import (
	"context"
	"crypto/rand"
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

// Staff sessions: long enough for a night shift, short when idle.
const (
	StaffIdle = 30 * time.Minute
	StaffMax  = 12 * time.Hour
	// sessionTouch is how stale last_seen may grow before a request
	// writes it: the idle limit may end a session up to this much early.
	sessionTouch = time.Minute
)

var errSignIn = spiker.Errorf(spiker.EUNAUTHORIZED, "the username, password or code is wrong")

// errTOTPRefused is a TOTP sign-in of a user who must use their passkey.
var errTOTPRefused = passkeyError(spiker.EUNAUTHORIZED, "the office requires your passkey: sign in with it instead of the code", "passkey", "passkey.err.required")

// SignIn checks the password and the TOTP code (each code works once) and
// opens a session. Tries are throttled per account and client
// (throttleSignIn): wrong ones from one address never stop the user
// signing in from another. The token is "<id>.<secret>"; the row keeps a hash of
// the id and the user's private key sealed under the secret.
func (s UserService) SignIn(ctx context.Context, username, password, code, client string) (string, *spiker.StaffSession, error) {
	if err := s.throttleSignIn(ctx, username, client); err != nil {
		return "", nil, err
	}
	actor, err := s.Authenticate(ctx, username, password)
	if err != nil {
		return "", nil, err
	}
	u, err := s.FindUserByID(ctx, actor.UserID)
	if err != nil {
		return "", nil, err
	}
	// Where the office requires passkeys, a user who has one signs in
	// with it: a code typed into a look-alike site is no use.
	if refused, err := s.totpRefused(ctx, actor); err != nil {
		return "", nil, err
	} else if refused {
		if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			return s.audit(ctx, tx, actor, "user.signin_totp_refused", "user", fmt.Sprint(u.ID), "the office requires a passkey of this user")
		}); err != nil {
			return "", nil, err
		}
		return "", nil, errTOTPRefused
	}
	secret, err := openTOTP(s.Secrets, u)
	if err != nil {
		return "", nil, err
	}
	step, ok := totp.Match(secret, strings.TrimSpace(code), s.DB.Now())
	if !ok {
		return "", nil, errSignIn
	}
	var token string
	var sess *spiker.StaffSession
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		// The code's time step must be newer than the last one used: a
		// code seen over someone's shoulder cannot be replayed.
		res, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = $1, totp_enrolled = TRUE WHERE id = $2 AND totp_last_step < $1`, step, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errSignIn
		}
		if token, sess, err = s.newSession(ctx, tx, actor); err != nil {
			return err
		}
		if err := s.signInSucceeded(ctx, tx, username, client); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.signin", "user", fmt.Sprint(u.ID), "")
	})
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// newSession opens a session for an actor whose key is unlocked, and
// returns its token.
func (s UserService) newSession(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor) (string, *spiker.StaffSession, error) {
	h, token := newHandle()
	csrf := make([]byte, 18)
	rand.Read(csrf)
	sess := &spiker.StaffSession{Actor: actor, CSRF: base64.RawURLEncoding.EncodeToString(csrf)}
	kp := vault.KeyPair{Private: vault.PrivateKey(*actor.Key)}
	kp.Public = vault.PublicOf(kp.Private)
	pub := [32]byte(kp.Public)
	actor.KeyPublic = &pub
	if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE last_seen < $1 OR created_at < $2`,
		tx.Now().Add(-StaffIdle), tx.Now().Add(-StaffMax)); err != nil {
		return "", nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO staff_sessions (id_hash, user_id, sealed_key, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $5, $5)`,
		h.IDHash[:], actor.UserID, vault.SealSessionKey(vault.SessionSecret(h.Secret), string(h.IDHash[:]), kp), sess.CSRF, tx.Now()); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

func openTOTP(secrets *vault.ServerSecrets, u *spiker.User) (string, error) {
	secret, err := totp.Open(secrets, u.Username, u.TOTPSealed)
	if err != nil {
		return "", errSignIn
	}
	return secret, nil
}

// Session resolves a session token to the signed-in user, refreshing it. An
// expired, ended or tampered token, or a disabled user, is EUNAUTHORIZED.
func (s UserService) Session(ctx context.Context, token string) (*spiker.StaffSession, error) {
	h, ok := parseHandle(token)
	if !ok {
		return nil, spiker.Errorf(spiker.EUNAUTHORIZED, "sign in first")
	}
	idHash := h.IDHash
	var userID int64
	var sealed []byte
	sess := &spiker.StaffSession{}
	var created, seen time.Time
	// A plain read; a write only when the session ended or its last use
	// is older than sessionTouch, so that the staff pages' requests do not
	// each cost a commit (an fsync on SQLite) to move last_seen.
	err := s.DB.Get(ctx, `SELECT user_id, sealed_key, csrf, created_at, last_seen FROM staff_sessions WHERE id_hash = $1`,
		[]any{idHash[:]}, &userID, &sealed, &sess.CSRF, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, spiker.Errorf(spiker.EUNAUTHORIZED, "the session has ended; sign in again")
	} else if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	if now.Sub(seen) > StaffIdle || now.Sub(created) > StaffMax {
		if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE id_hash = $1`, idHash[:])
			return err
		}); err != nil {
			return nil, err
		}
		return nil, spiker.Errorf(spiker.EUNAUTHORIZED, "the session has ended; sign in again")
	}
	kp, err := vault.OpenSessionKey(vault.SessionSecret(h.Secret), string(idHash[:]), sealed)
	if err != nil {
		return nil, spiker.Errorf(spiker.EUNAUTHORIZED, "sign in first")
	}
	if now.Sub(seen) >= sessionTouch || now.Before(seen) {
		if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE staff_sessions SET last_seen = $1 WHERE id_hash = $2`, tx.Now(), idHash[:])
			return err
		}); err != nil {
			return nil, err
		}
	}
	u, err := s.FindUserByID(ctx, userID)
	if err != nil || u.Disabled {
		return nil, spiker.Errorf(spiker.EUNAUTHORIZED, "this account is disabled")
	}
	key, pub := [32]byte(kp.Private), [32]byte(kp.Public)
	sess.Actor = u.Actor(&key)
	sess.Actor.KeyPublic = &pub
	return sess, nil
}

// SignOut ends one session.
func (s UserService) SignOut(ctx context.Context, token string) error {
	h, ok := parseHandle(token)
	if !ok {
		return nil
	}
	idHash := h.IDHash
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE id_hash = $1`, idHash[:])
		return err
	})
}

// SignOutEverywhere ends every session of the actor.
func (s UserService) SignOutEverywhere(ctx context.Context, actor *spiker.Actor) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, actor.UserID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.signout_everywhere", "user", "", "")
	})
}
