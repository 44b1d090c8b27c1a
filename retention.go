package spiker

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// RetentionPolicy is how long the office keeps a record after it ended,
// set by the admin. When a record's time is up its content is destroyed
// by crypto-shredding (its keys and ciphertext deleted); the statistics
// counts and a tombstone stay. A legal hold stops every purge of a case.
type RetentionPolicy struct {
	// NotCaseDays: a report closed as not a case is kept this many days
	// after it was closed.
	NotCaseDays int
	// CaseYears: a closed case (with the reports it came from) is kept
	// this many years after its closure.
	CaseYears int
	// FilesDays: the files of a closed record (evidence, letters) go this
	// many days after its closure when that is sooner than the record
	// itself; 0 keeps them as long as their record.
	FilesDays int
	// FollowupDays: the follow-up conversation of a report (the messages
	// with the reporter and the follow-up sessions) goes this many days
	// after the report or its case was closed, when sooner; 0 keeps it as
	// long as its report.
	FollowupDays int
}

// DefaultRetention: 90 days for a report that was not a case (as
// GlobaLeaks does); 5 years for a closed case, the period for which an
// office's case archive (berkas layanan) is commonly kept active before
// the archive schedule (JRA) applies, and longer than the usual limits
// for a victim to claim restitution or reopen a matter with the police.
// Files and follow-up conversations go with their record.
var DefaultRetention = RetentionPolicy{NotCaseDays: 90, CaseYears: 5}

// Bounds of the retention settings.
const (
	RetentionMinNotCaseDays = 30   // time to notice a report closed by mistake
	RetentionMaxNotCaseDays = 3650 // ten years
	RetentionMinCaseYears   = 1
	RetentionMaxCaseYears   = 30
	RetentionMinPartDays    = 30
	// RetentionReminder: the holders are told this long before a record
	// is purged, with a way to extend it.
	RetentionReminder = 7 * 24 * time.Hour
	// RetentionMaxExtension bounds how far ahead one extension may go.
	RetentionMaxExtensionYears = 10
	MaxHoldReason              = 1000
)

// Validate keeps the policy within bounds; a part (files, follow-ups)
// cannot be kept longer than the shortest record it belongs to.
func (p *RetentionPolicy) Validate() error {
	f := map[string]string{}
	if p.NotCaseDays < RetentionMinNotCaseDays || p.NotCaseDays > RetentionMaxNotCaseDays {
		f["not_case_days"] = "retention.err.not_case"
	}
	if p.CaseYears < RetentionMinCaseYears || p.CaseYears > RetentionMaxCaseYears {
		f["case_years"] = "retention.err.case"
	}
	part := func(field string, n int) {
		if n != 0 && (n < RetentionMinPartDays || n >= p.NotCaseDays) {
			f[field] = "retention.err.part"
		}
	}
	part("files_days", p.FilesDays)
	part("followup_days", p.FollowupDays)
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the retention periods have values out of range", Fields: f}
	}
	return nil
}

// RetentionEnd is when a record ended at closed is due to be purged:
// the start of the regency's day after the last day it is kept (closed's
// local date plus the period), so that a purge never comes before that
// whole day has passed, whatever the hour the record was closed. keep,
// when later (an extension: the last local day to keep), wins.
func RetentionEnd(closed time.Time, years, days int, keep time.Time, zone *time.Location) time.Time {
	l := closed.In(zone)
	last := time.Date(l.Year(), l.Month(), l.Day(), 12, 0, 0, 0, zone).AddDate(years, 0, days)
	if !keep.IsZero() {
		k := keep.In(zone)
		if k = time.Date(k.Year(), k.Month(), k.Day(), 12, 0, 0, 0, zone); k.After(last) {
			last = k
		}
	}
	return time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, zone).UTC()
}

// ReportRetentionEnd is when a report closed as not a case is purged.
func (p RetentionPolicy) ReportRetentionEnd(closed, keep time.Time, zone *time.Location) time.Time {
	return RetentionEnd(closed, 0, p.NotCaseDays, keep, zone)
}

