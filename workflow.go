package spiker

import (
	"time"
)

// CaseSteps are the national service standard's steps, in order.
var CaseSteps = []string{"pengaduan", "identifikasi", "asesmen", "rencana intervensi", "pelaksanaan", "pemantauan dan evaluasi", "terminasi"}

// Case statuses.
const (
	CaseOpen             = "terbuka"
	CaseClosureRequested = "penutupan diminta"
	CaseClosed           = "ditutup"
)

// Entry kinds of a case, each with its categories (SIMFONI labels where
// SIMFONI has them).
var EntryCategories = map[string][]string{
	"asesmen":      {"Biopsikososial"},
	"rencana":      append(append([]string{}, JenisLayanan...), FungsiUPTD...),
	"layanan":      append(append([]string{}, JenisLayanan...), FungsiUPTD...),
	"proses_hukum": ProsesHukum,
	"catatan":      {"Catatan"},
}

// SIMFONI service categories, the UPTD's own functions, and the legal
// process of the perpetrator (DESIGN.md §3).
var (
	JenisLayanan = []string{"Pengaduan", "Kesehatan", "Bantuan Hukum", "Penegakan Hukum", "Rehabilitasi Sosial", "Reintegrasi Sosial", "Pemulangan", "Pendampingan Tokoh Agama"}
	FungsiUPTD   = []string{"Penjangkauan", "Penampungan Sementara", "Mediasi", "Pendampingan"}
	ProsesHukum  = []string{"Pelaporan", "Penyelidikan", "Penyidikan", "Penuntutan", "Pengadilan Tingkat I", "Pengadilan Tingkat II", "Kasasi", "Peninjauan Kembali", "Diversi"}
)

// PoliceReportDeadline is the TPKS duty to report to police (UU 12/2022
// Pasal 41): 3 × 24 hours by default from the first report.
func PoliceReportDeadline(reported time.Time, l TimeLimits) Deadline {
	return Deadline{Start: reported, Due: reported.Add(l.TPKSPolice)}
}

// CaseEntry is one record on a case's timeline. Body is protected.
type CaseEntry struct {
	ID       string
	At       time.Time
	AuthorID int64
	Kind     string
	Category string
	DueDate  string // YYYY-MM-DD for plan items
	Body     string
	// ReferralID is set on a service a partner delivered through a referral.
	ReferralID string
}

// PlanDeadline returns the clock of a plan item with a due date: it runs
// from the item's entry to the end of its due date, and is done once a
// service of its category is recorded after it (or the case closed), as
// the job that alerts on it checks.
func (c *Case) PlanDeadline(e CaseEntry, zone *time.Location) (Deadline, bool) {
	if e.Kind != "rencana" || e.DueDate == "" {
		return Deadline{}, false
	}
	d, ok := DueDateDeadline(e.At, e.DueDate, zone)
	d.Done = c.Status == CaseClosed
	for _, x := range c.Entries {
		d.Done = d.Done || x.Kind == "layanan" && x.Category == e.Category && !x.At.Before(e.At)
	}
	return d, ok
}

// ValidateEntry checks an entry and the rules of the standard: no Mediasi
// in a TPKS case unless the perpetrator is a child (UU 12/2022 Pasal 23).
func ValidateEntry(e *CaseEntry, tpks, perpetratorChild bool) error {
	f := map[string]string{}
	cats, ok := EntryCategories[e.Kind]
	if !ok {
		f["kind"] = "staff.err.choose"
	} else if !contains(cats, e.Category) {
		f["category"] = "staff.err.choose"
	}
	if e.Category == "Mediasi" && tpks && !perpetratorChild {
		f["category"] = "staff.err.mediation_tpks"
	}
	if e.DueDate != "" {
		if _, err := time.Parse(time.DateOnly, e.DueDate); err != nil {
			f["due_date"] = "report.err.incident_date"
		}
	}
	if err := ValidateMessage(MessageReply, e.Body); err != nil && e.Kind != "layanan" && e.Kind != "proses_hukum" {
		f["body"] = "followup.err.empty"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the entry has fields to correct", Fields: f}
	}
	return nil
}

// BreakGlassRequest is a request to open a case one is not on.
type BreakGlassRequest struct {
	ID         string
	CaseID     string
	CaseNumber string
	UserID     int64
	Username   string
	Reason     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	Status     string // "diminta" (pending) or "disetujui" (granted)
}

// EscrowRecovery is one use of the escrow: what was re-granted (a report's
// or a case's key, or a holder group) to whom, and why. The reason is for
// the supervisors; the audit log keeps only that it happened.
type EscrowRecovery struct {
	ID        string
	Kind      string // "report", "case" or "group"
	TargetID  string // record id or group name
	Username  string
	Reason    string
	CreatedAt time.Time
}

// CaseFilter narrows a case list. Zero fields do not filter.
type CaseFilter struct {
	Number   string // prefix, e.g. 3524/2026/
	Status   string
	Step     string
	Region   string // inside the actor's region
	From, To time.Time
	Mine     bool // only cases the actor is on
	Overdue  bool // TPKS cases whose police report is overdue
	Before   time.Time
	BeforeID string
	Limit    int
}

// CaseListItem is one case in a list: categorical fields only.
type CaseListItem struct {
	ID               string
	Number           string
	CreatedAt        time.Time
	RegionCode       string
	Status           string
	Step             string
	TPKS             bool
	PoliceReportedAt *time.Time
	ReportedAt       time.Time // the first report, where the TPKS clock starts
}

// PoliceOverdue reports whether the case's TPKS police report is overdue
// at now.
func (it *CaseListItem) PoliceOverdue(l TimeLimits, now time.Time) bool {
	d := PoliceReportDeadline(it.ReportedAt, l)
	d.Done = it.PoliceReportedAt != nil
	return it.TPKS && it.Status != CaseClosed && d.State(now) == LimitRed
}
