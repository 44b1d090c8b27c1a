package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/passkey"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Passkeys: WebAuthn credentials as a second factor beside TOTP. A ceremony's
// challenge is kept in passkey_challenges, bound to the user and the
// ceremony's purpose, and deleted by the answer that uses it (or when it
// expires). The password still opens the user's key pair: a passkey only
// stands in for the TOTP code.

const (
	// passkeyChallengeTTL is how long a begun ceremony waits for the
	// browser's answer.
	passkeyChallengeTTL = 5 * time.Minute
	// settingPasskeyPolicy is the office's "wajib passkey" setting.
	settingPasskeyPolicy = "passkey.required"

	purposeRegister = "register"
	purposeSignIn   = "signin"
	maxPasskeyName  = 60
)

// passkeyError is a refusal with the form field it concerns and the
// message key the page shows.
func passkeyError(code, message, field, key string) error {
	return &spiker.Error{Code: code, Message: message, Fields: map[string]string{field: key}}
}

var errPasskeySignIn = spiker.Errorf(spiker.EUNAUTHORIZED, "the username, password or passkey is wrong")

// passkeyRecords lists a user's passkeys with what verifying them needs.
func passkeyRecords(ctx context.Context, tx *sqldb.Tx, userID int64) ([]passkey.Record, error) {
	rows, err := tx.Query(ctx, `SELECT id, credential_id, public_key, sign_count, transports, flags, aaguid, attestation, name, created_at, last_used_at
		FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, userID)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (r passkey.Record, err error) {
		var count int64
		var flags int
		var transports string
		var used sql.NullTime
		if err := rows.Scan(&r.ID, &r.CredentialID, &r.PublicKey, &count, &transports, &flags, &r.AAGUID, &r.Attestation, &r.Name, &r.CreatedAt, &used); err != nil {
			return r, err
		}
		r.UserID, r.SignCount, r.Flags, r.LastUsedAt = userID, uint32(count), byte(flags), used.Time
		if transports != "" {
			r.Transports = strings.Split(transports, ",")
		}
		return r, nil
	})
}

// Passkeys lists the actor's own passkeys.
func (s UserService) Passkeys(ctx context.Context, actor *spiker.Actor) ([]spiker.Passkey, error) {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return nil, err
	}
	var recs []passkey.Record
	err := s.DB.View(ctx, func(tx *sqldb.Tx) (err error) {
		recs, err = passkeyRecords(ctx, tx, actor.UserID)
		return err
	})
	out := make([]spiker.Passkey, len(recs))
	for i, r := range recs {
		out[i] = r.Passkey
	}
	return out, err
}

// keepChallenge keeps a begun ceremony's session for its one answer.
func keepChallenge(ctx context.Context, tx *sqldb.Tx, userID int64, purpose string, c *passkey.Ceremony) error {
	if _, err := tx.Exec(ctx, `DELETE FROM passkey_challenges WHERE expires_at < $1`, tx.Now()); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO passkey_challenges (challenge_hash, user_id, purpose, session, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		passkey.ChallengeHash(c.Challenge), userID, purpose, string(c.Session), tx.Now().Add(passkeyChallengeTTL))
	return err
}

// takeChallenge finds and deletes the session that a browser's answer
// answers: only one made for this user and purpose, not expired. A second
// answer to the same challenge finds nothing.
func takeChallenge(ctx context.Context, tx *sqldb.Tx, userID int64, purpose string, response []byte) ([]byte, error) {
	challenge, err := passkey.ResponseChallenge(response)
	if err != nil {
		return nil, err
	}
	hash := passkey.ChallengeHash(challenge)
	var session string
	var expires time.Time
	err = tx.Get(ctx, `SELECT session, expires_at FROM passkey_challenges WHERE challenge_hash = $1 AND user_id = $2 AND purpose = $3`,
		[]any{hash, userID, purpose}, &session, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, spiker.Errorf(spiker.EUNAUTHORIZED, "the passkey answered no challenge of this user (used, expired or someone else's)")
	} else if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM passkey_challenges WHERE challenge_hash = $1`, hash); err != nil {
		return nil, err
	}
	if tx.Now().After(expires) {
		return nil, spiker.Errorf(spiker.EUNAUTHORIZED, "the passkey challenge has expired; try again")
	}
	return []byte(session), nil
}

// BeginPasskeyRegistration starts registering a passkey for the actor.
func (s UserService) BeginPasskeyRegistration(ctx context.Context, actor *spiker.Actor, rp spiker.RelyingParty) ([]byte, error) {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return nil, err
	}
	var c *passkey.Ceremony
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		recs, err := passkeyRecords(ctx, tx, actor.UserID)
		if err != nil {
			return err
		}
		if c, err = passkey.BeginRegistration(rp, passkey.User{ID: actor.UserID, Username: actor.Username, Records: recs}); err != nil {
			return err
		}
		return keepChallenge(ctx, tx, actor.UserID, purposeRegister, c)
	})
	if err != nil {
		return nil, err
	}
	return c.Options, nil
}

