package spiker

import "time"

// Clock is the program's one clock. Main makes one and gives it to every
// part (web, API, store, jobs), so that a test can pin the hour and every
// decision — a time limit's state, the shift on duty, "today" — follows the
// same instant, read in the regency's own time zone (WIB, WITA or WIT).
//
// A nil *Clock reads the real time in WIB, so that a part built without
// Main (a unit test) still works.
type Clock struct {
	now  func() time.Time
	zone *time.Location
}

// NewClock returns a clock that reads now (nil: the real time) in zone
// (nil: WIB).
func NewClock(now func() time.Time, zone *time.Location) *Clock {
	if zone == nil {
		zone = TimeZone("")
	}
	return &Clock{now: now, zone: zone}
}

// RealTime is the machine's time: the only reading of it that decisions
// may use, and only through a Clock.
func RealTime() time.Time { return time.Now() }

// Now returns the current instant in UTC.
func (c *Clock) Now() time.Time {
	if c == nil || c.now == nil {
		return RealTime().UTC()
	}
	return c.now().UTC()
}

// Zone returns the regency's time zone.
func (c *Clock) Zone() *time.Location {
	if c == nil {
		return TimeZone("")
	}
	return c.zone
}

// Local returns the current time on the regency's wall clocks.
func (c *Clock) Local() time.Time { return c.Now().In(c.Zone()) }

// Today returns the regency's calendar date (YYYY-MM-DD).
func (c *Clock) Today() string { return c.Local().Format(time.DateOnly) }

// Shift returns the duty day and the shift running now. Between 00:00 and
// 07:00 that is the night shift of the day before.
func (c *Clock) Shift() (day, shift string) { return ShiftAt(c.Now(), c.Zone()) }

// EndOfDay returns the last second of a local date in the regency (a due
// date "by 5 December" ends at 23:59:59 local time), in UTC.
func (c *Clock) EndOfDay(date string) (time.Time, bool) { return EndOfDay(date, c.Zone()) }

// EndOfDay returns the last second of a date in zone, in UTC.
func EndOfDay(date string, zone *time.Location) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, date, zone)
	if err != nil {
		return time.Time{}, false
	}
	return d.AddDate(0, 0, 1).Add(-time.Second).UTC(), true
}

// DutyWeek returns the first day of the roster week that holds the running
// shift: the duty day, so that at 02:00 the night shift that began
// yesterday at 23:00 is on the page.
func (c *Clock) DutyWeek() time.Time {
	day, _ := c.Shift()
	d, _ := time.ParseInLocation(time.DateOnly, day, c.Zone())
	return d
}
