package web

import (
	"strconv"
	"time"

	"github.com/spikerperak/spiker/internal/locale"
)

// Dates are written in full in the page's language, the way Indonesian
// letters and forms write them ("7 Desember 2026"), never as ISO strings.

// longDate writes a calendar date: "7 Desember 2026", "7 December 2026".
func longDate(lang string, t time.Time) string {
	p := locale.Printer{Lang: lang}
	return strconv.Itoa(t.Day()) + " " + p.Text("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// longDay writes a YYYY-MM-DD date in full; anything else is shown as it is.
func longDay(lang, day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return longDate(lang, t)
}

// shortMonth writes a YYYY-MM month as "Nov 2026" for chart labels.
func shortMonth(lang, month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return locale.Printer{Lang: lang}.Text("month_short."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// fullMonth writes a YYYY-MM month as "November 2026".
func fullMonth(lang, month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return locale.Printer{Lang: lang}.Text("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// longDateTime writes a moment as letters do, in the zone of t: "7 Desember
// 2026, 21:05 WIB"; with seconds for the audit log.
func longDateTime(lang string, t time.Time, seconds bool) string {
	layout := "15:04 MST"
	if seconds {
		layout = "15:04:05 MST"
	}
	return longDate(lang, t) + ", " + t.Format(layout)
}

// shortDateTime writes a recent moment compactly for lists: "7 Des 21:05
// WIB" (the year is left out; lists of older things use longDateTime).
func shortDateTime(lang string, t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + locale.Printer{Lang: lang}.Text("month_short."+strconv.Itoa(int(t.Month()))) + " " + t.Format("15:04 MST")
}
