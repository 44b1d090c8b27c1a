package spiker

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Legal protections on a case (UU 12/2022 TPKS): restitusi (Pasal 30–31)
// and protection orders — the police's perlindungan sementara (Pasal 42)
// and the orders of LPSK or a court. Kinds, issuers, dates, amounts and
// statuses are categorical and stay clear for time limits and statistics;
// only the notes are sealed with the case key.

// Kinds of protection order.
const (
	OrderTemporary   = "perlindungan_sementara" // Pasal 42: by the police, at most 14 days
	OrderRestriction = "pembatasan_gerak"       // perintah pembatasan gerak pelaku
	OrderLPSK        = "perlindungan_lpsk"      // perlindungan by LPSK
	OrderCourt       = "perlindungan_pengadilan"
)

// ProtectionOrderKinds lists the kinds in the order the form shows them.
var ProtectionOrderKinds = []string{OrderTemporary, OrderRestriction, OrderLPSK, OrderCourt}

// ProtectionIssuers are who issues an order.
var ProtectionIssuers = []string{"kepolisian", "lpsk", "pengadilan"}

// Statuses of a protection order.
const (
	OrderActive  = "berlaku"
	OrderRevoked = "dicabut"
	OrderEnded   = "selesai"
)

// ProtectionOrderStatuses lists the statuses an order can have.
var ProtectionOrderStatuses = []string{OrderActive, OrderRevoked, OrderEnded}

// TemporaryProtectionDays is the longest perlindungan sementara (UU TPKS
// Pasal 42 ayat 2: paling lama 14 hari).
const TemporaryProtectionDays = 14

// ProtectionEndingDays is how close an order's end must be for the case
// page to mark it and for the case team to be alerted.
const ProtectionEndingDays = 3

// ProtectionOrder is one protection order on a case. Dates are YYYY-MM-DD
// in the regency's time zone; the end is inclusive.
type ProtectionOrder struct {
	ID        string
	CreatedAt time.Time
	ActorID   int64
	Kind      string
	Issuer    string
	StartsOn  string
	EndsOn    string
	Status    string
	Notes     string // sealed
}

// Validate checks an order: a known kind, issuer and status, real dates
// with the end not before the start, and a perlindungan sementara by the
// police for at most 14 days.
func (o *ProtectionOrder) Validate() error {
	fields := map[string]string{}
	if !slices.Contains(ProtectionOrderKinds, o.Kind) {
		fields["order_kind"] = "staff.err.choose"
	}
	if !slices.Contains(ProtectionIssuers, o.Issuer) {
		fields["order_issuer"] = "staff.err.choose"
	}
	if !slices.Contains(ProtectionOrderStatuses, o.Status) {
		fields["order_status"] = "staff.err.choose"
	}
	start, errStart := time.Parse(time.DateOnly, o.StartsOn)
	end, errEnd := time.Parse(time.DateOnly, o.EndsOn)
	switch {
	case errStart != nil:
		fields["order_starts"] = "protect.err.date"
	case errEnd != nil:
		fields["order_ends"] = "protect.err.date"
	case end.Before(start):
		fields["order_ends"] = "protect.err.end_before_start"
	case o.Kind == OrderTemporary && end.Sub(start) > (TemporaryProtectionDays-1)*24*time.Hour:
		fields["order_ends"] = "protect.err.temporary_14"
	}
	if o.Kind == OrderTemporary && o.Issuer != "" && o.Issuer != "kepolisian" && fields["order_issuer"] == "" {
		fields["order_issuer"] = "protect.err.temporary_police"
	}
	checkNotes(o.Notes, "order_notes", fields)
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "the protection order is not complete", Fields: fields}
	}
	return nil
}

// EndingSoon reports whether an order in force ends within
// ProtectionEndingDays of today (YYYY-MM-DD), today included.
func (o *ProtectionOrder) EndingSoon(today string) bool {
	if o.Status != OrderActive {
		return false
	}
	t, err1 := time.Parse(time.DateOnly, today)
	end, err2 := time.Parse(time.DateOnly, o.EndsOn)
	return err1 == nil && err2 == nil && !end.Before(t) && end.Sub(t) <= ProtectionEndingDays*24*time.Hour
}

// Current reports whether an order is in force and has not ended by today.
func (o *ProtectionOrder) Current(today string) bool {
	return o.Status == OrderActive && o.EndsOn >= today
}

