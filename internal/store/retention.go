package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// RetentionService implements spiker.Retention: the admin's retention
// policy, legal holds on cases and extensions of a record's retention.
// The purge itself is the daily retention job (purge_job.go).
type RetentionService struct{ *Store }

// The settings rows of the retention policy.
const (
	retentionNotCase  = "retention.not_case_days"
	retentionCase     = "retention.case_years"
	retentionFiles    = "retention.files_days"
	retentionFollowup = "retention.followup_days"
)

// Record kinds of the sealed reasons' keys.
const (
	kindLegalHold = "legal_hold"
	kindExtension = "retention_extension"
)

var retentionSettings = []struct {
	name string
	ref  func(p *spiker.RetentionPolicy) *int
}{
	{retentionNotCase, func(p *spiker.RetentionPolicy) *int { return &p.NotCaseDays }},
	{retentionCase, func(p *spiker.RetentionPolicy) *int { return &p.CaseYears }},
	{retentionFiles, func(p *spiker.RetentionPolicy) *int { return &p.FilesDays }},
	{retentionFollowup, func(p *spiker.RetentionPolicy) *int { return &p.FollowupDays }},
}

// retentionPolicy reads the policy in tx (defaults where unset). One row,
// as timeLimits reads its settings.
func retentionPolicy(ctx context.Context, tx *sqldb.Tx) (spiker.RetentionPolicy, error) {
	p := spiker.DefaultRetention
	var all sql.NullString
	if err := tx.Get(ctx, `SELECT string_agg(name || '=' || value, ',') FROM settings WHERE name LIKE 'retention.%'`, nil, &all); err != nil {
		return p, err
	}
	for pair := range strings.SplitSeq(all.String, ",") {
		name, value, _ := strings.Cut(pair, "=")
		n, err := strconv.Atoi(value)
		if err != nil {
			continue
		}
		for _, rs := range retentionSettings {
			if rs.name == name {
				*rs.ref(&p) = n
			}
		}
	}
	return p, nil
}

// RetentionPolicy returns the retention policy.
func (s RetentionService) RetentionPolicy(ctx context.Context) (spiker.RetentionPolicy, error) {
	var p spiker.RetentionPolicy
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		p, err = retentionPolicy(ctx, tx)
		return err
	})
	return p, err
}

// SetRetentionPolicy saves the policy (admin). The next daily purge uses it.
func (s RetentionService) SetRetentionPolicy(ctx context.Context, actor *spiker.Actor, p spiker.RetentionPolicy) error {
	if err := spiker.Authorize(actor, spiker.PermSettings, spiker.Scope{}); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var summary []string
		for _, rs := range retentionSettings {
			v := strconv.Itoa(*rs.ref(&p))
			if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, rs.name, v, tx.Now()); err != nil {
				return err
			}
			summary = append(summary, strings.TrimPrefix(rs.name, "retention.")+"="+v)
		}
		return s.audit(ctx, tx, actor, "settings.retention", "settings", "retention", strings.Join(summary, " "))
	})
}

// recordEnd is a closed record's retention: when it ended, the extension
// (zero: none) and its purge time under p. ok=false: the record is not
// closed (or already purged), so no purge date runs.
type recordEnd struct {
	closed, keep time.Time
	ok           bool
}

// caseEnd reads a case's closure and extension.
func caseEnd(ctx context.Context, tx *sqldb.Tx, caseID string) (recordEnd, error) {
	var closed, keep, purged sql.NullTime
	var status string
	err := tx.Get(ctx, `SELECT status, closed_at, keep_until, purged_at FROM cases WHERE id = $1`, []any{caseID}, &status, &closed, &keep, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return recordEnd{}, spiker.Errorf(spiker.ENOTFOUND, "case not found")
	}
	return recordEnd{closed.Time, keep.Time, err == nil && status == spiker.CaseClosed && closed.Valid && !purged.Valid}, err
}

// reportEnd reads a report's closure as not a case and its extension; a
// report closed before closed_at was kept counts from its first response.
func reportEnd(ctx context.Context, tx *sqldb.Tx, reportID string) (recordEnd, error) {
	var closed, first, keep, purged sql.NullTime
	var created time.Time
	var status string
	var caseID sql.NullString
	err := tx.Get(ctx, `SELECT status, case_id, closed_at, first_response_at, created_at, keep_until, purged_at FROM reports WHERE id = $1`,
		[]any{reportID}, &status, &caseID, &closed, &first, &created, &keep, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return recordEnd{}, spiker.Errorf(spiker.ENOTFOUND, "report not found")
	}
	ok := err == nil && status == string(spiker.ReportClosed) && !caseID.Valid && !purged.Valid
	return recordEnd{reportClosed(closed, first, created), keep.Time, ok}, err
}

// reportClosed is when a report was closed; one closed before closed_at
// was kept counts from its first response (or its arrival).
func reportClosed(closed, first sql.NullTime, created time.Time) time.Time {
	switch {
	case closed.Valid:
		return closed.Time
	case first.Valid:
		return first.Time
	}
	return created
}

// CaseRetention is a case's retention and hold, for its page (one who may
// read the case; the page's own view is audited already).
func (s RetentionService) CaseRetention(ctx context.Context, actor *spiker.Actor, caseID string) (spiker.RetentionState, error) {
	var st spiker.RetentionState
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		if _, err := authorizeCaseRead(ctx, tx, actor, caseID); err != nil {
			return err
		}
		p, err := retentionPolicy(ctx, tx)
		if err != nil {
			return err
		}
		e, err := caseEnd(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if e.ok {
			st.Applies, st.Extended = true, !e.keep.IsZero()
			st.End = p.CaseRetentionEnd(e.closed, e.keep, s.zone())
		}
		return holdState(ctx, tx, actor, caseID, &st)
	})
	return st, err
}

// ReportRetention is a report's retention, for its page.
func (s RetentionService) ReportRetention(ctx context.Context, actor *spiker.Actor, reportID string) (spiker.RetentionState, error) {
	var st spiker.RetentionState
	err := ReportService(s).withReportScope(ctx, actor, spiker.PermReportRead, reportID, func(tx *sqldb.Tx) error {
		p, err := retentionPolicy(ctx, tx)
		if err != nil {
			return err
		}
		e, err := reportEnd(ctx, tx, reportID)
		if err != nil || !e.ok {
			return err
		}
		st.Applies, st.Extended = true, !e.keep.IsZero()
		st.End = p.ReportRetentionEnd(e.closed, e.keep, s.zone())
		return nil
	})
	return st, err
}
