package spiker

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// What a data subject asks for (UU 27/2022 art. 5-11): the code values;
// the pages name them.
const (
	PDPAccess   = "access"   // a copy of what the office holds (an export)
	PDPCorrect  = "correct"  // correction of inaccurate data
	PDPRestrict = "restrict" // restriction of processing
	PDPErase    = "erase"    // erasure, where the law allows
	PDPOther    = "other"
)

// PDPRights lists what a data subject may ask for, in the form's order.
var PDPRights = []string{PDPAccess, PDPCorrect, PDPRestrict, PDPErase, PDPOther}

// How the requester's identity was verified.
var PDPVerifyMethods = []string{"ktp_tatap_muka", "ktp_salinan", "telepon_balik", "surat_kuasa", "lainnya"}

// A decision on a request.
const (
	PDPGranted = "granted"
	PDPPartly  = "partly"
	PDPRefused = "refused"
)

// PDPOutcomes lists the decisions, in the form's order.
var PDPOutcomes = []string{PDPGranted, PDPPartly, PDPRefused}

// PDPContent is the request itself: who asks, how to answer them and what
// they ask, in their words. It may name people: it is sealed.
type PDPContent struct {
	Name    string
	Contact string
	Request string
}

// PDPVerification is how the requester's identity was checked. Method, who
// and when are clear; Details are sealed with the request.
type PDPVerification struct {
	Method  string
	By      int64
	ByName  string
	At      time.Time
	Details string
}

// PDPDecision answers a request. Reason is sealed; the legal basis (a
// category of law, e.g. "UU 27/2022 Pasal 15 ayat (1) huruf b") is clear,
// and is required for a refusal and for any decision on erasure, whose
// execution (crypto-shredding, refused under a legal hold) follows it.
type PDPDecision struct {
	Outcome    string
	Reason     string
	LegalBasis string
	By         int64
	At         time.Time
}

// PDPNewRequest is what the register's form sends.
type PDPNewRequest struct {
	Kind       string
	Right      string // for a data-subject request
	ReceivedAt time.Time
	CaseNumber string // optional: the case the office holds about the person
	ReportID   string // optional: a report (not yet a case) about the person
	Content    PDPContent
}

// PDPExport is what an access export holds: what the exporting user reads
// of the linked case (its page's view) or, for a report that is no case,
// of the report (its page's reads).
type PDPExport struct {
	Request  *PDPRequest
	Case     *CaseView
	Report   *Report
	Messages []Message
	Notes    []Message
	Files    []Attachment
}

func pdpText(f map[string]string, field, v string, min, max int) {
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if n < min || n > max || !utf8.ValidString(v) {
		f[field] = "pdp.err." + field
	}
}

// Validate checks a new request against the time now.
func (q *PDPNewRequest) Validate(now time.Time) error {
	f := map[string]string{}
	if !slices.Contains(PDPKinds, q.Kind) {
		f["kind"] = "staff.err.choose"
	}
	if q.ReceivedAt.IsZero() || q.ReceivedAt.After(now.Add(time.Minute)) {
		f["received"] = "pdp.err.received"
	}
	if q.Kind == PDPKinds[0] {
		if !slices.Contains(PDPRights, q.Right) {
			f["right"] = "staff.err.choose"
		}
		pdpText(f, "name", q.Content.Name, 2, 200)
		pdpText(f, "contact", q.Content.Contact, 3, 300)
		pdpText(f, "request", q.Content.Request, 5, MaxMessage)
	} else {
		pdpText(f, "request", q.Content.Request, 0, MaxMessage)
	}
	if len(q.CaseNumber) > 100 {
		f["case_number"] = "staff.err.case_number"
	}
	if len(q.ReportID) > 100 {
		f["report"] = "pdp.err.report"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the request has fields to correct", Fields: f}
	}
	return nil
}

// Validate checks a verification.
func (v *PDPVerification) Validate() error {
	f := map[string]string{}
	if !slices.Contains(PDPVerifyMethods, v.Method) {
		f["method"] = "staff.err.choose"
	}
	pdpText(f, "details", v.Details, 0, MaxMessage)
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the verification has fields to correct", Fields: f}
	}
	return nil
}

// Validate checks a decision on a request for right: a reason always; a
// legal basis for a refusal or partial grant and for any erasure decision.
func (d *PDPDecision) Validate(right string) error {
	f := map[string]string{}
	if !slices.Contains(PDPOutcomes, d.Outcome) {
		f["outcome"] = "staff.err.choose"
	}
	pdpText(f, "reason", d.Reason, 5, MaxMessage)
	basis := utf8.RuneCountInString(strings.TrimSpace(d.LegalBasis))
	if (d.Outcome != PDPGranted || right == PDPErase) && basis < 5 {
		f["legal_basis"] = "pdp.err.legal_basis"
	} else if basis > 300 {
		f["legal_basis"] = "pdp.err.legal_basis"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the decision has fields to correct", Fields: f}
	}
	return nil
}

// CheckVerified refuses what answers a data subject (an export, a decision
// that grants anything) before the requester's identity was verified:
// a person's data goes to that person only.
// PDPExportRecipients are who an access export may be handed to: the
// victim herself, or the parent or guardian of a child victim. The export
// holds the whole record as its holder reads it — the victim's identity,
// story and whereabouts, the perpetrator's — so a request from anyone else
// (a perpetrator asking what the office holds on him) is decided without
// it, refused with its legal basis (UU 27/2022 Pasal 15) or answered by
// hand.
var PDPExportRecipients = []string{"korban", "wali"}

// CheckExportRecipient refuses an access export to anyone but the victim
// or a child victim's guardian.
func CheckExportRecipient(recipient string) error {
	if !slices.Contains(PDPExportRecipients, recipient) {
		return &Error{Code: EINVALID, Message: "an access export is handed only to the victim or a child victim's guardian", Fields: map[string]string{"recipient": "pdp.err.recipient"}}
	}
	return nil
}

func (p *PDPRequest) CheckVerified() error {
	if p.Verification == nil {
		return &Error{Code: EINVALID, Message: "verify the requester's identity first", Fields: map[string]string{"method": "pdp.err.verify_first"}}
	}
	return nil
}
