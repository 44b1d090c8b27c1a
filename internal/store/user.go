package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// UserService implements spiker.UserService.
type UserService struct{ *Store }

// CreateUser stores an enrolled user (credentials set, e.g. by
// NewCredentials) and its roles in one transaction and, if u is the first
// user of a role whose group is still bootstrapping, admits them to it. The
// back office and the console create users with AddUser instead, whose
// owner enrols through the link; this path is for tests and `spiker demo`.
func (s UserService) CreateUser(ctx context.Context, u *spiker.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if len(u.PublicKey) != 32 || len(u.PrivateWrapped) == 0 || u.PasswordHash == "" {
		return spiker.Errorf(spiker.EINVALID, "a user needs a password and a key pair")
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if err := s.bootstrapGroups(ctx, tx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, spiker.System, "user.create", "user", fmt.Sprint(u.ID), "")
	})
}

// insertUser stores u (with whatever credentials it has) and its roles.
func insertUser(ctx context.Context, tx *sqldb.Tx, u *spiker.User) error {
	u.CreatedAt = tx.Now()
	err := tx.Get(ctx, `INSERT INTO users (username, region_code, password_hash, totp_sealed, disabled, created_at, public_key, private_wrapped, agency_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		[]any{u.Username, u.RegionCode, u.PasswordHash, u.TOTPSealed, u.Disabled, u.CreatedAt, u.PublicKey, u.PrivateWrapped, nullString(u.AgencyID)}, &u.ID)
	if spiker.ErrorCode(err) == spiker.ECONFLICT {
		return spiker.Errorf(spiker.ECONFLICT, "username %q is already taken; choose another", u.Username)
	} else if err != nil {
		return err
	}
	for _, r := range u.Roles {
		if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, u.ID, string(r)); err != nil {
			return err
		}
	}
	return nil
}

// NewCredentials hashes a password and makes the user's key pair, its
// private half wrapped under the key the password yields. Both are keyed
// with the secret file's password pepper (vault.HashPassword).
func (s UserService) NewCredentials(u *spiker.User, password string) {
	s.newCredentials(u, password)
}

// newCredentials is NewCredentials, returning the new private key.
func (s UserService) newCredentials(u *spiker.User, password string) vault.PrivateKey {
	hash, pk := vault.HashPassword(password, s.PasswordArgon, s.Secrets)
	kp := vault.NewKeyPair()
	u.PasswordHash = hash
	u.PublicKey = kp.Public[:]
	u.PrivateWrapped = vault.WrapPrivateKey(pk, u.Username, kp.Private)
	return kp.Private
}

// Authenticate verifies the password and unlocks the user's private key.
func (s UserService) Authenticate(ctx context.Context, username, password string) (*spiker.Actor, error) {
	fail := spiker.Errorf(spiker.EUNAUTHORIZED, "the username or password is wrong")
	u, err := s.FindUserByUsername(ctx, username)
	if spiker.ErrorCode(err) == spiker.ENOTFOUND || err == nil && !u.Enrolled() {
		// Spend the same time as a real check, so timing does not tell
		// which usernames exist (or have not enrolled yet).
		vault.HashPassword(password, s.PasswordArgon, s.Secrets)
		return nil, fail
	} else if err != nil {
		return nil, err
	}
	ok, upgrade, pk, err := vault.VerifyPassword(u.PasswordHash, password, s.PasswordArgon, s.Secrets)
	if errors.Is(err, vault.ErrNoPepper) {
		return nil, fmt.Errorf("user %d cannot sign in: %w; put back the secret file that belongs to this database", u.ID, err)
	}
	if err != nil || !ok || u.Disabled || !u.Enrolled() {
		return nil, fail
	}
	kp, err := vault.UnwrapPrivateKey(pk, u.Username, u.PrivateWrapped)
	if err != nil {
		return nil, fmt.Errorf("the private key of user %d does not unwrap: %w", u.ID, err)
	}
	key := [32]byte(kp.Private)
	actor := u.Actor(&key)
	if upgrade {
		if err := s.upgradeVerifier(ctx, actor, u, password, kp.Private); err != nil {
			return nil, err
		}
	}
	return actor, nil
}

// upgradeVerifier replaces a verifier made without the pepper, with an
// older pepper version or with weaker Argon2id costs, and re-wraps the
// private key under the key the new hash yields: after it, the database
// alone no longer lets anyone test guesses at this password. It applies
// only if the stored hash is still the one just verified, so a password
// change made meanwhile wins.
func (s UserService) upgradeVerifier(ctx context.Context, actor *spiker.Actor, u *spiker.User, password string, priv vault.PrivateKey) error {
	hash, pk := vault.HashPassword(password, s.PasswordArgon, s.Secrets)
	wrapped := vault.WrapPrivateKey(pk, u.Username, priv)
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1, private_wrapped = $2 WHERE id = $3 AND password_hash = $4`,
			hash, wrapped, u.ID, u.PasswordHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		return s.audit(ctx, tx, actor, "user.password_upgrade", "user", fmt.Sprint(u.ID),
			fmt.Sprintf("verifier keyed with password key version %d", s.Secrets.Current(vault.PurposePassword).ID))
	})
}

