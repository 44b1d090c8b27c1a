package store

import (
	"context"
	"strconv"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// RaiseBackupFailed tells the administrators (the holders of
// PermSettings), in the app and on their channels, that the day's
// scheduled backup failed; once per day however often its retries fail.
func (s *Store) RaiseBackupFailed(ctx context.Context, day string) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		id := "backup-failed-" + day
		res, err := tx.Exec(ctx, `INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at)
			VALUES ($1, 'backup', $2, $3, '', FALSE, $4, '', '/staf/pengaturan', $5) ON CONFLICT (id) DO NOTHING`,
			id, day, spiker.AlertBackupFailed, spiker.LevelDuty, tx.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // raised by an earlier attempt
		}
		ids, err := permHolders(ctx, tx, spiker.PermSettings)
		if err != nil {
			return err
		}
		return notifyUsers(ctx, tx, id, spiker.LevelDuty, ids)
	})
}

// permHolders lists the active users whose roles grant perm (the policy's
// table decides which roles those are).
func permHolders(ctx context.Context, tx *sqldb.Tx, perm spiker.Permission) ([]int64, error) {
	var roles []any
	var marks string
	for _, r := range spiker.Roles {
		if (&spiker.Actor{Roles: []spiker.Role{r}}).Can(perm) {
			roles = append(roles, string(r))
			if marks != "" {
				marks += ", "
			}
			marks += "$" + strconv.Itoa(len(roles))
		}
	}
	if len(roles) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE r.role IN (`+marks+`) AND NOT u.disabled ORDER BY u.id`, roles...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanIDs(rows)
}
