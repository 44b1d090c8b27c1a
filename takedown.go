package spiker

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The KSBE takedown tracker (kekerasan seksual berbasis elektronik, UU
// 12/2022 TPKS Pasal 14 and Pasal 46–47: the victim is entitled to the
// removal of intimate content shared without consent). The office asks the
// platform directly and the ministry (Kominfo/Komdigi) to order it. The
// content's URL, the evidence hashes, the reference numbers and the outcome
// note are sealed with the case key; platform, statuses and dates stay
// clear for the time limit.

// TakedownPlatforms are where the content is, in the form's order.
var TakedownPlatforms = []string{"facebook", "instagram", "tiktok", "x", "whatsapp", "telegram", "youtube", "situs_web", "lainnya"}

// Statuses of a takedown item.
const (
	TakedownOpen    = "diproses" // requests running
	TakedownRemoved = "dihapus"  // the content is gone
	TakedownRefused = "ditolak"  // the platform and the ministry refused
	TakedownClosed  = "ditutup"  // closed otherwise (the victim withdrew, the site is gone)
)

// TakedownStatuses lists an item's statuses.
var TakedownStatuses = []string{TakedownOpen, TakedownRemoved, TakedownRefused, TakedownClosed}

// Whom a request goes to.
const (
	TakedownToPlatform = "platform"
	TakedownToMinistry = "kementerian"
)

// TakedownAddressees lists whom a request can go to.
var TakedownAddressees = []string{TakedownToPlatform, TakedownToMinistry}

// Statuses of one request.
const (
	RequestSent       = "dikirim"
	RequestProcessing = "diproses"
	RequestRemoved    = "dihapus"
	RequestRefused    = "ditolak"
	RequestNoAnswer   = "tidak_ada_jawaban"
)

// TakedownRequestStatuses lists a request's statuses.
var TakedownRequestStatuses = []string{RequestSent, RequestProcessing, RequestRemoved, RequestRefused, RequestNoAnswer}

// TakedownLimit is how long the addressee has to act on a request before
// its clock turns red: 2 × 24 hours. PM Kominfo 5/2020 gives a platform
// 1 × 24 h after the ministry's order (4 h for urgent content); a request
// through the ministry needs its own processing before that order, and a
// platform asked directly is held to the same pace.
const TakedownLimit = 48 * time.Hour

// MaxTakedownFiles is how many case files one save may hash.
const MaxTakedownFiles = 20

// MaxURL is the longest content location accepted.
const MaxURL = 2000

// EvidenceHash is the SHA-256 of one piece of evidence: of a case file
// (computed by the server from the stored file) or entered by staff.
type EvidenceHash struct {
	SHA256   string `json:"sha256"`
	FileID   string `json:"file_id,omitempty"`
	FileName string `json:"file_name,omitempty"`
}

// Takedown is one piece of content to be removed.
type Takedown struct {
	ID        string
	CreatedAt time.Time
	ActorID   int64
	Platform  string
	URL       string // sealed
	Hashes    []EvidenceHash
	Status    string
	OutcomeOn string // YYYY-MM-DD, "" while open
	Outcome   string // sealed
	Requests  []TakedownRequest

	// On input only: case files to hash, and hashes typed by staff (hex,
	// separated by spaces, commas or lines).
	FileIDs     []string
	EnteredHash string
}

// TakedownRequest is one request sent to the platform or the ministry.
type TakedownRequest struct {
	ID         string
	TakedownID string
	CreatedAt  time.Time
	ActorID    int64
	To         string
	SentAt     time.Time
	Reference  string // the ticket or letter number, sealed
	Status     string
	OutcomeOn  string // YYYY-MM-DD
	// ItemDone is the item's or the case's end, which stops the clock too
	// (filled when read).
	ItemDone bool
}

// Answered reports whether the request's own status ends its clock.
func (q *TakedownRequest) Answered() bool {
	return q.Status == RequestRemoved || q.Status == RequestRefused || q.Status == RequestNoAnswer
}

// Deadline is the request's clock: TakedownLimit from when it was sent,
// done once answered or once the item or the case is over.
func (q *TakedownRequest) Deadline() Deadline {
	return Deadline{Start: q.SentAt, Due: q.SentAt.Add(TakedownLimit), Done: q.Answered() || q.ItemDone}
}

// ParseHashes reads hex SHA-256 hashes separated by spaces, commas or
// lines, lower-cased; ok is false when one is not 64 hex digits.
func ParseHashes(s string) (out []string, ok bool) {
	for _, h := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		h = strings.ToLower(h)
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			return nil, false
		}
		out = append(out, h)
	}
	return out, true
}

