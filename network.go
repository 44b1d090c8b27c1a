package spiker

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Agency is a partner agency (lembaga mitra) of the network: the police's
// PPA unit, a hospital, legal aid... Its users (role Mitra) see only the
// referrals addressed to it. Its directory entry is office data, not case
// content, so it is stored in the clear.
type Agency struct {
	ID         string
	Name       string
	Type       string   // one of AgencyTypes
	RegionCode string   // the region it serves
	Services   []string // SIMFONI service categories it offers
	Contact    string   // for the office's use: phone, e-mail, the person to call
	Active     bool
	CreatedAt  time.Time
}

// AgencyTypes are the kinds of partner agency (DESIGN.md §1).
var AgencyTypes = []string{"Unit PPA Polres", "RSUD", "Puskesmas", "LBH", "Psikolog", "Dinsos", "KUA", "Sekolah", "Pengadilan", "Lainnya"}

// ReferralServices are what a referral can ask for: the SIMFONI service
// categories and the UPTD functions a partner may perform.
var ReferralServices = append(append([]string{}, JenisLayanan[1:]...), "Pendampingan", "Penampungan Sementara")

// Validate checks an agency's directory entry.
func (a *Agency) Validate() error {
	f := map[string]string{}
	if n := utf8.RuneCountInString(strings.TrimSpace(a.Name)); n < 3 || n > 200 {
		f["name"] = "agency.err.name"
	}
	if !contains(AgencyTypes, a.Type) {
		f["type"] = "staff.err.choose"
	}
	if !ValidRegionCodeSyntax(a.RegionCode) {
		f["region"] = "agency.err.region"
	}
	for _, s := range a.Services {
		if !contains(ReferralServices, s) {
			f["services"] = "staff.err.choose"
		}
	}
	if len(a.Services) == 0 {
		f["services"] = "agency.err.services"
	}
	if utf8.RuneCountInString(a.Contact) > MaxShortText || !utf8.ValidString(a.Contact) {
		f["contact"] = "report.err.too_long"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the agency has fields to correct", Fields: f}
	}
	return nil
}

// Packet fields: what a referral may carry about the victim. The case
// manager picks them one by one; the needs are always included.
const (
	PacketVictimName  = "nama_korban"
	PacketVictimAge   = "umur_korban"
	PacketVictimSex   = "jenis_kelamin"
	PacketNIK         = "nik"
	PacketDisability  = "disabilitas"
	PacketViolence    = "jenis_kekerasan"
	PacketIncident    = "kejadian"
	PacketPerpetrator = "pelaku"
	PacketSummary     = "ringkasan"
	PacketNeeds       = "kebutuhan"
)

// PacketFields lists the selectable fields in the order letters show them.
var PacketFields = []string{PacketVictimName, PacketVictimAge, PacketVictimSex, PacketNIK, PacketDisability,
	PacketViolence, PacketIncident, PacketPerpetrator, PacketSummary}

// PacketDefaults are the fields preselected for a service: the least each
// partner needs. Health gets who the victim is and what is needed, not the
// perpetrator; the police get what a report to them needs.
var PacketDefaults = map[string][]string{
	"Kesehatan":                {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketDisability},
	"Bantuan Hukum":            {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketViolence, PacketIncident, PacketPerpetrator, PacketSummary},
	"Penegakan Hukum":          {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketNIK, PacketViolence, PacketIncident, PacketPerpetrator, PacketSummary},
	"Rehabilitasi Sosial":      {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketDisability},
	"Reintegrasi Sosial":       {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketDisability},
	"Pemulangan":               {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketDisability},
	"Pendampingan Tokoh Agama": {PacketVictimName, PacketVictimAge, PacketVictimSex},
	"Pendampingan":             {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketDisability, PacketViolence},
	"Penampungan Sementara":    {PacketVictimName, PacketVictimAge, PacketVictimSex, PacketDisability},
}

// PacketItem is one field of a packet with its value, as the recipient
// reads it.
type PacketItem struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Referral kinds and statuses.
const (
	KindRujukan    = "rujukan"    // referral: the case stays ours
	KindPelimpahan = "pelimpahan" // transfer: the case goes to another office

	ReferralSent      = "dikirim"
	ReferralAccepted  = "diterima"
	ReferralDeclined  = "ditolak"
	ReferralDone      = "selesai"
	ReferralWithdrawn = "ditarik"
	ReferralTransfer  = "dilimpahkan"
)

