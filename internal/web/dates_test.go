package web

import (
	"testing"
	"time"

	"github.com/spikerperak/spiker/internal/locale"
)

// Dates, months and ages are written in the page's language, never as ISO
// strings or Indonesian abbreviations on an English page.
func TestDatesInThePagesLanguage(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{longDay("id", "2026-12-07"), "7 Desember 2026"},
		{longDay("en", "2026-12-07"), "7 December 2026"},
		{longDay("id", "bukan tanggal"), "bukan tanggal"},
		{longDate("id", time.Date(2027, 8, 17, 0, 0, 0, 0, time.UTC)), "17 Agustus 2027"},
		{shortMonth("id", "2026-08"), "Agu 2026"},
		{shortMonth("en", "2026-08"), "Aug 2026"},
		{fullMonth("id", "2026-11"), "November 2026"},
		{longDateTime("id", time.Date(2026, 12, 31, 23, 59, 30, 0, time.FixedZone("WIT", 9*3600)), false), "31 Desember 2026, 23:59 WIT"},
		{longDateTime("en", time.Date(2027, 1, 1, 0, 0, 5, 0, time.FixedZone("WITA", 8*3600)), true), "1 January 2027, 00:00:05 WITA"},
		{shortDateTime("id", time.Date(2026, 8, 17, 6, 5, 0, 0, time.FixedZone("WIB", 7*3600))), "17 Agu 06:05 WIB"},
		{age(locale.Printer{Lang: "id"}, 2*time.Minute), "2 mnt"},
		{age(locale.Printer{Lang: "en"}, 2*time.Minute), "2 min"},
		{age(locale.Printer{Lang: "en"}, 30*time.Second), "<1 min"},
		{age(locale.Printer{Lang: "id"}, 3*time.Hour), "3 jam"},
		{age(locale.Printer{Lang: "en"}, 72*time.Hour), "3 days"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
