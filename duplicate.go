package spiker

import (
	"time"
)

// Duplicate is a record that shares a phone number or NIK with the one
// being looked at (or with a number searched for), by equal blind index.
// It is only ever one the viewer holds: a record they do not hold is not
// named, counted or otherwise hinted at.
type Duplicate struct {
	Kind      string // "report" or "case"
	ID        string
	Number    string // a case's register number ("" for a report)
	Match     string // "phone" or "nik"
	CreatedAt time.Time
}