// Referral is a referral to a partner agency, or a transfer of the case to
// another office. Kind, service, dates and status are clear (statistics and
// deadlines need them); the packet, the agency's answers and the consent
// override's reason are protected.
type Referral struct {
	ID          string
	CaseID      string
	CaseNumber  string
	Kind        string
	AgencyID    string // rujukan
	AgencyName  string
	Destination string // pelimpahan: the office the case goes to
	Service     string
	DueDate     string // YYYY-MM-DD
	Status      string
	Fields      []string
	Consent     string // ConsentByVictim, ConsentByGuardian or ConsentOverride
	CreatedAt   time.Time
	CreatedBy   int64
	RespondedAt *time.Time
	ServiceDate string // YYYY-MM-DD, when the partner gave the service
	CompletedAt *time.Time

	// Protected.
	Packet          []PacketItem
	ConsentOverride string
	Response        string // the partner's reason to decline, or the withdrawal's
	Outcome         string // the service given, in the partner's words
	// Result is the file the partner attached when completing (its name is
	// protected), or nil. The case team opens it among the case's files.
	Result *Attachment
}

// Deadline returns the referral's clock: from when it was sent to the end
// of its due date where the office is, done once the agency has finished
// (or declined, or it was withdrawn). A transfer has none.
func (r *Referral) Deadline(zone *time.Location) (Deadline, bool) {
	if r.Kind != KindRujukan || r.DueDate == "" {
		return Deadline{}, false
	}
	d, ok := DueDateDeadline(r.CreatedAt, r.DueDate, zone)
	d.Done = !r.Open()
	return d, ok
}

// Overdue reports whether the referral's due date has passed at now while
// it is still open at the agency.
func (r *Referral) Overdue(now time.Time, zone *time.Location) bool {
	d, ok := r.Deadline(zone)
	return ok && d.State(now) == LimitRed
}

// Open reports whether the agency still has work to do on it.
func (r *Referral) Open() bool { return r.Status == ReferralSent || r.Status == ReferralAccepted }

// ReferralRequest is what the case manager fills in to refer or transfer.
type ReferralRequest struct {
	CaseID          string
	Kind            string
	AgencyID        string
	Destination     string
	Service         string
	DueDate         string
	VictimID        string
	Fields          []string
	Needs           string
	Consent         string
	ConsentOverride string
}

// Validate checks a referral request; today bounds the due date.
func (q *ReferralRequest) Validate(today time.Time) error {
	f := map[string]string{}
	switch q.Kind {
	case KindRujukan:
		if q.AgencyID == "" {
			f["agency"] = "staff.err.choose"
		}
		if !contains(ReferralServices, q.Service) {
			f["service"] = "staff.err.choose"
		}
		if _, err := time.Parse(time.DateOnly, q.DueDate); err != nil || q.DueDate < today.Format(time.DateOnly) {
			f["due_date"] = "referral.err.due_date"
		}
	case KindPelimpahan:
		if n := utf8.RuneCountInString(strings.TrimSpace(q.Destination)); n < 3 || n > 200 {
			f["destination"] = "referral.err.destination"
		}
	default:
		f["kind"] = "staff.err.choose"
	}
	for _, x := range q.Fields {
		if !contains(PacketFields, x) {
			f["fields"] = "staff.err.choose"
		}
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(q.Needs)); n == 0 {
		f["needs"] = "referral.err.needs"
	} else if n > MaxMessage || !utf8.ValidString(q.Needs) {
		f["needs"] = "followup.err.long"
	}
	switch q.Consent {
	case ConsentByVictim, ConsentByGuardian:
	case ConsentOverride:
		if utf8.RuneCountInString(strings.TrimSpace(q.ConsentOverride)) < 10 {
			f["consent_override"] = "staff.err.consent_override"
		}
	default:
		f["consent"] = "referral.err.consent"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the referral has fields to correct", Fields: f}
	}
	return nil
}

// Visit kinds, places, statuses and outcomes (DESIGN.md §2.5).
const (
	VisitOutreach = "penjangkauan"
	VisitMeeting  = "pertemuan"

	VisitScheduled = "dijadwalkan"
	VisitDone      = "selesai"

	OutcomeMet    = "bertemu"
	OutcomeNotMet = "tidak_bertemu"
	OutcomeUnsafe = "tidak_aman"

	// What the reporter sees on follow-up: nothing, a proposal, or a
	// confirmed meeting.
	ReporterHidden    = ""
	ReporterProposed  = "diusulkan"
	ReporterConfirmed = "dikonfirmasi"
)

var (
	VisitKinds     = []string{VisitOutreach, VisitMeeting}
	PlaceKinds     = []string{"tempat_aman", "kantor_desa", "kantor_uptd", "puskesmas", "lainnya"}
	VisitOutcomes  = []string{OutcomeMet, OutcomeNotMet, OutcomeUnsafe}
	ReporterShowAs = []string{ReporterHidden, ReporterProposed, ReporterConfirmed}
)

