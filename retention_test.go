package spiker_test

import (
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

func TestRetentionEnd(t *testing.T) {
	wib := spiker.TimeZone("")
	local := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, wib) }
	p := spiker.DefaultRetention
	for _, c := range []struct {
		name   string
		got    time.Time
		want   time.Time
		before time.Time // an instant that is not yet due
	}{
		// Closed late at night (23:50 WIB is 16:50 UTC the same day): the
		// 90 days count from the local date.
		{"report closed at night", p.ReportRetentionEnd(local(2026, 1, 10, 23, 50), time.Time{}, wib), local(2026, 4, 11, 0, 0), local(2026, 4, 10, 23, 59)},
		// Closed just after midnight local time (still the day before in UTC).
		{"report closed after midnight", p.ReportRetentionEnd(local(2026, 1, 11, 0, 5), time.Time{}, wib), local(2026, 4, 12, 0, 0), local(2026, 4, 11, 23, 59)},
		// Month end: 31 January plus 90 days is 1 May.
		{"report closed at month end", p.ReportRetentionEnd(local(2026, 1, 31, 12, 0), time.Time{}, wib), local(2026, 5, 2, 0, 0), local(2026, 5, 1, 23, 59)},
		// Five years from 29 February falls on 1 March.
		{"case closed on 29 February", p.CaseRetentionEnd(local(2028, 2, 29, 9, 0), time.Time{}, wib), local(2033, 3, 2, 0, 0), local(2033, 3, 1, 12, 0)},
		{"case closed on 31 December at night", p.CaseRetentionEnd(local(2026, 12, 31, 23, 59), time.Time{}, wib), local(2032, 1, 1, 0, 0), local(2031, 12, 31, 23, 59)},
		// An extension moves the end to the day after its last day.
		{"extended report", p.ReportRetentionEnd(local(2026, 1, 10, 10, 0), local(2026, 6, 30, 12, 0), wib), local(2026, 7, 1, 0, 0), local(2026, 6, 30, 23, 59)},
		// An extension earlier than the policy's end changes nothing.
		{"earlier extension", p.ReportRetentionEnd(local(2026, 1, 10, 10, 0), local(2026, 2, 1, 12, 0), wib), local(2026, 4, 11, 0, 0), local(2026, 4, 10, 23, 0)},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("%s: end %v, want %v", c.name, c.got.In(wib), c.want)
		}
		if !c.before.Before(c.got) {
			t.Errorf("%s: due already at %v", c.name, c.before)
		}
	}
	if _, ok := spiker.PartEnd(local(2026, 1, 10, 10, 0), 0, time.Time{}, wib); ok {
		t.Error("files kept with their record have an end of their own")
	}
	if end, ok := spiker.PartEnd(local(2026, 1, 31, 23, 30), 30, time.Time{}, wib); !ok || !end.Equal(local(2026, 3, 3, 0, 0)) {
		t.Errorf("files kept 30 days from 31 January: %v", end.In(wib))
	}
}

func TestRetentionPolicyValidate(t *testing.T) {
	for _, c := range []struct {
		p      spiker.RetentionPolicy
		fields []string
	}{
		{spiker.DefaultRetention, nil},
		{spiker.RetentionPolicy{NotCaseDays: 30, CaseYears: 1, FilesDays: 0, FollowupDays: 0}, nil},
		{spiker.RetentionPolicy{NotCaseDays: 3650, CaseYears: 30, FilesDays: 30, FollowupDays: 3649}, nil},
		{spiker.RetentionPolicy{NotCaseDays: 29, CaseYears: 0}, []string{"not_case_days", "case_years"}},
		{spiker.RetentionPolicy{NotCaseDays: 3651, CaseYears: 31}, []string{"not_case_days", "case_years"}},
		{spiker.RetentionPolicy{NotCaseDays: 90, CaseYears: 5, FilesDays: 29, FollowupDays: 90}, []string{"files_days", "followup_days"}},
		{spiker.RetentionPolicy{NotCaseDays: 90, CaseYears: 5, FilesDays: -1, FollowupDays: 30}, []string{"files_days"}},
	} {
		err := c.p.Validate()
		fields := spiker.ErrorFields(err)
		if len(fields) != len(c.fields) || (c.fields == nil) != (err == nil) {
			t.Errorf("%+v: %v, want fields %v", c.p, err, c.fields)
			continue
		}
		for _, f := range c.fields {
			if fields[f] == "" {
				t.Errorf("%+v: no message for %s (%v)", c.p, f, fields)
			}
		}
	}
}

func TestRetentionExtensionValidate(t *testing.T) {
	wib := spiker.TimeZone("")
	now := time.Date(2026, 4, 5, 23, 30, 0, 0, wib)
	end := time.Date(2026, 4, 11, 0, 0, 0, 0, wib)
	for _, c := range []struct {
		until, reason string
		fields        []string
	}{
		{"2026-04-11", "Menunggu putusan banding", nil},
		{"2026-04-10", "Menunggu putusan banding", []string{"keep_until"}}, // the current last day
		{"2036-04-06", "alasan", []string{"keep_until"}},
		{"11/04/2026", "", []string{"keep_until", "keep_reason"}},
		{"2026-05-01", "   ", []string{"keep_reason"}},
	} {
		e := spiker.RetentionExtension{Until: c.until, Reason: c.reason}
		keep, err := e.Validate(end.UTC(), now.UTC(), wib)
		fields := spiker.ErrorFields(err)
		if len(fields) != len(c.fields) {
			t.Errorf("%q %q: %v, want %v", c.until, c.reason, fields, c.fields)
			continue
		}
		if err == nil && keep.In(wib).Format(time.DateOnly) != c.until {
			t.Errorf("%q: keep until %v", c.until, keep)
		}
	}
	if spiker.ValidHoldReason(" ") == nil || spiker.ValidHoldReason("Perkara No. 12/Pid.Sus/2026/PN Sda") != nil {
		t.Error("the hold's reason is checked wrong")
	}
}
