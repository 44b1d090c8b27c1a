package spiker

import (
	"testing"
	"time"
)

func TestProtectionOrderValidate(t *testing.T) {
	ok := ProtectionOrder{Kind: OrderTemporary, Issuer: "kepolisian", StartsOn: "2026-12-01", EndsOn: "2026-12-14", Status: OrderActive}
	for _, tc := range []struct {
		name  string
		edit  func(*ProtectionOrder)
		field string // "" when valid
		key   string
	}{
		{"14 days of perlindungan sementara", func(*ProtectionOrder) {}, "", ""},
		{"one day", func(o *ProtectionOrder) { o.EndsOn = o.StartsOn }, "", ""},
		{"end before start", func(o *ProtectionOrder) { o.EndsOn = "2026-11-30" }, "order_ends", "protect.err.end_before_start"},
		{"15 days of perlindungan sementara", func(o *ProtectionOrder) { o.EndsOn = "2026-12-15" }, "order_ends", "protect.err.temporary_14"},
		{"a long LPSK order", func(o *ProtectionOrder) { o.Kind, o.Issuer, o.EndsOn = OrderLPSK, "lpsk", "2027-06-01" }, "", ""},
		{"a court ordering perlindungan sementara", func(o *ProtectionOrder) { o.Issuer = "pengadilan" }, "order_issuer", "protect.err.temporary_police"},
		{"no start", func(o *ProtectionOrder) { o.StartsOn = "" }, "order_starts", "protect.err.date"},
		{"a date that is not one", func(o *ProtectionOrder) { o.EndsOn = "2026-02-30" }, "order_ends", "protect.err.date"},
		{"unknown kind", func(o *ProtectionOrder) { o.Kind = "lain" }, "order_kind", "staff.err.choose"},
		{"unknown status", func(o *ProtectionOrder) { o.Status = "" }, "order_status", "staff.err.choose"},
	} {
		o := ok
		tc.edit(&o)
		err := o.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if got := ErrorFields(err)[tc.field]; got != tc.key {
			t.Errorf("%s: %s = %q (%v), want %q", tc.name, tc.field, got, err, tc.key)
		}
	}
}

func TestProtectionOrderEnding(t *testing.T) {
	o := ProtectionOrder{Kind: OrderTemporary, Issuer: "kepolisian", StartsOn: "2026-12-01", EndsOn: "2026-12-07", Status: OrderActive}
	for today, want := range map[string]bool{"2026-12-03": false, "2026-12-04": true, "2026-12-07": true, "2026-12-08": false} {
		if o.EndingSoon(today) != want {
			t.Errorf("ending soon on %s: %v", today, !want)
		}
	}
	if !o.Current("2026-12-07") || o.Current("2026-12-08") {
		t.Error("an order is current through its last day only")
	}
	zone := TimeZone("")
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, zone)
	at, ok := o.AlertAt(now, zone)
	if !ok || !at.Equal(time.Date(2026, 12, 4, 8, 0, 0, 0, zone)) {
		t.Errorf("alert at %v %v, want 4 December 08:00", at, ok)
	}
	if at, ok := o.AlertAt(time.Date(2026, 12, 6, 9, 0, 0, 0, zone), zone); !ok || !at.Equal(time.Date(2026, 12, 6, 9, 0, 0, 0, zone)) {
		t.Errorf("inside the window the alert is at once: %v %v", at, ok)
	}
	if _, ok := o.AlertAt(time.Date(2026, 12, 8, 0, 0, 1, 0, zone), zone); ok {
		t.Error("an ended order alerts nobody")
	}
	o.Status = OrderRevoked
	if _, ok := o.AlertAt(now, zone); ok || o.EndingSoon("2026-12-06") {
		t.Error("a revoked order is not ending")
	}
}

func TestRestitutionValidate(t *testing.T) {
	r := Restitution{RequestedOn: "2026-10-01", AmountRequested: 25_000_000}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	r.DecidedOn, r.AmountDecided, r.Payment = "2026-09-30", 10_000_000, "dibayar_sebagian"
	if ErrorFields(r.Validate())["rest_decided_on"] != "protect.err.decided_before_request" {
		t.Error("a decision before the request")
	}
	r.DecidedOn = "2026-11-20"
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	r.Payment = ""
	if ErrorFields(r.Validate())["rest_payment"] == "" {
		t.Error("a decision without its payment state")
	}
	r = Restitution{RequestedOn: "2026-10-01", AmountRequested: 1, Payment: "dibayar_lunas"}
	if ErrorFields(r.Validate())["rest_decided_on"] != "protect.err.decision_first" {
		t.Error("a payment before any decision")
	}
	r = Restitution{RequestedOn: "kemarin", AmountRequested: 0}
	if f := ErrorFields(r.Validate()); f["rest_requested_on"] == "" || f["rest_amount_requested"] == "" {
		t.Errorf("an empty request: %v", f)
	}
}

func TestSafetyPlanValidate(t *testing.T) {
	if ErrorFields((&SafetyPlan{SafePlace: "  "}).Validate())["plan"] != "protect.err.plan_empty" {
		t.Error("an empty plan")
	}
	if err := (&SafetyPlan{CodeWord: "payung biru"}).Validate(); err != nil {
		t.Error(err)
	}
}