// checkPastDate marks a date that is not YYYY-MM-DD or after today;
// empty is allowed.
func checkPastDate(date, today, field string, fields map[string]string) {
	if date == "" {
		return
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		fields[field] = "protect.err.date"
	} else if date > today {
		fields[field] = "takedown.err.future"
	}
}

// Validate checks an item on input; today is the office's date. An
// update may leave the URL empty to keep the one recorded.
func (t *Takedown) Validate(today string) error {
	fields := map[string]string{}
	if !slices.Contains(TakedownPlatforms, t.Platform) {
		fields["td_platform"] = "staff.err.choose"
	}
	u, err := url.Parse(strings.TrimSpace(t.URL))
	if (t.ID == "" || t.URL != "") && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(t.URL) > MaxURL || !utf8.ValidString(t.URL)) {
		fields["td_url"] = "takedown.err.url"
	}
	if len(t.FileIDs) > MaxTakedownFiles {
		fields["td_files"] = "takedown.err.file"
	}
	if _, ok := ParseHashes(t.EnteredHash); !ok {
		fields["td_hash"] = "takedown.err.hash"
	}
	if !slices.Contains(TakedownStatuses, t.Status) {
		fields["td_status"] = "staff.err.choose"
	}
	checkPastDate(t.OutcomeOn, today, "td_outcome_on", fields)
	if t.Status != TakedownOpen && t.Status != "" && t.OutcomeOn == "" && fields["td_status"] == "" {
		fields["td_outcome_on"] = "takedown.err.outcome_date"
	}
	checkNotes(t.Outcome, "td_outcome", fields)
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "the takedown item has fields to correct", Fields: fields}
	}
	return nil
}

// Validate checks a request on input; now is the present instant and
// zone the office's time zone.
func (q *TakedownRequest) Validate(now time.Time, zone *time.Location) error {
	fields := map[string]string{}
	if !slices.Contains(TakedownAddressees, q.To) {
		fields["tr_to"] = "staff.err.choose"
	}
	switch {
	case q.SentAt.IsZero():
		fields["tr_sent_at"] = "takedown.err.sent_at"
	case q.SentAt.After(now.Add(time.Minute)):
		fields["tr_sent_at"] = "takedown.err.future"
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(q.Reference)); n > 200 || !utf8.ValidString(q.Reference) {
		fields["tr_reference"] = "report.err.too_long"
	}
	if !slices.Contains(TakedownRequestStatuses, q.Status) {
		fields["tr_status"] = "staff.err.choose"
	}
	today := now.In(zone).Format(time.DateOnly)
	checkPastDate(q.OutcomeOn, today, "tr_outcome_on", fields)
	if fields["tr_outcome_on"] == "" && q.OutcomeOn != "" && !q.SentAt.IsZero() && q.OutcomeOn < q.SentAt.In(zone).Format(time.DateOnly) {
		fields["tr_outcome_on"] = "takedown.err.before_sent"
	}
	if (q.Status == RequestRemoved || q.Status == RequestRefused) && q.OutcomeOn == "" && fields["tr_outcome_on"] == "" {
		fields["tr_outcome_on"] = "takedown.err.outcome_date"
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "the takedown request has fields to correct", Fields: fields}
	}
	return nil
}
