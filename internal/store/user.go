package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/spikerperak/spiker"
)

// UserService implements spiker.UserService.
type UserService struct{ db *DB }

// NewUserService returns a UserService on db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ spiker.UserService = (*UserService)(nil)

// CreateUser stores u and its roles in one transaction.
func (s *UserService) CreateUser(ctx context.Context, u *spiker.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx *Tx) error {
		u.CreatedAt = tx.Now()
		err := tx.Get(ctx, `INSERT INTO users (username, region_code, password_hash, totp_sealed, disabled, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			[]any{u.Username, u.RegionCode, u.PasswordHash, u.TOTPSealed, u.Disabled, u.CreatedAt}, &u.ID)
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
	})
}

// FindUserByID returns the user with the given id or ENOTFOUND.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*spiker.User, error) {
	return s.findUser(ctx, `id = $1`, id)
}

// FindUserByUsername returns the user with the given username or ENOTFOUND.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*spiker.User, error) {
	return s.findUser(ctx, `username = $1`, username)
}

// CountUsersWithRole returns how many enabled users hold role r.
func (s *UserService) CountUsersWithRole(ctx context.Context, r spiker.Role) (int, error) {
	var n int
	err := s.db.View(ctx, func(tx *Tx) error {
		return tx.Get(ctx, `SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id
			WHERE r.role = $1 AND NOT u.disabled`, []any{string(r)}, &n)
	})
	return n, err
}

func (s *UserService) findUser(ctx context.Context, where string, arg any) (*spiker.User, error) {
	u := &spiker.User{}
	err := s.db.View(ctx, func(tx *Tx) error {
		err := tx.Get(ctx, `SELECT id, username, region_code, password_hash, totp_sealed, disabled, created_at
			FROM users WHERE `+where, []any{arg},
			&u.ID, &u.Username, &u.RegionCode, &u.PasswordHash, &u.TOTPSealed, &u.Disabled, &u.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "user not found")
		} else if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role`, u.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				return err
			}
			u.Roles = append(u.Roles, spiker.Role(r))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}
