package store

import (
	"context"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/totp"
)

var _ spiker.UserAdmin = UserService{}

// ListUsers lists the accounts inside the admin's region.
func (s UserService) ListUsers(ctx context.Context, actor *spiker.Actor) ([]*spiker.User, error) {
	if err := spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{}); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.DB.View(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM users WHERE region_code = $1 OR region_code LIKE $2 ORDER BY username`, actor.RegionCode, actor.RegionCode+".%")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	var out []*spiker.User
	for _, id := range ids {
		u, err := s.FindUserByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// AddUser creates an account with a password, a key pair and a TOTP secret,
// and returns a one-time enrolment link token for its first sign-in.
func (s UserService) AddUser(ctx context.Context, actor *spiker.Actor, u *spiker.User, password string) (string, error) {
	if err := spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{RegionCode: u.RegionCode}); err != nil {
		return "", err
	}
	if err := spiker.ValidatePassword(password); err != nil {
		return "", withField(err, "password")
	}
	if err := spiker.CheckPasswordStrength(password, u.Username); err != nil {
		return "", withField(err, "password")
	}
	u.PasswordHash = "-"
	if err := u.Validate(); err != nil {
		return "", withField(err, "username")
	}
	s.NewCredentials(u, password)
	secret, _, err := totp.Generate(u.Username)
	if err != nil {
		return "", err
	}
	u.TOTPSealed = totp.Seal(s.Secrets, u.Username, secret)
	if err := s.CreateUser(ctx, u); err != nil {
		return "", withField(err, "username")
	}
	return s.NewEnrolment(ctx, u.ID)
}

// withField attaches a field to an EINVALID or ECONFLICT error for forms.
func withField(err error, field string) error {
	code := spiker.ErrorCode(err)
	if code != spiker.EINVALID && code != spiker.ECONFLICT || len(spiker.ErrorFields(err)) > 0 {
		return err
	}
	key := spiker.ErrorFields(err)[field] // a specific message, e.g. a weak password's
	if key == "" {
		key = "admin.err." + field
	}
	return &spiker.Error{Code: spiker.EINVALID, Message: spiker.ErrorMessage(err), Fields: map[string]string{field: key}}
}

// userRegion loads a user's region for the policy.
func (s UserService) userRegion(ctx context.Context, tx *Tx, id int64) (string, error) {
	var region string
	if err := tx.Get(ctx, `SELECT region_code FROM users WHERE id = $1`, []any{id}, &region); err != nil {
		return "", spiker.Errorf(spiker.ENOTFOUND, "user not found")
	}
	return region, nil
}

// SetDisabled disables (or enables) an account; disabling ends its sessions.
func (s UserService) SetDisabled(ctx context.Context, actor *spiker.Actor, userID int64, disabled bool) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *Tx) error {
		region, err := s.userRegion(ctx, tx, userID)
		if err != nil {
			return err
		}
		if denied = spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{RegionCode: region}); denied != nil {
			return nil
		}
		if userID == actor.UserID && disabled {
			return spiker.Errorf(spiker.ECONFLICT, "you cannot disable your own account")
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = $1 WHERE id = $2`, disabled, userID); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, userID); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "user.disabled", "user", fmt.Sprint(userID), fmt.Sprint(disabled))
	})
	if err != nil {
		return err
	}
	return denied
}

// SetRoles replaces a user's roles and region scope. A new case-reading
// role still needs admission to its group's key by a member.
func (s UserService) SetRoles(ctx context.Context, actor *spiker.Actor, userID int64, roles []spiker.Role, region string) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *Tx) error {
		old, err := s.userRegion(ctx, tx, userID)
		if err != nil {
			return err
		}
		// The policy first: a refusal never depends on what was sent.
		if denied = spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{RegionCode: old}); denied != nil {
			return nil
		}
		if userID == actor.UserID {
			// Separation of duties: nobody widens their own access.
			return &spiker.Error{Code: spiker.EINVALID, Message: "you cannot change your own roles or region; ask another administrator",
				Fields: map[string]string{"roles": "admin.err.self"}}
		}
		probe := &spiker.User{Username: "probe", Roles: roles, RegionCode: region, PasswordHash: "-"}
		if err := probe.Validate(); err != nil {
			return withField(err, "roles")
		}
		if denied = spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{RegionCode: region}); denied != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_roles WHERE user_id = $1`, userID); err != nil {
			return err
		}
		names := ""
		for _, r := range roles {
			if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, userID, string(r)); err != nil {
				return err
			}
			names += string(r) + " "
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET region_code = $1 WHERE id = $2`, region, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.roles", "user", fmt.Sprint(userID), names+region)
	})
	if err != nil {
		return err
	}
	return denied
}
