package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// JobRetention is the daily purge of records past their retention, at
// retentionHour local time; each run queues the next day's.
const JobRetention = "retention.purge"

// retentionHour: after the audit anchor (01:00), in the quiet of the night.
const retentionHour = 2

// reminderGrace: a record is purged only once its reminder was raised at
// least RetentionReminder less a day before (the daily runs' hour varies
// by the runner's delay), so that no record goes without its holders
// being told a week ahead — also the first time the policy meets old
// records, which then get their week.
const reminderGrace = spiker.RetentionReminder - 24*time.Hour

type retentionJob struct {
	Day string // YYYY-MM-DD, local
}

// ScheduleRetention makes sure the next daily purge is queued.
func (s *Store) ScheduleRetention(ctx context.Context) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		return s.enqueueRetention(ctx, tx, tx.Now())
	})
}

// enqueueRetention queues the run at the first retentionHour after now.
func (s *Store) enqueueRetention(ctx context.Context, tx *sqldb.Tx, now time.Time) error {
	l := now.In(s.zone())
	at := time.Date(l.Year(), l.Month(), l.Day(), retentionHour, 0, 0, 0, s.zone())
	for !at.After(now) {
		at = time.Date(at.Year(), at.Month(), at.Day()+1, retentionHour, 0, 0, 0, s.zone())
	}
	day := at.Format(time.DateOnly)
	return EnqueueIn(ctx, tx, JobRetention, JobRetention+":"+day, at, retentionJob{Day: day})
}

// RetentionJob is the daily purge job: it queues tomorrow's first (so a
// run that keeps failing does not end the purging), then purges.
func (s *Store) RetentionJob(ctx context.Context, j spiker.Job) error {
	var p retentionJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return err
	}
	if err := s.ScheduleRetention(ctx); err != nil {
		return err
	}
	_, err := s.PurgeDue(ctx)
	return err
}

// PurgeResult counts what one run did.
type PurgeResult struct {
	Reports, Cases, Reminders, Parts int
}

// retentionCandidate is a closed record whose reminder, purge or parts'
// purge may be due.
type retentionCandidate struct {
	kind, id, region string
}

// PurgeDue reminds the holders of records whose purge comes within
// RetentionReminder, purges the records past their retention (and parts
// past theirs), each record in its own transaction. Cases under legal hold
// are left alone. Running it again at once changes nothing.
func (s *Store) PurgeDue(ctx context.Context) (PurgeResult, error) {
	var res PurgeResult
	var p spiker.RetentionPolicy
	var cands []retentionCandidate
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		if p, err = retentionPolicy(ctx, tx); err != nil {
			return err
		}
		cands, err = retentionCandidates(ctx, tx, p)
		return err
	})
	if err != nil {
		return res, err
	}
	for _, c := range cands {
		if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error { return s.retainOrPurge(ctx, tx, p, c, &res) }); err != nil {
			return res, fmt.Errorf("retention of %s %s: %w", c.kind, c.id, err)
		}
	}
	return res, nil
}