// FindUserByID returns the user with the given id or ENOTFOUND.
func (s UserService) FindUserByID(ctx context.Context, id int64) (*spiker.User, error) {
	return s.findUser(ctx, `id = $1`, id)
}

// FindUserByUsername returns the user with the given username or ENOTFOUND.
func (s UserService) FindUserByUsername(ctx context.Context, username string) (*spiker.User, error) {
	return s.findUser(ctx, `username = $1`, username)
}

// CountUsersWithRole returns how many enabled users hold role r.
func (s UserService) CountUsersWithRole(ctx context.Context, r spiker.Role) (int, error) {
	var n int
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id
			WHERE r.role = $1 AND NOT u.disabled`, []any{string(r)}, &n)
	})
	return n, err
}

func (s UserService) findUser(ctx context.Context, where string, arg any) (*spiker.User, error) {
	var u *spiker.User
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		u, err = findUserWhere(ctx, tx, where, arg)
		return err
	})
	return u, err
}

// findUserTx returns a user by id inside a transaction.
func (s UserService) findUserTx(ctx context.Context, tx *sqldb.Tx, id int64) (*spiker.User, error) {
	return findUserWhere(ctx, tx, `id = $1`, id)
}

func findUserWhere(ctx context.Context, tx *sqldb.Tx, where string, arg any) (*spiker.User, error) {
	u := &spiker.User{}
	var agency sql.NullString
	err := tx.Get(ctx, `SELECT id, username, region_code, password_hash, totp_sealed, disabled, created_at, public_key, private_wrapped, agency_id,
		full_name, jabatan, nip
		FROM users WHERE `+where, []any{arg},
		&u.ID, &u.Username, &u.RegionCode, &u.PasswordHash, &u.TOTPSealed, &u.Disabled, &u.CreatedAt, &u.PublicKey, &u.PrivateWrapped, &agency,
		&u.Profile.FullName, &u.Profile.Position, &u.Profile.NIP)
	u.AgencyID = agency.String
	if errors.Is(err, sql.ErrNoRows) {
		return nil, spiker.Errorf(spiker.ENOTFOUND, "user not found")
	} else if err != nil {
		return nil, err
	}
	roles, err := sqldb.QueryStrings(ctx, tx, `SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role`, u.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, spiker.Role(r))
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// ChangePassword replaces a user's password, re-wrapping the same private
// key under the new one: every grant keeps working.
func (s UserService) ChangePassword(ctx context.Context, username, oldPassword, newPassword string, keep *spiker.StaffSession) error {
	// Guessing the current password here is throttled as a sign-in is.
	if err := s.Allow(ctx, spiker.ActionSignIn, "user:"+strings.ToLower(username)); err != nil {
		return err
	}
	actor, err := s.Authenticate(ctx, username, oldPassword)
	if err != nil {
		return err
	}
	if err := spiker.ValidatePassword(newPassword); err != nil {
		return err
	}
	if err := spiker.CheckPasswordStrength(newPassword, username); err != nil {
		return err
	}
	hash, pk := vault.HashPassword(newPassword, s.PasswordArgon, s.Secrets)
	wrapped := vault.WrapPrivateKey(pk, username, vault.PrivateKey(*actor.Key))
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1, private_wrapped = $2 WHERE id = $3`, hash, wrapped, actor.UserID); err != nil {
			return err
		}
		// Whoever else holds a session (a stolen one, say) is signed out;
		// a session's CSRF token is random and its own, so it names it.
		keepCSRF := ""
		if keep != nil {
			keepCSRF = keep.CSRF
		}
		if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1 AND csrf <> $2`, actor.UserID, keepCSRF); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.password_change", "user", fmt.Sprint(actor.UserID), "")
	})
}
