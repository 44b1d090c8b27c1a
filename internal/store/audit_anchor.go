package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// JobAuditAnchor is the daily anchor of the audit chain: a signed digest of
// its head, sent to every holder of PermAudit.
const JobAuditAnchor = "audit.anchor"

// anchorHour is when, in local time, the daily anchor is made.
const anchorHour = 1

type anchorJob struct {
	Day string // YYYY-MM-DD, local
}

// ScheduleAnchors makes sure an anchor job is waiting: at the first 01:00
// local time at least an hour away (a day's job already there is not
// added again); each run schedules the next day's. Called when the job
// runner starts.
func (s AuditService) ScheduleAnchors(ctx context.Context) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		at := s.anchorTime(tx.Now().In(s.zone()))
		for !at.After(tx.Now().Add(time.Hour)) {
			at = s.anchorTime(at.AddDate(0, 0, 1))
		}
		day := at.Format(time.DateOnly)
		return EnqueueIn(ctx, tx, JobAuditAnchor, JobAuditAnchor+":"+day, at, anchorJob{Day: day})
	})
}

// anchorTime is the anchor's time on day d (local).
func (s AuditService) anchorTime(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), anchorHour, 0, 0, 0, s.zone())
}

// DailyAnchor is the audit.anchor job: it verifies the chain, signs its
// head and notifies the holders of PermAudit (supervisors) with the digest
// alone, in the app and on their channels (e-mail and the like), once per
// day; then it schedules tomorrow's. A broken chain is alerted instead,
// urgently.
func (s AuditService) DailyAnchor(ctx context.Context, j spiker.Job) error {
	var p anchorJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return err
	}
	day, err := time.ParseInLocation(time.DateOnly, p.Day, s.zone())
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		reason, digest, urgent := "audit_anchor", "", false
		a, err := s.anchorIn(ctx, tx)
		if spiker.ErrorCode(err) == spiker.ECONFLICT {
			reason, urgent = "audit_broken", true
		} else if err != nil {
			return err
		} else {
			digest = a.String()
		}
		id := "audit-anchor-" + p.Day
		res, err := tx.Exec(ctx, `INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at)
			VALUES ($1, 'audit', $2, $3, '', $4, $5, '', '/staf/audit', $6) ON CONFLICT (id) DO NOTHING`,
			id, digest, reason, urgent, spiker.LevelSupervisors, tx.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			ids, err := auditHolders(ctx, tx)
			if err != nil {
				return err
			}
			if err := notifyUsers(ctx, tx, id, spiker.LevelSupervisors, ids); err != nil {
				return err
			}
		}
		// The next day's; after a stop of days, the next to come (one
		// anchor for the days missed, not one for each).
		at := s.anchorTime(day.AddDate(0, 0, 1))
		for !at.After(tx.Now()) {
			at = s.anchorTime(at.AddDate(0, 0, 1))
		}
		nextDay := at.Format(time.DateOnly)
		return EnqueueIn(ctx, tx, JobAuditAnchor, JobAuditAnchor+":"+nextDay, at, anchorJob{Day: nextDay})
	})
}

// auditHolders lists the active users whose roles grant PermAudit.
func auditHolders(ctx context.Context, tx *sqldb.Tx) ([]int64, error) {
	return permHolders(ctx, tx, spiker.PermAudit)
}
