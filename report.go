package spiker

import (
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

// Channels lists every channel.
var Channels = []Channel{ChannelWeb, ChannelWhatsApp, ChannelTelepon, ChannelLangsung, ChannelSurat,
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
	if !contains(Channels, r.Channel) {
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

// ReportService stores reports. Reading needs the report's key: only its
// holders (the duty-intake group, the supervisors, the reporter's receipt,
// the escrow) can decrypt it, whatever the caller's role.
type ReportService interface {
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
}

// CaseService stores cases.
type CaseService interface {
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

	// --- Issue 18 (h-caseview): the case page in one read. ---

	// CaseView reads everything the case page shows (see CaseView) in one
	// transaction, opening the case key once, and writes one audit entry
	// for it; reveal adds the reveal's own entry (the caller unmasks). A
	// refusal is audited and nothing is returned.
	CaseView(ctx context.Context, actor *Actor, id string, reveal bool) (*CaseView, error)
}

// CaseExporter records that a case summary was printed. The record is
// checked like a read (policy, team, key); full says whether the identity
// fields are printed too (then the reveal is its own audit entry).
type CaseExporter interface {
	RecordCaseExport(ctx context.Context, actor *Actor, caseID string, full bool) error
}