// Visit is an outreach visit or a face-to-face meeting. When, the kind of
// place, the region and the status are clear (the field officer's list and
// the reporter's notice need them); where exactly, who to ask for, safety
// notes, accommodation and what was found are protected under the visit's
// own key, which only the officers who go and the case team hold.
type Visit struct {
	ID             string
	CaseID         string
	CaseNumber     string
	Kind           string
	At             time.Time
	PlaceKind      string
	RegionCode     string // kecamatan or desa of the place
	Team           []int64
	ReportID       string // the report whose meeting request this answers
	ReporterStatus string
	Status         string
	Outcome        string
	CreatedBy      int64
	OutcomeAt      *time.Time

	Details VisitDetails // protected
	Result  VisitResult  // protected
}

// VisitDetails is the minimum the officers need to carry a visit out.
type VisitDetails struct {
	Place         string `json:"place"`
	AskFor        string `json:"ask_for"`
	Accommodation string `json:"accommodation"`
	SafetyNotes   string `json:"safety_notes"`
}

// VisitResult is what the officer records on return.
type VisitResult struct {
	Findings string `json:"findings"`
	NextStep string `json:"next_step"`
}

// Validate checks a visit before it is scheduled.
func (v *Visit) Validate(now time.Time) error {
	f := map[string]string{}
	if !contains(VisitKinds, v.Kind) {
		f["kind"] = "staff.err.choose"
	}
	if !contains(PlaceKinds, v.PlaceKind) {
		f["place_kind"] = "staff.err.choose"
	}
	if v.At.IsZero() || v.At.Before(now.Add(-24*time.Hour)) {
		f["at"] = "visit.err.at"
	}
	if strings.Count(v.RegionCode, ".") < 2 || !ValidRegionCodeSyntax(v.RegionCode) {
		f["region"] = "report.err.kecamatan"
	}
	if len(v.Team) == 0 {
		f["team"] = "visit.err.team"
	}
	if !contains(ReporterShowAs, v.ReporterStatus) || v.ReporterStatus != "" && v.ReportID == "" {
		f["reporter_status"] = "visit.err.reporter"
	}
	if strings.TrimSpace(v.Details.Place) == "" && v.PlaceKind != "kantor_uptd" {
		f["place"] = "visit.err.place"
	}
	for _, s := range []string{v.Details.Place, v.Details.AskFor, v.Details.Accommodation, v.Details.SafetyNotes} {
		if utf8.RuneCountInString(s) > MaxMessage || !utf8.ValidString(s) {
			f["place"] = "report.err.too_long"
		}
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the visit has fields to correct", Fields: f}
	}
	return nil
}

// MeetingRequest is a reporter's request to meet, from follow-up, as the
// case team sees it.
type MeetingRequest struct {
	ReportID string
	At       time.Time
	Body     string
}

// MeetingNotice is what a reporter sees of a meeting on follow-up: when,
// the kind of place, and whether it is proposed or confirmed. No names.
type MeetingNotice struct {
	At        time.Time
	PlaceKind string
	Status    string
}

// FiledReport is a report a staff member or Fokal Desa filed on someone's
// behalf, as its filer sees it afterwards: status only.
type FiledReport struct {
	ID         string
	CreatedAt  time.Time
	Channel    Channel
	RegionCode string
	Status     ReportStatus
}

// Letterhead is the office's heading for printed letters, from settings;
// its phone, WhatsApp and address are also the help shown on public pages.
type Letterhead struct {
	Office   string
	Agency   string
	Address  string
	Phone    string
	WhatsApp string // the office's WhatsApp number, shown to the public
	Email    string
	City     string // the place in the date line, e.g. Lamongan
}

// Validate checks the letterhead's lengths.
func (l *Letterhead) Validate() error {
	f := map[string]string{}
	if strings.TrimSpace(l.Office) == "" {
		f["office"] = "settings.err.office"
	}
	for k, s := range map[string]string{"office": l.Office, "agency": l.Agency, "address": l.Address, "phone": l.Phone, "whatsapp": l.WhatsApp, "email": l.Email, "city": l.City} {
		if utf8.RuneCountInString(s) > 200 || !utf8.ValidString(s) {
			f[k] = "report.err.too_long"
		}
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the letterhead has fields to correct", Fields: f}
	}
	return nil
}

