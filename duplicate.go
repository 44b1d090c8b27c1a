package spiker

import (
	"context"
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

// DuplicateFinder shows holders the duplicates the blind indexes find.
type DuplicateFinder interface {
	// ReportDuplicates lists the held reports and cases that share the
	// report's contact number.
	ReportDuplicates(ctx context.Context, actor *Actor, reportID string) ([]Duplicate, error)
	// CaseDuplicates lists the held reports and cases that share the phone
	// number of one of the case's reports or the NIK of one of its victims.
	CaseDuplicates(ctx context.Context, actor *Actor, caseID string) ([]Duplicate, error)
	// SearchIdentity finds the held reports and cases with a phone number
	// or NIK. The search is audited, never the number.
	SearchIdentity(ctx context.Context, actor *Actor, number string) ([]Duplicate, error)
}
