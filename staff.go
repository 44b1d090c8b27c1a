package spiker

import (
	"bytes"
	"context"
	"time"
)

// StaffSession is a signed-in staff user: the actor with their unlocked
// key, and the session's CSRF token for forms.
type StaffSession struct {
	Actor *Actor
	CSRF  string
}

// SessionService signs staff in and out. Sessions live in the database so
// that several nodes share them.
type SessionService interface {
	// SignIn checks password and TOTP code (each code works once) and
	// returns the session token for the cookie or bearer header.
	SignIn(ctx context.Context, username, password, code, client string) (string, *StaffSession, error)
	// Session resolves a token, or EUNAUTHORIZED.
	Session(ctx context.Context, token string) (*StaffSession, error)
	SignOut(ctx context.Context, token string) error
	SignOutEverywhere(ctx context.Context, actor *Actor) error
}

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

// InboxService is the duty officer's side of reports. Every method goes
// through Authorize and, for content, the report's key.
type InboxService interface {
	Inbox(ctx context.Context, actor *Actor, before time.Time, beforeID string, limit int) ([]InboxItem, error)
	ReportMessages(ctx context.Context, actor *Actor, id string) ([]Message, error)
	Reply(ctx context.Context, actor *Actor, id, body string) error
	Identify(ctx context.Context, actor *Actor, id, jenis, risiko, kewenangan string) error
	CloseReport(ctx context.Context, actor *Actor, id, reason string) error
	// RevealIdentity records that the actor unmasked a report's identity
	// fields (lists and the first view show initials only).
	RevealIdentity(ctx context.Context, actor *Actor, id string) error
	// AddNote and Notes are staff-only notes, never shown to the reporter.
	AddNote(ctx context.Context, actor *Actor, id, body string) error
	Notes(ctx context.Context, actor *Actor, id string) ([]Message, error)
	// ReportFiles lists a report's files (the reporter's uploads and the
	// files sent on WhatsApp, which join them under the report key on the
	// way) and notes on the WhatsApp files that are not among them;
	// ReadFile decrypts one file. Both are audited.
	ReportFiles(ctx context.Context, actor *Actor, id string) ([]Attachment, []MediaNote, error)
	ReadFile(ctx context.Context, actor *Actor, reportID, fileID string, dst *bytes.Buffer) (*Attachment, error)
}

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

// CaseMerger attaches duplicate reports to an existing case.
type CaseMerger interface {
	CaseIDByNumber(ctx context.Context, actor *Actor, number string) (string, error)
	AttachReport(ctx context.Context, actor *Actor, caseID, reportID string) error
}

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

// EnrolmentService lets the person holding a one-time link choose their
// password and enrol their authenticator, in one step.
type EnrolmentService interface {
	// Enrolment opens a link token. With pending "" it draws a new pending
	// TOTP secret; otherwise it shows the same one again.
	Enrolment(ctx context.Context, token, pending string) (*Enrolment, error)
	// CompleteEnrolment checks the password (new, or the current one for a
	// lost authenticator) and the first code, stores the credentials, uses
	// up the link and signs in.
	CompleteEnrolment(ctx context.Context, token, pending, password, code, client string) (string, error)
}

// AuthenticatorRequest is a user's request for a new authenticator, waiting
// for a supervisor who did not ask.
type AuthenticatorRequest struct {
	UserID      int64
	Username    string
	RegionCode  string
	RequestedBy string
	RequestedAt time.Time
}

// AccountService is a staff member's own side of their credentials.
type AccountService interface {
	// ChangePassword re-wraps the same private key under a new password:
	// every grant and membership keeps working. Every other session of the
	// user ends; keep is the session asking (its CSRF token), which stays.
	ChangePassword(ctx context.Context, username, oldPassword, newPassword string, keep *StaffSession) error
	// RequestAuthenticatorResetBySignIn records a lost authenticator for a
	// user who proves their password; it answers the same either way.
	RequestAuthenticatorResetBySignIn(ctx context.Context, username, password, client string) error
}