// retentionCandidates lists the closed, unpurged records old enough for a
// reminder or a part's purge to be near; cases under hold are left out.
func retentionCandidates(ctx context.Context, tx *sqldb.Tx, p spiker.RetentionPolicy) ([]retentionCandidate, error) {
	near := func(days int) int { return max(days-8, 0) }
	shortest := p.NotCaseDays
	for _, d := range []int{p.FilesDays, p.FollowupDays} {
		if d > 0 {
			shortest = min(shortest, d)
		}
	}
	reportsFrom := tx.Now().AddDate(0, 0, -near(shortest))
	casesFrom := tx.Now().AddDate(-p.CaseYears, 0, 8)
	if shortest < p.NotCaseDays {
		casesFrom = tx.Now().AddDate(0, 0, -near(shortest))
	}
	scan := func(rows *sql.Rows) (c retentionCandidate, err error) {
		return c, rows.Scan(&c.kind, &c.id, &c.region)
	}
	rows, err := tx.Query(ctx, `SELECT 'report', id, region_code FROM reports
		WHERE status = $1 AND case_id IS NULL AND purged_at IS NULL
		AND (closed_at < $2 OR closed_at IS NULL AND (first_response_at < $2 OR first_response_at IS NULL AND created_at < $2)) ORDER BY id`,
		string(spiker.ReportClosed), reportsFrom)
	reports, err := sqldb.Collect(rows, err, scan)
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT 'case', id, region_code FROM cases
		WHERE status = $1 AND purged_at IS NULL AND closed_at < $2 AND id NOT IN (SELECT case_id FROM legal_holds) ORDER BY id`,
		spiker.CaseClosed, casesFrom)
	cases, err := sqldb.Collect(rows, err, scan)
	return append(reports, cases...), err
}

// retainOrPurge handles one record: purge when due and reminded, remind
// when within the week, else purge the parts kept shorter.
func (s *Store) retainOrPurge(ctx context.Context, tx *sqldb.Tx, p spiker.RetentionPolicy, c retentionCandidate, res *PurgeResult) error {
	// The record may have changed since the list (reopened, held, extended).
	var e recordEnd
	var err error
	var end time.Time
	if c.kind == kindCase {
		if on, err := caseOnHold(ctx, tx, c.id); err != nil || on {
			return err
		}
		e, err = caseEnd(ctx, tx, c.id)
		end = p.CaseRetentionEnd(e.closed, e.keep, s.zone())
	} else {
		e, err = reportEnd(ctx, tx, c.id)
		end = p.ReportRetentionEnd(e.closed, e.keep, s.zone())
	}
	if err != nil || !e.ok {
		return err
	}
	now := tx.Now()
	if now.Before(end.Add(-spiker.RetentionReminder)) {
		return s.purgeParts(ctx, tx, p, c.kind, c.id, e, res)
	}
	a := alertJob{Kind: c.kind, ID: c.id, Reason: spiker.AlertRetentionEnding, Due: end.Unix(), Region: c.region}
	var reminded int
	if err := tx.Get(ctx, `SELECT COUNT(*) FROM alerts WHERE id = $1 AND created_at <= $2`, []any{alertID(a), now.Add(-reminderGrace)}, &reminded); err != nil {
		return err
	}
	if now.Before(end) || reminded == 0 {
		res.Reminders++
		return raise(ctx, tx, a)
	}
	if c.kind == kindCase {
		res.Cases++
		return s.shredCase(ctx, tx, c.id, "retention")
	}
	res.Reports++
	return s.shredReport(ctx, tx, c.id, "retention")
}

// purgeParts shreds the files and follow-up conversations kept shorter
// than their record, once their own end has passed.
func (s *Store) purgeParts(ctx context.Context, tx *sqldb.Tx, p spiker.RetentionPolicy, kind, id string, e recordEnd, res *PurgeResult) error {
	now := tx.Now()
	due := func(days int) bool {
		end, ok := spiker.PartEnd(e.closed, days, e.keep, s.zone())
		return ok && !now.Before(end)
	}
	reports := []string{id}
	if kind == kindCase {
		var err error
		if reports, err = sqldb.QueryStrings(ctx, tx, `SELECT id FROM reports WHERE case_id = $1 ORDER BY id`, id); err != nil {
			return err
		}
	}
	const files = `SELECT (SELECT COUNT(*) FROM report_files WHERE report_id = $1) + (SELECT COUNT(*) FROM whatsapp_media WHERE report_id = $1)`
	const followup = `SELECT (SELECT COUNT(*) FROM report_messages WHERE report_id = $1) + (SELECT COUNT(*) FROM followup_sessions WHERE report_id = $1)
		+ (SELECT COUNT(*) FROM submissions WHERE report_id = $1)`
	for _, r := range reports {
		if due(p.FilesDays) {
			if err := s.shredPart(ctx, tx, kindReport, r, "purged.files", files, shredReportFiles, res); err != nil {
				return err
			}
		}
		if due(p.FollowupDays) {
			if err := s.shredPart(ctx, tx, kindReport, r, "purged.followup", followup, shredFollowup, res); err != nil {
				return err
			}
		}
	}
	if kind == kindCase && due(p.FilesDays) {
		return s.shredPart(ctx, tx, kindCase, id, "purged.files", `SELECT COUNT(*) FROM case_files WHERE case_id = $1`, shredCaseFiles, res)
	}
	return nil
}

// shredPart shreds one part of a record when it still has rows, with the
// audit entry action (purged.files, purged.followup).
func (s *Store) shredPart(ctx context.Context, tx *sqldb.Tx, kind, id, action, count string, shred func(context.Context, *sqldb.Tx, string) error, res *PurgeResult) error {
	var n int
	if err := tx.Get(ctx, count, []any{id}, &n); err != nil || n == 0 {
		return err
	}
	if err := shred(ctx, tx, id); err != nil {
		return err
	}
	res.Parts++
	return s.audit(ctx, tx, spiker.System, action, kind, id, "retention")
}