// CaseRetentionEnd is when a closed case is purged.
func (p RetentionPolicy) CaseRetentionEnd(closed, keep time.Time, zone *time.Location) time.Time {
	return RetentionEnd(closed, p.CaseYears, 0, keep, zone)
}

// PartEnd is when a part kept days (files, follow-ups) goes, or ok=false
// when it goes with its record. An extension of the record keeps its
// parts too.
func PartEnd(closed time.Time, days int, keep time.Time, zone *time.Location) (time.Time, bool) {
	if days == 0 {
		return time.Time{}, false
	}
	return RetentionEnd(closed, 0, days, keep, zone), true
}

// RetentionExtension asks to keep a record until a later date.
type RetentionExtension struct {
	Until  string // YYYY-MM-DD, the last local day to keep the record
	Reason string
}

// Validate checks an extension against the record's current end: the new
// last day must come after it and within RetentionMaxExtensionYears from
// today; the reason is required.
func (e *RetentionExtension) Validate(end, now time.Time, zone *time.Location) (time.Time, error) {
	f := map[string]string{}
	e.Reason = strings.TrimSpace(e.Reason)
	until, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(e.Until), zone)
	switch {
	case err != nil:
		f["keep_until"] = "retention.err.until"
	case !RetentionEnd(until, 0, 0, time.Time{}, zone).After(end):
		f["keep_until"] = "retention.err.until_early"
	case until.After(now.In(zone).AddDate(RetentionMaxExtensionYears, 0, 0)):
		f["keep_until"] = "retention.err.until_late"
	}
	if e.Reason == "" || utf8.RuneCountInString(e.Reason) > MaxHoldReason {
		f["keep_reason"] = "retention.err.reason"
	}
	if len(f) > 0 {
		return time.Time{}, &Error{Code: EINVALID, Message: "choose a later date to keep the record until and give the reason", Fields: f}
	}
	return until.Add(12 * time.Hour).UTC(), nil
}

// ValidHoldReason checks a legal hold's reason.
func ValidHoldReason(reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > MaxHoldReason {
		return &Error{Code: EINVALID, Message: "give the reason for the legal hold (the court proceedings)", Fields: map[string]string{"hold_reason": "hold.err.reason"}}
	}
	return nil
}

// RetentionState is what a case or report page shows of its retention.
type RetentionState struct {
	Applies  bool      // the record is closed: a purge date runs
	End      time.Time // when it is purged
	Extended bool      // the end was moved by an extension
	Hold     bool      // a legal hold stops the purge (cases)
	HoldBy   string    // who put the hold
	HoldAt   time.Time
	Reason   string // the hold's reason, to one who holds its key ("" otherwise)
}

// ErrOnHold is returned by any purge of a case under legal hold.
var ErrOnHold = &Error{Code: ECONFLICT, Message: "the case is under a legal hold; nothing of it may be purged"}

// AlertRetentionEnding: a closed record is purged in RetentionReminder;
// its holders may extend it. The alert names the record and nothing of it.
const AlertRetentionEnding = "retention_ending"

// Retention is the retention policy, legal holds and extensions.
type Retention interface {
	RetentionPolicy(ctx context.Context) (RetentionPolicy, error)
	// SetRetentionPolicy saves the policy (PermSettings).
	SetRetentionPolicy(ctx context.Context, actor *Actor, p RetentionPolicy) error
	// CaseRetention and ReportRetention are what a record's page shows;
	// the actor must be allowed to read the record.
	CaseRetention(ctx context.Context, actor *Actor, caseID string) (RetentionState, error)
	ReportRetention(ctx context.Context, actor *Actor, reportID string) (RetentionState, error)
	// PutLegalHold and LiftLegalHold (PermLegalHold, in the case's region).
	PutLegalHold(ctx context.Context, actor *Actor, caseID, reason string) error
	LiftLegalHold(ctx context.Context, actor *Actor, caseID string) error
	// ExtendCase (the case's team, PermCaseWrite with its key) and
	// ExtendReport (PermReportTriage with its key) keep a closed record
	// past its policy's end, with a reason.
	ExtendCase(ctx context.Context, actor *Actor, caseID string, e RetentionExtension) error
	ExtendReport(ctx context.Context, actor *Actor, reportID string, e RetentionExtension) error
}