// AlertAt returns when the case team is told that an order in force ends:
// 08:00 local, ProtectionEndingDays before its last day (at once when that
// is past), and false once the order has ended or is not in force.
func (o *ProtectionOrder) AlertAt(now time.Time, zone *time.Location) (time.Time, bool) {
	end, err := time.ParseInLocation(time.DateOnly, o.EndsOn, zone)
	if o.Status != OrderActive || err != nil || !now.Before(end.AddDate(0, 0, 1)) {
		return time.Time{}, false
	}
	at := end.AddDate(0, 0, -ProtectionEndingDays).Add(8 * time.Hour)
	if at.Before(now) {
		at = now
	}
	return at.UTC(), true
}

// Payment states of a restitusi.
var RestitutionPayments = []string{"belum_dibayar", "dibayar_sebagian", "dibayar_lunas"}

// Restitution is a restitusi (UU TPKS Pasal 30–31): asked for on a date
// for an amount, decided on a date for an amount, then paid or not.
// Amounts are whole rupiah; a decided amount of -1 means not decided yet.
type Restitution struct {
	ID              string
	CreatedAt       time.Time
	ActorID         int64
	RequestedOn     string
	AmountRequested int64
	DecidedOn       string // "" until decided
	AmountDecided   int64
	Payment         string // one of RestitutionPayments, "" until decided
	Notes           string // sealed
}

// Validate checks a restitusi: the request's date and amount; a decision
// has its date (not before the request) and amount; payment follows a
// decision.
func (r *Restitution) Validate() error {
	fields := map[string]string{}
	req, err := time.Parse(time.DateOnly, r.RequestedOn)
	if err != nil {
		fields["rest_requested_on"] = "protect.err.date"
	}
	if r.AmountRequested <= 0 {
		fields["rest_amount_requested"] = "protect.err.amount"
	}
	if r.DecidedOn != "" {
		dec, derr := time.Parse(time.DateOnly, r.DecidedOn)
		switch {
		case derr != nil:
			fields["rest_decided_on"] = "protect.err.date"
		case err == nil && dec.Before(req):
			fields["rest_decided_on"] = "protect.err.decided_before_request"
		}
		if r.AmountDecided < 0 {
			fields["rest_amount_decided"] = "protect.err.amount"
		}
		if !slices.Contains(RestitutionPayments, r.Payment) {
			fields["rest_payment"] = "staff.err.choose"
		}
	} else if r.Payment != "" || r.AmountDecided > 0 {
		fields["rest_decided_on"] = "protect.err.decision_first"
	}
	checkNotes(r.Notes, "rest_notes", fields)
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "the restitusi is not complete", Fields: fields}
	}
	return nil
}

// checkNotes marks a note that is too long or not UTF-8.
func checkNotes(notes, field string, fields map[string]string) {
	if utf8.RuneCountInString(strings.TrimSpace(notes)) > MaxMessage || !utf8.ValidString(notes) {
		fields[field] = "report.err.too_long"
	}
}

// SafetyPlan is one version of a case's safety plan (rencana keselamatan):
// all of it sealed with the case key and shown to the case team only.
type SafetyPlan struct {
	ID           string
	CreatedAt    time.Time
	ActorID      int64
	SafeContacts string // who to call
	SafePlace    string // where to go
	CodeWord     string // the word that means "come now"
	EscapePlan   string // how to leave
	KeepReady    string // documents, money, medicine, keys kept ready
	MustNotKnow  string // who may not know of the plan
}

// Fields lists the plan's parts as name and value, in the form's order.
func (p SafetyPlan) Fields() [][2]string {
	return [][2]string{{"safe_contacts", p.SafeContacts}, {"safe_place", p.SafePlace}, {"code_word", p.CodeWord},
		{"escape_plan", p.EscapePlan}, {"keep_ready", p.KeepReady}, {"must_not_know", p.MustNotKnow}}
}

// Validate checks a plan: something written, nothing too long.
func (p *SafetyPlan) Validate() error {
	fields := map[string]string{}
	empty := true
	for _, f := range p.Fields() {
		if strings.TrimSpace(f[1]) != "" {
			empty = false
		}
		checkNotes(f[1], "plan_"+f[0], fields)
	}
	if empty {
		fields["plan"] = "protect.err.plan_empty"
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "the safety plan is empty or too long", Fields: fields}
	}
	return nil
}
