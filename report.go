package spiker

import (
	"bytes"
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is how a report arrived (kanal, DESIGN.md §2.1). The values are
// SIMFONI-PPA's exact labels (testdata/simfoni-ppa.json).
type Channel string

const (
	ChannelWeb      Channel = "web"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelTelepon  Channel = "telepon"
	ChannelLangsung Channel = "datang langsung"
	ChannelSurat    Channel = "surat"
	ChannelSAPA129  Channel = "SAPA 129"
	ChannelSP4N     Channel = "SP4N-LAPOR"
	ChannelRujukan  Channel = "rujukan masuk"
	ChannelJangkau  Channel = "penjangkauan"
	ChannelMedia    Channel = "media"
)

// ReportChannels lists every channel a report can come by.
var ReportChannels = []Channel{ChannelWeb, ChannelWhatsApp, ChannelTelepon, ChannelLangsung, ChannelSurat,
	ChannelSAPA129, ChannelSP4N, ChannelRujukan, ChannelJangkau, ChannelMedia}

// ReportStatus is where a report stands.
type ReportStatus string

const (
	ReportNew    ReportStatus = "baru"    // waiting for the duty officer
	ReportCase   ReportStatus = "kasus"   // a case was opened from it
	ReportClosed ReportStatus = "ditutup" // closed as not a case
)

// TextKey is the catalog key that says the status in plain words to the
// reporter.
func (s ReportStatus) TextKey() string {
	switch s {
	case ReportCase:
		return "followup.status.case"
	case ReportClosed:
		return "followup.status.closed"
	}
	return "followup.status.new"
}

// Report is a complaint. Its categorical fields are stored in the clear
// (statistics and time limits need them); Content is protected: stored only
// encrypted under the report's own key.
type Report struct {
	ID         string
	CreatedAt  time.Time
	Channel    Channel
	RegionCode string // kecamatan or desa of the incident
	InDanger   bool
	Status     ReportStatus
	CaseID     string
	FiledBy    int64 // the staff member or Fokal Desa who filed it on someone's behalf
	// Restricted is set on a staff read while processing of the report (or
	// of its case) is restricted at a data subject's request (UU PDP).
	Restricted bool

	ReporterRole  ReporterRole
	ViolenceTypes []string // SIMFONI jenis kekerasan labels
	IncidentDate  string   // YYYY-MM-DD, or "" if not given
	VictimSex     string   // SIMFONI jenis kelamin label, or ""
	VictimAge     int      // years; -1 if not given
	// VictimAgeGroup is the SIMFONI age group, derived from VictimAge.
	VictimAgeGroup string
	Relationship   string // SIMFONI hubungan pelaku label, or ""
	ContactWanted  bool   // false: "do not contact me"
	Consent        bool
	// The duty officer's identification, from the lists in staff.go; ""
	// until the report is identified.
	JenisKasus, Risiko, Kewenangan string

	Content ReportContent
	// Files are attached at creation; they are stored encrypted, apart.
	Files []Upload
}

// ReportContent is what names, locates or tells about a person.
type ReportContent struct {
	Narrative   string // what happened
	PlaceDetail string // where, in the reporter's words
	VictimName  string // optional
	Contact     ReportContact
}

// ReportContact says how and when it is safe to reach the reporter.
type ReportContact struct {
	Channel   string `json:"channel"` // one of ContactChannels
	Number    string `json:"number"`
	SafeTimes string `json:"safe_times"`
	Note      string `json:"note"` // what to say if someone else answers
}

// ContactChannels are the ways a reporter can ask to be contacted.
var ContactChannels = []string{"whatsapp", "telepon", "sms", "email"}

// Limits on report text.
const (
	MaxNarrative = 20000
	MaxShortText = 500
)

// Validate checks a new report and returns EINVALID with a message key for
// every wrong field, so a form can show each next to its field.
func (r *Report) Validate(today time.Time) error { // today: the regency's local time
	f := map[string]string{}
	if !contains(ReportChannels, r.Channel) {
		f["channel"] = "report.err.channel"
	}
	if !contains(ReporterRoles, r.ReporterRole) {
		f["reporter_role"] = "report.err.reporter_role"
	}
	if len(r.ViolenceTypes) == 0 {
		f["violence_types"] = "report.err.violence_types"
	}
	for _, v := range r.ViolenceTypes {
		if !contains(JenisKekerasan, v) {
			f["violence_types"] = "report.err.violence_types"
		}
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(r.Content.Narrative)); {
	case n == 0:
		f["narrative"] = "report.err.narrative_required"
	case n > MaxNarrative:
		f["narrative"] = "report.err.narrative_long"
	}
	// A message to the office's WhatsApp number says where only later:
	// such a report may start at the regency.
	minDots := 2
	if r.Channel == ChannelWhatsApp {
		minDots = 1
	}
	if strings.Count(r.RegionCode, ".") < minDots || !ValidRegionCodeSyntax(r.RegionCode) {
		f["kecamatan"] = "report.err.kecamatan"
	}
	if r.IncidentDate != "" {
		// Dates compare as the regency's calendar dates: at 00:30 it is
		// already today there, whatever the instant is in UTC.
		d, err := time.Parse(time.DateOnly, r.IncidentDate)
		if err != nil || r.IncidentDate > today.Format(time.DateOnly) || d.Year() < 1900 {
			f["incident_date"] = "report.err.incident_date"
		}
	}
	if r.VictimSex != "" && !contains(JenisKelamin, r.VictimSex) {
		f["victim_sex"] = "report.err.victim_sex"
	}
	if r.VictimAge < -1 || r.VictimAge > 120 {
		f["victim_age"] = "report.err.victim_age"
	}
	if r.VictimAgeGroup != "" && !contains(KelompokUmurKorban, r.VictimAgeGroup) {
		f["victim_age"] = "report.err.victim_age"
	}
	if r.Relationship != "" && !contains(HubunganPelaku, r.Relationship) {
		f["relationship"] = "report.err.relationship"
	}
	if r.ContactWanted {
		c := r.Content.Contact
		if !contains(ContactChannels, c.Channel) {
			f["contact_channel"] = "report.err.contact_channel"
		}
		if !validContactNumber(c.Channel, c.Number) {
			f["contact_number"] = "report.err.contact_number"
		}
	} else if r.Content.Contact != (ReportContact{}) {
		f["contact_channel"] = "report.err.contact_unwanted"
	}
	if !r.Consent {
		f["consent"] = "report.err.consent"
	}
	for name, s := range map[string]string{"place_detail": r.Content.PlaceDetail, "victim_name": r.Content.VictimName,
		"contact_number": r.Content.Contact.Number, "contact_times": r.Content.Contact.SafeTimes, "contact_note": r.Content.Contact.Note} {
		if utf8.RuneCountInString(s) > MaxShortText {
			f[name] = "report.err.too_long"
		}
	}
	for _, s := range []string{r.Content.Narrative, r.Content.PlaceDetail, r.Content.VictimName, r.Content.Contact.Number,
		r.Content.Contact.SafeTimes, r.Content.Contact.Note} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			f["narrative"] = "report.err.text"
		}
	}
	if len(r.Files) > MaxFilesPerPost {
		f["files"] = "report.err.file_count"
	}
	for _, u := range r.Files {
		if u.Len() > MaxUploadSize(u.Kind) || u.Len() == 0 {
			f["files"] = "report.err.file_size"
		}
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the report has fields to correct", Fields: f}
	}
	return nil
}

