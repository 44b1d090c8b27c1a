package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/spikerperak/spiker"
)

// EnrolmentValid is how long an enrolment link works.
const EnrolmentValid = 7 * 24 * time.Hour

var errEnrolment = spiker.Errorf(spiker.ENOTFOUND, "this enrolment link is not valid any more; ask the administrator for a new one")

// NewEnrolment makes a one-time enrolment link token for a user: the first
// sign-in through it shows the TOTP secret as a QR code. Only a hash of the
// token is stored; a new token replaces the old one.
func (s UserService) NewEnrolment(ctx context.Context, userID int64) (string, error) {
	b := make([]byte, 24)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	err := s.DB.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET enrol_hash = $1, enrol_expires = $2 WHERE id = $3`, h[:], tx.Now().Add(EnrolmentValid), userID)
		return err
	})
	return token, err
}

// Enrolment returns the user of an enrolment token and their TOTP secret,
// or ENOTFOUND for an unknown, used or expired token.
func (s UserService) Enrolment(ctx context.Context, token string) (*spiker.User, string, error) {
	h := sha256.Sum256([]byte(token))
	var id int64
	var expires time.Time
	err := s.DB.View(ctx, func(tx *Tx) error {
		return tx.Get(ctx, `SELECT id, enrol_expires FROM users WHERE enrol_hash = $1 AND NOT disabled`, []any{h[:]}, &id, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) || err == nil && s.DB.Now().After(expires) {
		return nil, "", errEnrolment
	} else if err != nil {
		return nil, "", err
	}
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	secret, err := openTOTP(s.Secrets, u)
	if err != nil {
		return nil, "", err
	}
	return u, secret, nil
}

// CompleteEnrolment signs the user in with the password and a code from the
// freshly set-up app, and uses up the link.
func (s UserService) CompleteEnrolment(ctx context.Context, token, password, code, client string) (string, error) {
	u, _, err := s.Enrolment(ctx, token)
	if err != nil {
		return "", err
	}
	session, _, err := s.SignIn(ctx, u.Username, password, code, client)
	if err != nil {
		return "", err
	}
	err = s.DB.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET enrol_hash = NULL, enrol_expires = NULL WHERE id = $1`, u.ID)
		return err
	})
	return session, err
}