// FinishPasskeyRegistration checks the browser's answer and stores the new
// passkey under the name the user gave it.
func (s UserService) FinishPasskeyRegistration(ctx context.Context, actor *spiker.Actor, rp spiker.RelyingParty, name string, response []byte) error {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return err
	}
	name, err := passkeyName(name)
	if err != nil {
		return err
	}
	var session []byte
	var recs []passkey.Record
	// The challenge is used up whatever the answer: its own transaction.
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) (err error) {
		if session, err = takeChallenge(ctx, tx, actor.UserID, purposeRegister, response); err != nil {
			return err
		}
		recs, err = passkeyRecords(ctx, tx, actor.UserID)
		return err
	})
	var rec *passkey.Record
	if err == nil {
		rec, err = passkey.FinishRegistration(rp, passkey.User{ID: actor.UserID, Username: actor.Username, Records: recs}, session, response)
	}
	if err != nil {
		return s.passkeyRefused(ctx, actor, "user.passkey_register_failed", err)
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var n int
		if err := tx.Get(ctx, `SELECT count(*) FROM passkeys WHERE credential_id = $1`, []any{rec.CredentialID}, &n); err != nil {
			return err
		}
		if n > 0 {
			return spiker.Errorf(spiker.ECONFLICT, "this passkey is registered already")
		}
		var id int64
		if err := tx.Get(ctx, `INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, transports, flags, aaguid, attestation, name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			[]any{actor.UserID, rec.CredentialID, rec.PublicKey, int64(rec.SignCount), strings.Join(rec.Transports, ","), int(rec.Flags), rec.AAGUID, rec.Attestation, name, tx.Now()}, &id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.passkey_register", "passkey", fmt.Sprint(id), "")
	})
}

// passkeyName checks the name a user gives a passkey.
func passkeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxPasskeyName {
		return "", passkeyError(spiker.EINVALID, "give the passkey a name of up to 60 characters", "passkey_name", "passkey.err.name")
	}
	return name, nil
}

// RenamePasskey changes the name of one of the actor's passkeys.
func (s UserService) RenamePasskey(ctx context.Context, actor *spiker.Actor, id int64, name string) error {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return err
	}
	name, err := passkeyName(name)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE passkeys SET name = $1 WHERE id = $2 AND user_id = $3`, name, id, actor.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return spiker.Errorf(spiker.ENOTFOUND, "no such passkey")
		}
		return s.audit(ctx, tx, actor, "user.passkey_rename", "passkey", fmt.Sprint(id), "")
	})
}

// passkeyRefused audits a refused ceremony (its reason names the failed
// check, never a secret) and returns the refusal.
func (s UserService) passkeyRefused(ctx context.Context, actor *spiker.Actor, action string, refusal error) error {
	if spiker.ErrorCode(refusal) != spiker.EUNAUTHORIZED {
		return refusal
	}
	if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		return s.audit(ctx, tx, actor, action, "user", fmt.Sprint(actor.UserID), spiker.ErrorMessage(refusal))
	}); err != nil {
		return err
	}
	return refusal
}

