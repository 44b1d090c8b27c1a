package spiker_test

import (
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// One function colours every time limit; the table walks each clock of the
// national standard through its states at the moments around its amber and
// due instants.
func TestDeadlineState(t *testing.T) {
	start := time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC) // 23:30 WIB, the last night of a month
	wib := spiker.TimeZone("35.24")
	plan, _ := spiker.DueDateDeadline(start, "2026-12-04", wib)
	for _, tc := range []struct {
		name  string
		d     spiker.Deadline
		amber time.Duration // before due
	}{
		{"first response, 1 h", spiker.Deadline{Start: start, Due: start.Add(time.Hour)}, 15 * time.Minute},
		{"short limit, 20 min", spiker.Deadline{Start: start, Due: start.Add(20 * time.Minute)}, 15 * time.Minute},
		{"sedang, 6 h", spiker.Deadline{Start: start, Due: start.Add(6 * time.Hour)}, 90 * time.Minute},
		{"TPKS police report, 3 × 24 h", spiker.PoliceReportDeadline(start, spiker.DefaultTimeLimits), 18 * time.Hour},
		{"rendah, 3 working days over a weekend", spiker.Deadline{Start: start, Due: start.Add(5 * 24 * time.Hour)}, 24 * time.Hour},
		{"plan item due 4 December (local)", plan, 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			if got := d.Due.Sub(d.Amber()); got != tc.amber {
				t.Fatalf("amber %v before due, want %v", got, tc.amber)
			}
			for _, at := range []struct {
				now  time.Time
				want string
			}{
				{d.Start, spiker.LimitOK},
				{d.Amber().Add(-time.Second), spiker.LimitOK},
				{d.Amber(), spiker.LimitAmber},
				{d.Due.Add(-time.Second), spiker.LimitAmber},
				{d.Due, spiker.LimitRed},
				{d.Due.Add(30 * 24 * time.Hour), spiker.LimitRed},
			} {
				if got := d.State(at.now); got != at.want {
					t.Errorf("at %v: %s, want %s", at.now, got, at.want)
				}
			}
			d.Done = true
			if got := d.State(d.Due.Add(time.Hour)); got != spiker.LimitDone {
				t.Errorf("done: %s", got)
			}
		})
	}
	if want := time.Date(2026, 12, 4, 16, 59, 59, 0, time.UTC); !plan.Due.Equal(want) {
		t.Errorf("a due date ends at 23:59:59 local time: %v, want %v", plan.Due, want)
	}
}

// The inbox shows the first-response clock until the report is identified,
// then the risk clock from its identification; a case or a closure ends it.
func TestInboxItemDeadline(t *testing.T) {
	created := time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC)
	first, from, due := created.Add(20*time.Minute), created.Add(40*time.Minute), created.Add(40*time.Minute+6*time.Hour)
	it := spiker.InboxItem{CreatedAt: created, DueAt: created.Add(time.Hour), Status: spiker.ReportNew}
	if d, risk := it.Deadline(); risk || d.Done || !d.Due.Equal(it.DueAt) || !d.Start.Equal(created) {
		t.Fatalf("new report: %+v risk=%v", d, risk)
	}
	it.FirstResponseAt = &first
	if d, _ := it.Deadline(); !d.Done {
		t.Fatalf("answered, not identified: %+v", d)
	}
	it.RiskFrom, it.RiskDueAt = &from, &due
	if d, risk := it.Deadline(); !risk || d.Done || !d.Start.Equal(from) || !d.Due.Equal(due) || d.Due.Sub(d.Amber()) != 90*time.Minute {
		t.Fatalf("identified sedang: %+v risk=%v", d, risk)
	}
	it.Status = spiker.ReportCase
	if d, _ := it.Deadline(); !d.Done {
		t.Fatalf("case opened: %+v", d)
	}
}
