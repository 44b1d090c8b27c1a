package spiker

import (
	"time"
)

// StaffSession is a signed-in staff user: the actor with their unlocked
// key, and the session's CSRF token for forms.
type StaffSession struct {
	Actor *Actor
	CSRF  string
}

// ReportFilter selects reports for the inbox, newest first: those created
// before Before (or at Before with an id below BeforeID), Limit at most.
type ReportFilter struct {
	Before   time.Time // zero: from now
	BeforeID string
	Limit    int // 0 or less: DefaultReportLimit
}

// DefaultReportLimit is an inbox page when a filter gives no limit.
const DefaultReportLimit = 50

// InboxItem is one report in the duty inbox: categorical fields only.
type InboxItem struct {
	ID              string
	CreatedAt       time.Time
	Channel         Channel
	RegionCode      string
	InDanger        bool
	Status          ReportStatus
	Risiko          string
	Kewenangan      string // "pusat": to be referred to the province or KemenPPPA
	FirstResponseAt *time.Time
	DueAt           time.Time
	RiskFrom        *time.Time // after identification: the risk-based response,
	RiskDueAt       *time.Time // from its identification to its due moment
}

// Deadline returns the clock that runs on the report: the first response,
// then (once identified) the response by risk, until a case is opened or
// the report closed. risk says which it is.
func (it *InboxItem) Deadline() (d Deadline, risk bool) {
	d = Deadline{Start: it.CreatedAt, Due: it.DueAt}
	if it.FirstResponseAt != nil && it.RiskDueAt != nil {
		d, risk = Deadline{Start: *it.FirstResponseAt, Due: *it.RiskDueAt}, true
		if it.RiskFrom != nil {
			d.Start = *it.RiskFrom
		}
	}
	d.Done = it.Status != ReportNew || it.FirstResponseAt != nil && it.RiskDueAt == nil
	return d, risk
}

// Identification values (Permen PPPA 2/2022) and reasons to close a report
// without a case.
var (
	JenisKasus   = []string{"KTP", "AMPK"}
	Risiko       = []string{"tinggi", "sedang", "rendah"}
	Kewenangan   = []string{"daerah", "pusat"}
	CloseReasons = []string{"bukan_kekerasan", "dirujuk", "spam", "duplikat"}
)

// MediaNote is a file sent on WhatsApp that is not (yet) among a report's
// files. It holds no content.
type MediaNote struct {
	At    time.Time
	Kind  string // the WhatsApp message type: image, audio, document, video, sticker
	State string // one of the MediaPending... values
}

// The states of a file sent on WhatsApp that is not among a report's files.
const (
	MediaPending = "pending" // being fetched from the platform
	MediaType    = "type"    // not stored: its kind cannot be cleaned of metadata (a video); ask for it another way
	MediaSize    = "size"    // not stored: larger than MaxFileSize
	MediaFailed  = "failed"  // not stored: the platform did not give it
)

// Enrolment is an open one-time enrolment link. Completing it is the only
// way a password is set: the person holding it chooses their own.
type Enrolment struct {
	User *User
	// Kind is EnrolNew (choose a password: a new key pair is made from it)
	// or EnrolAuthenticator (a lost authenticator: prove the password, keep
	// the key, enrol a new authenticator).
	Kind string
	// Secret is the pending TOTP secret, drawn for this form and shown only
	// on it; it becomes the account's only when the form is completed with
	// a code from it. Pending is the same secret sealed for the form.
	Secret  string
	Pending string
}

// Enrolment kinds.
const (
	EnrolNew           = "new"
	EnrolAuthenticator = "totp"
)

// AuthenticatorRequest is a user's request for a new authenticator, waiting
// for a supervisor who did not ask.
type AuthenticatorRequest struct {
	UserID      int64
	Username    string
	RegionCode  string
	RequestedBy string
	RequestedAt time.Time
}
