package main

import (
	"testing"
	"time"
)

// The store keeps time in the regency's own zone: shifts, working days,
// due dates and statistics months are local (Denpasar is WITA).
func TestStoreZoneIsTheRegencys(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.Region = "51.71"; c.NoJobs = true })
	if name, off := m.DB.Now().In(m.Store.Zone).Zone(); name != "WITA" || off != 8*3600 {
		t.Fatalf("the store's zone is %s %d, want WITA", name, off)
	}
}

// Main gives its one clock to every part: a pinned hour is the hour of the
// database (and so the jobs and the store), the web and the API, in the
// regency's zone (Jayapura is WIT).
func TestOneClockForEveryPart(t *testing.T) {
	at := time.Date(2026, 12, 31, 14, 59, 0, 0, time.UTC) // 23:59 WIT on New Year's Eve
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) {
		c.Region, c.NoJobs = "91.71", true
		c.Clock = func() time.Time { return at }
	})
	if m.Web.Clock != m.Clock || m.API.Clock != m.Clock {
		t.Fatal("the web or the API has a clock of its own")
	}
	if !m.DB.Now().Equal(at) || !m.Clock.Now().Equal(at) || m.Store.Zone != m.Clock.Zone() {
		t.Fatalf("the database reads %v, the clock %v", m.DB.Now(), m.Clock.Now())
	}
	if day, shift := m.Clock.Shift(); m.Clock.Today() != "2026-12-31" || day != "2026-12-31" || shift != "malam" {
		t.Fatalf("today %s, shift %s %s", m.Clock.Today(), day, shift)
	}
}