// validContactNumber accepts an e-mail address for e-mail and a phone
// number (6 to 15 digits, optionally +, spaces, dashes) otherwise.
func validContactNumber(channel, s string) bool {
	s = strings.TrimSpace(s)
	if channel == "email" {
		at := strings.IndexByte(s, '@')
		return at > 0 && at < len(s)-3 && strings.Contains(s[at:], ".") && !strings.ContainsAny(s, " <>,;")
	}
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case strings.ContainsRune(" -+().", c):
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

// Case is a case opened from one or more reports.
type Case struct {
	ID         string
	Number     string // e.g. 3524/2026/00017: regency, year, sequence
	CreatedAt  time.Time
	ReportedAt time.Time // when the first of its reports arrived
	RegionCode string
	Status     string
	Step       string
	OpenedBy   int64
	ReportIDs  []string
	Team       []int64
	// ReportTypes are the SIMFONI violence types its reports were filed
	// under (categorical): the case's record starts from them.
	ReportTypes []string
	// ReportTypesOf holds each report's types, by report ID.
	ReportTypesOf map[string][]string

	TPKS             bool
	PerpetratorChild bool
	PoliceReportedAt *time.Time
	// RestrictedAt is set while processing is restricted at a data
	// subject's request (UU PDP): the case is read-only.
	RestrictedAt *time.Time
	// ClosureRequestedBy is who asked to close the case (0 if nobody has):
	// another supervisor approves (four eyes).
	ClosureRequestedBy int64

	Content      CaseContent
	Entries      []CaseEntry
	Victims      []CaseVictim
	Perpetrators []CasePerpetrator
	// Corrections is the history of the record, oldest first.
	Corrections []Correction

	// Risk is the level chosen at the latest risk assessment ("" before
	// the first).
	Risk string
	// Legal protections, oldest first.
	Restitutions     []Restitution
	ProtectionOrders []ProtectionOrder
	// Takedowns are the KSBE takedown items with their requests, oldest
	// first.
	Takedowns []Takedown
	// RiskAssessments and SafetyPlans are histories, newest first.
	RiskAssessments []RiskAssessment
	SafetyPlans     []SafetyPlan
}

// PoliceReportDeadline returns the TPKS police-report clock, and whether
// it runs on this case (a TPKS case not closed); it is done once the police
// report is recorded.
func (c *Case) PoliceReportDeadline(l TimeLimits) (Deadline, bool) {
	from := c.ReportedAt
	if from.IsZero() {
		from = c.CreatedAt
	}
	d := PoliceReportDeadline(from, l)
	d.Done = c.PoliceReportedAt != nil
	return d, c.TPKS && c.Status != CaseClosed
}

// CaseContent is the protected part of a case.
type CaseContent struct {
	Summary    string
	VictimName string
}

// Reports is everything about a report: intake from every channel, the receipt and the reporter's follow-up
// conversation, the duty officer's inbox and the duplicate hints. Every staff method goes through Authorize and,
// for content, the report's key.
type Reports interface {
	// Storing and reading reports. Reading needs the report's key: only its
	// holders (the duty-intake group, the supervisors, the reporter's receipt,
	// the escrow) can decrypt it, whatever the caller's role.

	// CreateReport stores a report from the public (web form or JSON API;
	// its channel is ChannelWeb) durably and returns its receipt, the
	// reporter's only way back to it. A non-empty token (from
	// SubmissionToken, of TokenForm or TokenAPI) makes a retried submission
	// return the same receipt instead of storing a second report.
	CreateReport(ctx context.Context, r *Report, token string) (receipt string, err error)
	// FindReport decrypts a report for actor, or EFORBIDDEN if actor holds
	// no key to it. Every read is audited.
	FindReport(ctx context.Context, actor *Actor, id string) (*Report, error)
	// FindReportByReceipt opens the report of a receipt. client identifies
	// the caller for throttling (an HMAC, never an address).
	FindReportByReceipt(ctx context.Context, receipt, client string) (*Report, error)

	// ReceiptViews shows the web form's receipt after the form's POST
	// (Post/Redirect/Get): the POST holds the receipt under a handle that only
	// the submitting browser gets (a cookie); the receipt page shows it with
	// that handle for ReceiptWindow; quick exit ends it. A resubmitted form,
	// Back or a reload after that shows that the report was received, never
	// its number.

	// HoldReceipt gives a handle to the receipt of the report a form
	// token made, or "" when its window has passed or was ended.
	HoldReceipt(ctx context.Context, token, receipt string) (handle string, err error)
	// HeldReceipt returns the receipt a handle holds and until when it is
	// shown, or "" when the handle is unknown, ended or past its window.
	HeldReceipt(ctx context.Context, handle string) (receipt string, until time.Time, err error)
	// EndReceipt ends a handle at once (quick exit, "done").
	EndReceipt(ctx context.Context, handle string) error

	// Intake files reports on someone's behalf and shows the filer
	// their status afterwards (never their content).

	FileReport(ctx context.Context, actor *Actor, r *Report, token string) (receipt string, err error)
	FiledReports(ctx context.Context, actor *Actor) ([]FiledReport, error)

	// Inbox is the duty officer's side of reports. Every method goes
	// through Authorize and, for content, the report's key.

	// FindReports lists the reports in the actor's region, newest first,
	// categorical fields only.
	FindReports(ctx context.Context, actor *Actor, f ReportFilter) ([]InboxItem, error)
	ReportMessages(ctx context.Context, actor *Actor, id string) ([]Message, error)
	// ReportView reads the report page: the report, its conversation,
	// files, notes and access log, with one audit entry per part, in one
	// transaction.
	ReportView(ctx context.Context, actor *Actor, id string) (*ReportView, error)
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

	// Followup is the reporter's side of a report, reached only with the
	// receipt. A follow-up session is short-lived; its token lives in a cookie
	// (or an API bearer token) and holds the report's key sealed under a secret
	// only the client has.

	// StartFollowup checks the receipt (throttled per client and globally)
	// and opens a session. A wrong receipt is EUNAUTHORIZED.
	StartFollowup(ctx context.Context, receipt, client string) (token string, err error)
	// Followup returns the report's status and conversation.
	Followup(ctx context.Context, token string) (*Followup, error)
	// AddMessage adds the reporter's message, information or meeting request.
	AddMessage(ctx context.Context, token, kind, body string) error
	// AddFiles stores more files for the report.
	AddFiles(ctx context.Context, token string, files []Upload) error
	// EndFollowup ends the session (quick exit, sign-out).
	EndFollowup(ctx context.Context, token string) error

	// Duplicates: show holders the duplicates the blind indexes find.

	// ReportDuplicates lists the held reports and cases that share the
	// report's contact number.
	ReportDuplicates(ctx context.Context, actor *Actor, reportID string) ([]Duplicate, error)
	// CaseDuplicates lists the held reports and cases that share the phone
	// number of one of the case's reports or the NIK of one of its victims.
	CaseDuplicates(ctx context.Context, actor *Actor, caseID string) ([]Duplicate, error)
	// SearchIdentity finds the held reports and cases with a phone number
	// or NIK. The search is audited, never the number.
	SearchIdentity(ctx context.Context, actor *Actor, number string) ([]Duplicate, error)

	// The office's WhatsApp number: messages that arrive, their files,
	// and the way back to their senders.
	ReceiveWhatsApp(ctx context.Context, msg WhatsAppMessage, region string) (reportID string, err error)
	// SkipWhatsApp records messages that were not stored, by reason only.
	SkipWhatsApp(ctx context.Context, reasons []string) error
	// ReplyTarget returns the channel a report came by and its number.
	ReplyTarget(ctx context.Context, actor *Actor, id string) (channel, number string, err error)
	PendingWhatsAppMedia(ctx context.Context, id string) (string, error)
	StoreWhatsAppMedia(ctx context.Context, id, kind string, data []byte) error
	NoteWhatsAppMedia(ctx context.Context, id, state string) error
}

// Cases is everything about a case: its record (victims, perpetrators, files, corrections), the workflow and its
// team, protection, merging reports into it, lists and exports. Every method goes through Authorize and, for
// content, the case's key.
type Cases interface {
	// Opening and reading a case.

	// OpenCase opens a case from reports the actor can read, with the first
	// report's region and victim name (whatever c held); the actor, the
	// supervisors and the escrow hold its key.
	OpenCase(ctx context.Context, actor *Actor, c *Case) error
	// FindCase decrypts a case for actor, or EFORBIDDEN.
	FindCase(ctx context.Context, actor *Actor, id string) (*Case, error)
	// GrantCase seals the case key to another user: adding a person to a
	// case. RevokeCase deletes the grant.
	GrantCase(ctx context.Context, actor *Actor, caseID string, userID int64, reason string) error
	RevokeCase(ctx context.Context, actor *Actor, caseID string, userID int64, reason string) error
	// RevealCaseIdentity records that the actor unmasked a case's identity
	// fields (the staff API shows initials until then).
	RevealCaseIdentity(ctx context.Context, actor *Actor, caseID string) error

	// CaseView reads everything the case page shows (see CaseView) in one
	// transaction, opening the case key once, and writes one audit entry
	// for it; reveal adds the reveal's own entry (the caller unmasks). A
	// refusal is audited and nothing is returned.
	CaseView(ctx context.Context, actor *Actor, id string, reveal bool) (*CaseView, error)

	// The record keeps the SIMFONI record of a case: victims and perpetrators.

	AddVictim(ctx context.Context, actor *Actor, caseID string, v *CaseVictim) error
	AddPerpetrator(ctx context.Context, actor *Actor, caseID string, p *CasePerpetrator) error

	// Files: the case keeps a case's documents, encrypted under the case key.

	AddCaseFiles(ctx context.Context, actor *Actor, caseID string, files []Upload) error
	CaseFiles(ctx context.Context, actor *Actor, caseID string) ([]Attachment, error)
	ReadCaseFile(ctx context.Context, actor *Actor, caseID, fileID string, dst *bytes.Buffer) (*Attachment, error)

	// CaseCorrections corrects a case's record. Every correction needs
	// PermCaseWrite, the case key and a reason, and is kept as a version.
	// identity says whether the identity fields (name, NIK) were shown and may
	// change; without it they keep their values.

	CorrectVictim(ctx context.Context, actor *Actor, caseID string, v *CaseVictim, identity bool, reason string) error
	CorrectPerpetrator(ctx context.Context, actor *Actor, caseID string, p *CasePerpetrator, identity bool, reason string) error
	// CorrectReportTypes changes the violence types a report of the case
	// was filed under.
	CorrectReportTypes(ctx context.Context, actor *Actor, caseID, reportID string, types []string, reason string) error
	// CorrectLocation moves the case to a kecamatan or desa: a move to
	// another kecamatan is a supervisor's, whose region covers both.
	CorrectLocation(ctx context.Context, actor *Actor, caseID, region, reason string) error
	CorrectSummary(ctx context.Context, actor *Actor, caseID, summary, reason string) error

	// CaseWorkflow moves a case through the standard's steps. Every method
	// goes through Authorize; changes need the case key.

	Assign(ctx context.Context, actor *Actor, caseID string, userID int64) error
	AddEntry(ctx context.Context, actor *Actor, caseID string, e *CaseEntry) error
	// SetStep moves the case (CheckStep); a skip or a step back keeps its
	// reason on the case.
	SetStep(ctx context.Context, actor *Actor, caseID, step, reason string) error
	// SetTPKS sets the TPKS and child-perpetrator marks (CheckTPKSChange).
	SetTPKS(ctx context.Context, actor *Actor, caseID string, tpks, perpetratorChild bool, reason string) error
	RecordPoliceReport(ctx context.Context, actor *Actor, caseID string) error
	// RequestClosure asks a supervisor to close the case; a TPKS case with
	// no police report needs policeException, the reason for closing
	// without one (CheckClosureRequest).
	RequestClosure(ctx context.Context, actor *Actor, caseID, note, policeException string) error
	// ApproveClosure closes the case: never by who asked, and for a TPKS
	// case with no police report only with the exception approved
	// (CheckClosureApproval).
	ApproveClosure(ctx context.Context, actor *Actor, caseID, note string, exceptionApproved bool) error
	Reopen(ctx context.Context, actor *Actor, caseID, reason string) error

	// CaseTeam manages who is on a case. Adding and removing members and
	// naming the case manager take PermCaseAssign and the case key.

	// CaseTeam lists the members whose grant has not expired.
	CaseTeam(ctx context.Context, actor *Actor, caseID string) ([]TeamMember, error)
	// EligibleMembers lists the colleagues who may be added: enrolled,
	// not disabled, a role that works cases (PermCaseWrite), a region that
	// covers the case's, and not on the team already.
	EligibleMembers(ctx context.Context, actor *Actor, caseID string) ([]TeamMember, error)
	// RemoveMember takes a member off the case and re-keys it: every
	// column sealed under the case key is sealed again under a new key,
	// granted anew to the remaining holders only, so the removed member's
	// old key opens nothing written afterwards. The reason is audited.
	RemoveMember(ctx context.Context, actor *Actor, caseID string, userID int64, reason string) error
	// SetManager names a team member the case manager.
	SetManager(ctx context.Context, actor *Actor, caseID string, userID int64) error

	// CaseProtections keeps a case's legal protections, risk assessments and
	// safety plan. Each change needs PermCaseWrite and the case key and is
	// audited without content; they are read with the case (FindCase).

	// SaveRestitution records a restitusi, or with an ID updates it.
	SaveRestitution(ctx context.Context, actor *Actor, caseID string, r *Restitution) error
	// SaveProtectionOrder records an order, or with an ID updates it.
	SaveProtectionOrder(ctx context.Context, actor *Actor, caseID string, o *ProtectionOrder) error
	// AssessRisk keeps an assessment and sets the case's risk to the
	// level chosen.
	AssessRisk(ctx context.Context, actor *Actor, caseID string, a *RiskAssessment) error
	// SaveSafetyPlan keeps a new version of the safety plan.
	SaveSafetyPlan(ctx context.Context, actor *Actor, caseID string, p *SafetyPlan) error
	// SaveTakedown records a KSBE takedown item, or with an ID updates it
	// (status, outcome, more hashes).
	SaveTakedown(ctx context.Context, actor *Actor, caseID string, t *Takedown) error
	// SaveTakedownRequest records a request to the platform or the
	// ministry on an item, or with an ID updates its status; a new request
	// starts its clock.
	SaveTakedownRequest(ctx context.Context, actor *Actor, caseID string, q *TakedownRequest) error

	// Merging attaches duplicate reports to an existing case.

	CaseIDByNumber(ctx context.Context, actor *Actor, number string) (string, error)
	AttachReport(ctx context.Context, actor *Actor, caseID, reportID string) error

	// CaseLister lists cases the actor may see: supervisors every case of
	// their region, others the cases they are on.

	FindCases(ctx context.Context, actor *Actor, f CaseFilter) ([]CaseListItem, error)

	// Workload is work management: counts and dates only, read in one
	// transaction, nothing decrypted.

	// Workload gives the figures of every officer and team of region (the
	// actor's own when ""), for a supervisor (PermCaseAssign) whose region
	// covers it.
	Workload(ctx context.Context, actor *Actor, region string) (*Workload, error)
	// MyWorkload gives the actor's own figures.
	MyWorkload(ctx context.Context, actor *Actor) (*OfficerLoad, error)

	// CaseExporter records that a case summary was printed. The record is
	// checked like a read (policy, team, key); full says whether the identity
	// fields are printed too (then the reveal is its own audit entry).

	RecordCaseExport(ctx context.Context, actor *Actor, caseID string, full bool) error

	// BreakGlass lets a team-role user ask, with a reason, to open a
	// case they are not on; a supervisor of the region, who holds the key,
	// grants it for a few hours. Everything is in the audit log.

	RequestBreakGlass(ctx context.Context, actor *Actor, caseID, reason string) error
	BreakGlassRequests(ctx context.Context, actor *Actor) ([]BreakGlassRequest, error)
	EscrowRecoveries(ctx context.Context, actor *Actor) ([]EscrowRecovery, error)
	ApproveBreakGlass(ctx context.Context, actor *Actor, caseID, requestID string) error
}
