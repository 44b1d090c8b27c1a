package spiker_test

import (
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

func TestFirstWorkingDay(t *testing.T) {
	wib := spiker.TimeZone("")
	for _, c := range []struct {
		at       time.Time
		holidays map[string]bool
		want     string
	}{
		{time.Date(2025, 11, 20, 12, 0, 0, 0, wib), nil, "2025-11-03"},                               // the 1st a Saturday
		{time.Date(2025, 12, 31, 23, 59, 0, 0, wib), nil, "2025-12-01"},                              // a Monday
		{time.Date(2025, 12, 31, 17, 30, 0, 0, time.UTC), nil, "2026-01-01"},                         // already January in WIB
		{time.Date(2026, 1, 5, 0, 0, 0, 0, wib), map[string]bool{"2026-01-01": true}, "2026-01-02"},  // New Year's Day
		{time.Date(2025, 11, 1, 0, 0, 0, 0, wib), map[string]bool{"2025-11-03": true}, "2025-11-04"}, // a holiday on the Monday
	} {
		if got := spiker.FirstWorkingDay(c.at, wib, c.holidays).Format(time.DateOnly); got != c.want {
			t.Errorf("FirstWorkingDay(%s) = %s, want %s", c.at, got, c.want)
		}
	}
	if spiker.AddMonths("2025-01", -12) != "2024-01" || spiker.AddMonths("2025-10", 3) != "2026-01" || spiker.ValidMonth("2025-13") == nil || spiker.ValidMonth("2025-10") != nil {
		t.Fatal("months")
	}
}
