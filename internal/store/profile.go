package store

import (
	"context"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// SetProfile replaces a user's profile (full name, jabatan, NIP). Users
// edit their own (self); an administrator edits the accounts of their
// region (user.manage). Refusals and changes are audited; the audit entry
// says which fields changed, not their values.
func (s UserService) SetProfile(ctx context.Context, actor *spiker.Actor, userID int64, p spiker.Profile) error {
	p.Normalize()
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		perm := spiker.PermUserManage
		if actor != nil && actor.UserID == userID {
			perm = spiker.PermSelf
		}
		var err error
		if denied, err = s.authorizeUser(ctx, tx, actor, perm, userID); err != nil {
			return err
		} else if denied != nil {
			return s.audit(ctx, tx, actor, "user.profile_denied", "user", fmt.Sprint(userID), "policy")
		}
		if err := p.Validate(); err != nil {
			return err
		}
		var old spiker.Profile
		if err := tx.Get(ctx, `SELECT full_name, jabatan, nip FROM users WHERE id = $1`, []any{userID}, &old.FullName, &old.Position, &old.NIP); err != nil {
			return err
		}
		if old == p {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET full_name = $1, jabatan = $2, nip = $3 WHERE id = $4`, p.FullName, p.Position, p.NIP, userID); err != nil {
			return err
		}
		changed := ""
		for _, c := range []struct {
			name     string
			old, new string
		}{{"full_name", old.FullName, p.FullName}, {"jabatan", old.Position, p.Position}, {"nip", old.NIP, p.NIP}} {
			if c.old != c.new {
				changed += c.name + " "
			}
		}
		return s.audit(ctx, tx, actor, "user.profile", "user", fmt.Sprint(userID), changed[:len(changed)-1])
	})
	if err != nil {
		return err
	}
	return denied
}
