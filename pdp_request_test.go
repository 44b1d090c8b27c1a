package spiker_test

import (
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

func TestPDPRules(t *testing.T) {
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	ok := spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPAccess, ReceivedAt: now.Add(-time.Hour),
		Content: spiker.PDPContent{Name: "Siti", Contact: "0812", Request: "Salinan data saya"}}
	if err := ok.Validate(now); err != nil {
		t.Fatal(err)
	}
	// A breach notice has no requester to name.
	notice := spiker.PDPNewRequest{Kind: spiker.PDPKinds[1], ReceivedAt: now}
	if err := notice.Validate(now); err != nil {
		t.Fatal(err)
	}
	late := ok
	late.ReceivedAt = now.Add(time.Hour)
	if f := spiker.ErrorFields(late.Validate(now)); f["received"] == "" {
		t.Errorf("a request from the future: %v", f)
	}
	for _, c := range []struct {
		name  string
		right string
		d     spiker.PDPDecision
		field string
	}{
		{"granted access", spiker.PDPAccess, spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Salinan diserahkan"}, ""},
		{"refused without basis", spiker.PDPAccess, spiker.PDPDecision{Outcome: spiker.PDPRefused, Reason: "Bukan pemilik data"}, "legal_basis"},
		{"partly without basis", spiker.PDPCorrect, spiker.PDPDecision{Outcome: spiker.PDPPartly, Reason: "Sebagian benar"}, "legal_basis"},
		{"erasure granted without basis", spiker.PDPErase, spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Tidak ada kewajiban simpan"}, "legal_basis"},
		{"erasure with basis", spiker.PDPErase, spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Tidak ada kewajiban simpan", LegalBasis: "UU 27/2022 Pasal 8"}, ""},
		{"no reason", spiker.PDPAccess, spiker.PDPDecision{Outcome: spiker.PDPGranted}, "reason"},
		{"unknown outcome", spiker.PDPAccess, spiker.PDPDecision{Outcome: "ya", Reason: "Salinan diserahkan"}, "outcome"},
	} {
		err := c.d.Validate(c.right)
		if f := spiker.ErrorFields(err); (c.field == "") != (err == nil) || c.field != "" && f[c.field] == "" {
			t.Errorf("%s: %v %v", c.name, err, f)
		}
	}
	if err := (&spiker.PDPRequest{}).CheckVerified(); spiker.ErrorFields(err)["method"] == "" {
		t.Errorf("an unverified request answered: %v", err)
	}
	if err := (&spiker.PDPRequest{Verification: &spiker.PDPVerification{Method: "surat_kuasa"}}).CheckVerified(); err != nil {
		t.Error(err)
	}
	if err := (&spiker.PDPVerification{Method: "ktp_tatap_muka"}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (&spiker.PDPVerification{Method: "kira-kira"}).Validate(); spiker.ErrorCode(err) != spiker.EINVALID {
		t.Errorf("an unknown method: %v", err)
	}
}