// Network is the office's partners and the field: agencies and their members, referrals, visits and meetings,
// the office's settings and local categories.
type Network interface {
	// The directory is the admin's side of the partner agencies.

	Agencies(ctx context.Context) ([]Agency, error)
	Agency(ctx context.Context, id string) (*Agency, error)
	SaveAgency(ctx context.Context, actor *Actor, a *Agency) error

	// AgencyMembers lets a partner user give their agency's key to a colleague
	// of the same agency.

	AgencyColleagues(ctx context.Context, actor *Actor) ([]User, error)
	AdmitColleague(ctx context.Context, actor *Actor, userID int64) error
	// FieldOfficers returns the users who can go on a visit in a region:
	// its field officers and satgas, for the visit form.
	FieldOfficers(ctx context.Context, actor *Actor, region string) ([]User, error)

	// Referral carries referrals and transfers between the case team
	// and the network. Every method goes through Authorize; the packet opens
	// only with the agency's key or the case's.

	// CreateReferral builds the packet from the case record and sends it.
	CreateReferral(ctx context.Context, actor *Actor, q *ReferralRequest) (*Referral, error)
	// TransferCase records a pelimpahan and closes the case with it.
	TransferCase(ctx context.Context, actor *Actor, q *ReferralRequest) (*Referral, error)
	// FindReferrals lists the referrals f selects (ReferralFilter).
	FindReferrals(ctx context.Context, actor *Actor, f ReferralFilter) ([]Referral, error)
	// Referral opens one referral for its agency or its case team.
	Referral(ctx context.Context, actor *Actor, id string) (*Referral, error)
	RespondReferral(ctx context.Context, actor *Actor, id string, accept bool, reason string) error
	// CompleteReferral records the service given and closes the agency's
	// part; the case then shows the service as delivered. result, when not
	// nil, is the partner's result file (already cleaned), stored as a file
	// of the case with the referral, or nothing is stored at all.
	CompleteReferral(ctx context.Context, actor *Actor, id, serviceDate, outcome string, result *Upload) error
	WithdrawReferral(ctx context.Context, actor *Actor, id, reason string) error

	// Visit plans outreach visits and meetings and records their
	// outcome. Field officers reach only the visits they go on; a Satgas
	// Kecamatan lists the visits of its kecamatan.

	ScheduleVisit(ctx context.Context, actor *Actor, v *Visit) error
	// FindVisits lists the visits f selects (VisitFilter).
	FindVisits(ctx context.Context, actor *Actor, f VisitFilter) ([]Visit, error)
	Visit(ctx context.Context, actor *Actor, id string) (*Visit, error)
	RecordOutcome(ctx context.Context, actor *Actor, id, outcome string, r VisitResult) error
	// MeetingRequests returns the meeting requests of a case's reports
	// that the actor holds the keys to.
	MeetingRequests(ctx context.Context, actor *Actor, caseID string) ([]MeetingRequest, error)

	// Settings: the office's settings.

	Letterhead(ctx context.Context) (*Letterhead, error)
	SetLetterhead(ctx context.Context, actor *Actor, l *Letterhead) error

	// OfficeCategories keeps the office's own case categories. Saving needs
	// PermSettings and is audited.

	// OfficeCategories returns every category, active ones first, by name.
	OfficeCategories(ctx context.Context) ([]OfficeCategory, error)
	// SaveOfficeCategory adds a category (c.ID empty) or renames,
	// re-labels, deactivates or reactivates one.
	SaveOfficeCategory(ctx context.Context, actor *Actor, c *OfficeCategory) error
}

// ReferralFilter selects referrals: set exactly one field.
type ReferralFilter struct {
	// CaseID: a case's referrals and transfers with their packets, for the
	// case team, oldest first.
	CaseID string
	// Agency: the referrals to the actor's agency, newest first, without
	// their packets (each is opened on its own, and the read logged).
	Agency bool
	// Overdue: the open referrals past their due date on the cases the
	// actor is on (a supervisor: of their region), without packets: those
	// whose Deadline is red now; the oldest due first.
	Overdue bool
}

// Validate checks that the filter selects one thing.
func (f ReferralFilter) Validate() error {
	n := 0
	for _, set := range []bool{f.CaseID != "", f.Agency, f.Overdue} {
		if set {
			n++
		}
	}
	if n != 1 {
		return Errorf(EINVALID, "a referral filter selects a case's referrals, the agency's or the overdue ones: exactly one")
	}
	return nil
}

// VisitFilter selects visits.
type VisitFilter struct {
	// CaseID: a case's visits with their details, for the case team. Empty:
	// the actor's visits (their own, or their region's for a Satgas
	// Kecamatan or supervisor), without protected details.
	CaseID string
}