// RemovePasskey removes one of the actor's passkeys after checking their
// password. The last passkey of a user the office requires passkeys of
// stays.
func (s UserService) RemovePasskey(ctx context.Context, actor *spiker.Actor, id int64, password string) error {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return err
	}
	// Guessing the password here is throttled as a sign-in is.
	if err := s.Allow(ctx, spiker.ActionSignIn, "user:"+strings.ToLower(actor.Username)); err != nil {
		return err
	}
	if _, err := s.Authenticate(ctx, actor.Username, password); err != nil {
		return passkeyError(spiker.EUNAUTHORIZED, "the password is wrong", "passkey_password", "account.err.current")
	}
	policy, err := s.PasskeyPolicy(ctx)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var owner int64
		err := tx.Get(ctx, `SELECT user_id FROM passkeys WHERE id = $1`, []any{id}, &owner)
		if errors.Is(err, sql.ErrNoRows) || err == nil && owner != actor.UserID {
			return spiker.Errorf(spiker.ENOTFOUND, "no such passkey")
		} else if err != nil {
			return err
		}
		var n int
		if err := tx.Get(ctx, `SELECT count(*) FROM passkeys WHERE user_id = $1`, []any{actor.UserID}, &n); err != nil {
			return err
		}
		if n == 1 && policy.Covers(actor.Roles) {
			return passkeyError(spiker.ECONFLICT, "the office requires a passkey: register another before removing this one", "passkey_last", "passkey.err.last")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM passkeys WHERE id = $1`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.passkey_remove", "passkey", fmt.Sprint(id), "")
	})
}

// BeginPasskeySignIn checks the password, then returns the request options
// for the user's passkeys: nobody learns which passkeys a user has without
// their password.
func (s UserService) BeginPasskeySignIn(ctx context.Context, username, password, client string, rp spiker.RelyingParty) ([]byte, error) {
	if err := s.throttleSignIn(ctx, username, client); err != nil {
		return nil, err
	}
	actor, err := s.Authenticate(ctx, username, password)
	if err != nil {
		return nil, err
	}
	var c *passkey.Ceremony
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		recs, err := passkeyRecords(ctx, tx, actor.UserID)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return passkeyError(spiker.EUNAUTHORIZED, "this account has no passkey; use the code", "passkey", "passkey.err.none")
		}
		if c, err = passkey.BeginLogin(rp, passkey.User{ID: actor.UserID, Username: actor.Username, Records: recs}); err != nil {
			return err
		}
		return keepChallenge(ctx, tx, actor.UserID, purposeSignIn, c)
	})
	if err != nil {
		return nil, err
	}
	return c.Options, nil
}

// SignInWithPasskey checks the password and the passkey's assertion and
// opens a session. A signature counter that did not grow is refused and
// audited: the passkey may have been copied.
func (s UserService) SignInWithPasskey(ctx context.Context, username, password string, response []byte, client string, rp spiker.RelyingParty) (string, *spiker.StaffSession, error) {
	if err := s.throttleSignIn(ctx, username, client); err != nil {
		return "", nil, err
	}
	actor, err := s.Authenticate(ctx, username, password)
	if err != nil {
		return "", nil, err
	}
	var session []byte
	var recs []passkey.Record
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) (err error) {
		if session, err = takeChallenge(ctx, tx, actor.UserID, purposeSignIn, response); err != nil {
			return err
		}
		recs, err = passkeyRecords(ctx, tx, actor.UserID)
		return err
	})
	var rec *passkey.Record
	if err == nil {
		rec, err = passkey.FinishLogin(rp, passkey.User{ID: actor.UserID, Username: actor.Username, Records: recs}, session, response)
	}
	if err == passkey.ErrRegression {
		return "", nil, s.passkeyRegression(ctx, actor, rec.ID)
	} else if err != nil {
		if err := s.passkeyRefused(ctx, actor, "user.passkey_signin_failed", err); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
			return "", nil, err
		}
		return "", nil, errPasskeySignIn
	}
	var token string
	var sess *spiker.StaffSession
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		// The counter must still be below the new one: two answers racing
		// with the same count cannot both win.
		res, err := tx.Exec(ctx, `UPDATE passkeys SET sign_count = $1, flags = $2, last_used_at = $3
			WHERE id = $4 AND (sign_count < $1 OR (sign_count = 0 AND $1 = 0))`, int64(rec.SignCount), int(rec.Flags), tx.Now(), rec.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return passkey.ErrRegression
		}
		if token, sess, err = s.newSession(ctx, tx, actor); err != nil {
			return err
		}
		// Both steps spent a try; a passkey sign-in gives both back.
		for range 2 {
			if err := s.signInSucceeded(ctx, tx, username, client); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "user.signin", "user", fmt.Sprint(actor.UserID), fmt.Sprintf("passkey %d", rec.ID))
	})
	if err == passkey.ErrRegression {
		return "", nil, s.passkeyRegression(ctx, actor, rec.ID)
	}
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// passkeyRegression audits a refused sign-in whose counter went back.
func (s UserService) passkeyRegression(ctx context.Context, actor *spiker.Actor, id int64) error {
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		return s.audit(ctx, tx, actor, "user.passkey_regression", "passkey", fmt.Sprint(id), "signature counter did not grow: the passkey may have been copied; sign-in refused")
	})
	if err != nil {
		return err
	}
	return errPasskeySignIn
}

// PasskeyPolicy returns the office's "wajib passkey" setting.
func (s UserService) PasskeyPolicy(ctx context.Context) (spiker.PasskeyPolicy, error) {
	var v string
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT value FROM settings WHERE name = $1`, []any{settingPasskeyPolicy}, &v)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return spiker.PasskeyPolicy{}, nil
	}
	return spiker.ParsePasskeyPolicy(v), err
}

// SetPasskeyPolicy saves the office's "wajib passkey" setting.
func (s UserService) SetPasskeyPolicy(ctx context.Context, actor *spiker.Actor, p spiker.PasskeyPolicy) error {
	if err := spiker.Authorize(actor, spiker.PermSettings, spiker.Scope{}); err != nil {
		return err
	}
	v := spiker.ParsePasskeyPolicy(p.String()).String()
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingPasskeyPolicy, v, tx.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "settings.passkey", "settings", settingPasskeyPolicy, "required of: "+v)
	})
}

// PasskeyStatus tells whether the policy covers the actor and how many
// passkeys they have.
func (s UserService) PasskeyStatus(ctx context.Context, actor *spiker.Actor) (bool, int, error) {
	p, err := s.PasskeyPolicy(ctx)
	if err != nil {
		return false, 0, err
	}
	var n int
	err = s.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT count(*) FROM passkeys WHERE user_id = $1`, []any{actor.UserID}, &n)
	})
	return p.Covers(actor.Roles), n, err
}

// totpRefused reports whether the office requires a passkey of this user
// and they have one: then their TOTP code no longer signs them in.
func (s UserService) totpRefused(ctx context.Context, actor *spiker.Actor) (bool, error) {
	required, n, err := s.PasskeyStatus(ctx, actor)
	return required && n > 0, err
}
