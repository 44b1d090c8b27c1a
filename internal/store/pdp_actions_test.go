package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// pdpCase opens a case with a victim, its manager and a request linked to
// it; the supervisor (first of the group) holds every key.
func pdpCase(t *testing.T, s *store.Store) (c *spiker.Case, sup, manager *spiker.Actor, p *spiker.PDPRequest) {
	t.Helper()
	ctx := context.Background()
	cases, duty := store.CaseService{Store: s}, store.DutyService{Store: s}
	officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
	sup = staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
	manager = staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
	r := sampleReport()
	if _, err := (store.ReportService{Store: s}).CreateReport(ctx, r, ""); err != nil {
		t.Fatal(err)
	}
	c = &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "Ringkasan Purbasari"}}
	if err := cases.OpenCase(ctx, officer, c); err != nil {
		t.Fatal(err)
	}
	if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
		t.Fatal(err)
	}
	v := &spiker.CaseVictim{Sex: "Perempuan", Age: 31, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Consent: spiker.ConsentByVictim,
		Name: "Korban Purbasari", NIK: "3524010101010099", IncidentDate: "2026-11-20"}
	if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
		t.Fatal(err)
	}
	if err := cases.AddCaseFiles(ctx, manager, c.ID, []spiker.Upload{{Name: "visum-purbasari.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 isi")}}); err != nil {
		t.Fatal(err)
	}
	var err error
	if c, err = cases.FindCase(ctx, sup, c.ID); err != nil {
		t.Fatal(err)
	}
	p, err = duty.OpenPDPRequest(ctx, sup, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPRestrict, ReceivedAt: s.DB.Now(),
		CaseNumber: c.Number, Content: spiker.PDPContent{Name: "Purbasari", Contact: "0812", Request: "Hentikan pengolahan data saya"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, sup, manager, p
}

// Restriction of processing: each write path chosen refuses with
// ERESTRICTED (and writes nothing), reading stays, a correction is still
// allowed, and lifting restores every path.
func TestPDPRestriction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		cases, duty, reports, net := store.CaseService{Store: s}, store.DutyService{Store: s}, store.ReportService{Store: s}, store.NetworkService{Store: s}
		c, sup, manager, p := pdpCase(t, s)
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		rsud := &spiker.Agency{Name: "RSUD", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := net.SaveAgency(ctx, admin, rsud); err != nil {
			t.Fatal(err)
		}
		partner(t, s, "dokter.rsud", rsud.ID)
		reportID := c.ReportIDs[0]
		writes := map[string]func() error{
			"entry": func() error {
				return cases.AddEntry(ctx, manager, c.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Kesehatan", Body: "Visum"})
			},
			"step": func() error { return cases.SetStep(ctx, manager, c.ID, "asesmen", "lanjut") },
			"file": func() error {
				return cases.AddCaseFiles(ctx, manager, c.ID, []spiker.Upload{{Name: "b.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 b")}})
			},
			"referral": func() error {
				_, err := net.CreateReferral(ctx, manager, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan",
					DueDate: s.DB.Now().Add(72 * time.Hour).Format(time.DateOnly), Fields: spiker.PacketDefaults["Kesehatan"], Needs: "Visum", Consent: spiker.ConsentByVictim})
				return err
			},
			"summary export": func() error { return cases.RecordCaseExport(ctx, manager, c.ID, false) },
			"reply":          func() error { return reports.Reply(ctx, sup, reportID, "Kami akan menghubungi Anda") },
			"report note":    func() error { return reports.AddNote(ctx, sup, reportID, "Catatan") },
		}
		if err := duty.RestrictPDP(ctx, manager, p.ID, true); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("a case manager restricting: %v", err)
		}
		before := auditHead(t, s)
		if err := duty.RestrictPDP(ctx, sup, p.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := actionsSince(t, s, before); !reflect.DeepEqual(got, []string{"case.restrict", "pdp.restrict"}) {
			t.Fatalf("restricting audited %q", got)
		}
		entries := len(mustCase(t, cases, sup, c.ID).Entries)
		for name, w := range writes {
			if err := w(); spiker.ErrorCode(err) != spiker.ERESTRICTED {
				t.Errorf("%s while restricted: %v", name, err)
			}
		}
		if got := mustCase(t, cases, sup, c.ID); len(got.Entries) != entries || got.Step != c.Step {
			t.Fatalf("a refused write changed the case: %+v", got)
		}
		// Reading stays, and so does a correction.
		if _, err := cases.CaseView(ctx, manager, c.ID, false); err != nil {
			t.Fatalf("reading a restricted case: %v", err)
		}
		if _, err := reports.ReportMessages(ctx, sup, reportID); err != nil {
			t.Fatalf("reading a restricted case's report: %v", err)
		}
		if err := cases.CorrectSummary(ctx, manager, c.ID, "Ringkasan diperbaiki", "Permintaan subjek data"); err != nil {
			t.Fatalf("correcting a restricted case: %v", err)
		}
		if l := mustPDP(t, duty, sup); len(l) != 1 || !l[0].Restricted {
			t.Fatalf("the register: %+v", l)
		}
		before = auditHead(t, s)
		if err := duty.RestrictPDP(ctx, sup, p.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := actionsSince(t, s, before); !reflect.DeepEqual(got, []string{"case.restrict_lift", "pdp.restrict_lift"}) {
			t.Fatalf("lifting audited %q", got)
		}
		for _, name := range []string{"entry", "step", "file", "referral", "summary export", "reply", "report note"} {
			if err := writes[name](); err != nil {
				t.Errorf("%s after lifting: %v", name, err)
			}
		}
		// A request linked to no case has nothing to restrict.
		q, _ := duty.OpenPDPRequest(ctx, sup, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[1], ReceivedAt: s.DB.Now()})
		wantCode(t, duty.RestrictPDP(ctx, sup, q.ID, true), spiker.EINVALID, "restricting without a case")
	})
}

func mustCase(t *testing.T, cases store.CaseService, a *spiker.Actor, id string) *spiker.Case {
	t.Helper()
	c, err := cases.FindCase(context.Background(), a, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The access export is the case view of the exporting holder, audited; one
// who holds no key to the case, or may not read cases, gets nothing.
func TestPDPExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		cases, duty := store.CaseService{Store: s}, store.DutyService{Store: s}
		c, sup, _, p := pdpCase(t, s)
		outsider := staff(t, s, "kepala.dua", spiker.RoleSupervisor) // not admitted to the supervisors' group
		dpo := staff(t, s, "pelindung.data", spiker.RolePelindungData)
		// Not before the requester's identity is verified.
		if _, err := duty.PDPExport(ctx, sup, p.ID, "korban"); spiker.ErrorFields(err)["method"] == "" {
			t.Fatalf("an export to an unverified requester: %v", err)
		}
		if err := duty.VerifyPDPRequest(ctx, sup, p.ID, &spiker.PDPVerification{Method: "ktp_tatap_muka"}); err != nil {
			t.Fatal(err)
		}
		// Only to the victim or a child victim's guardian: the export holds
		// the victim's identity and story, and reads nothing when refused.
		before := auditHead(t, s)
		for _, to := range []string{"", "terlapor", "pengacara"} {
			if x, err := duty.PDPExport(ctx, sup, p.ID, to); spiker.ErrorFields(err)["recipient"] == "" || x != nil {
				t.Fatalf("an export to %q: %v", to, err)
			}
		}
		if got := actionsSince(t, s, before); len(got) != 0 {
			t.Fatalf("a refused export read or logged %q", got)
		}
		x, err := duty.PDPExport(ctx, sup, p.ID, "korban")
		if err != nil {
			t.Fatal(err)
		}
		req, v := x.Request, x.Case
		if got := actionsSince(t, s, before); !reflect.DeepEqual(got, []string{"report.files_read", "case.reveal_identity", "case.view", "case.export_pdp", "pdp.export"}) {
			t.Fatalf("the export audited %q", got)
		}
		view, err := cases.CaseView(ctx, sup, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if req.CaseID != c.ID || !reflect.DeepEqual(v.Case, view.Case) || !reflect.DeepEqual(v.Files, view.Files) || !reflect.DeepEqual(v.ReportFiles, view.ReportFiles) ||
			!reflect.DeepEqual(v.Referrals, view.Referrals) || !reflect.DeepEqual(v.Visits, view.Visits) {
			t.Fatalf("the export differs from the case view:\n%+v\n%+v", v, view)
		}
		if v.Case.Victims[0].Name != "Korban Purbasari" || v.Case.Content.Summary != "Ringkasan Purbasari" || len(v.Files) != 1 {
			t.Fatalf("the export misses what the holder reads: %+v", v.Case)
		}
		for _, a := range []*spiker.Actor{outsider, dpo} {
			before := auditHead(t, s)
			if x, err := duty.PDPExport(ctx, a, p.ID, "korban"); spiker.ErrorCode(err) != spiker.EFORBIDDEN || x != nil {
				t.Fatalf("%s exports: %v", a.Username, err)
			}
			if got := actionsSince(t, s, before); len(got) != 1 || got[0] != "case.view_denied" {
				t.Fatalf("%s's refused export audited %q", a.Username, got)
			}
		}
		q, _ := duty.OpenPDPRequest(ctx, sup, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPAccess, ReceivedAt: s.DB.Now(),
			Content: spiker.PDPContent{Name: "Pemohon", Contact: "0812", Request: "Salinan data"}})
		if err := duty.VerifyPDPRequest(ctx, sup, q.ID, &spiker.PDPVerification{Method: "telepon_balik"}); err != nil {
			t.Fatal(err)
		}
		if _, err := duty.PDPExport(ctx, sup, q.ID, "korban"); spiker.ErrorFields(err)["case_number"] == "" {
			t.Fatalf("an export without a case: %v", err)
		}
	})
}

// A request linked to a report that is no case: restriction stops its
// triage, replies, notes and opening a case from it; the export holds the
// report as its reads give it to the holder, and nothing to one without
// its key. A report in a case links the case.
func TestPDPReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		cases, duty, reports := store.CaseService{Store: s}, store.DutyService{Store: s}, store.ReportService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		outsider := staff(t, s, "kepala.dua", spiker.RoleSupervisor)
		r := sampleReport()
		r.Content.Narrative = "Cerita Kusumawati"
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		if err := reports.Reply(ctx, officer, r.ID, "Kami menerima laporan Anda"); err != nil {
			t.Fatal(err)
		}
		open := func(a *spiker.Actor, reportID string) (*spiker.PDPRequest, error) {
			return duty.OpenPDPRequest(ctx, a, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPAccess, ReceivedAt: s.DB.Now(), ReportID: reportID,
				Content: spiker.PDPContent{Name: "Kusumawati", Contact: "0812", Request: "Salinan laporan saya"}})
		}
		if _, err := open(sup, "laporan-tak-ada"); spiker.ErrorFields(err)["report"] == "" {
			t.Fatalf("an unknown report: %v", err)
		}
		p, err := open(sup, r.ID)
		if err != nil || p.ReportID != r.ID || p.CaseID != "" {
			t.Fatalf("linking the report: %+v %v", p, err)
		}
		if err := duty.VerifyPDPRequest(ctx, sup, p.ID, &spiker.PDPVerification{Method: "telepon_balik"}); err != nil {
			t.Fatal(err)
		}
		x, err := duty.PDPExport(ctx, sup, p.ID, "korban")
		if err != nil {
			t.Fatal(err)
		}
		if x.Case != nil || x.Report == nil || x.Report.Content.Narrative != "Cerita Kusumawati" || len(x.Messages) != 1 || x.Messages[0].Body != "Kami menerima laporan Anda" {
			t.Fatalf("the report's export: %+v", x)
		}
		if x, err := duty.PDPExport(ctx, outsider, p.ID, "korban"); spiker.ErrorCode(err) != spiker.EFORBIDDEN || x != nil {
			t.Fatalf("an export without the report key: %v", err)
		}
		if err := duty.RestrictPDP(ctx, sup, p.ID, true); err != nil {
			t.Fatal(err)
		}
		for name, w := range map[string]func() error{
			"reply": func() error { return reports.Reply(ctx, officer, r.ID, "Balasan") },
			"note":  func() error { return reports.AddNote(ctx, officer, r.ID, "Catatan") },
			"identify": func() error {
				return reports.Identify(ctx, officer, r.ID, spiker.JenisKasus[0], spiker.Risiko[0], spiker.Kewenangan[0])
			},
			"open case": func() error {
				return cases.OpenCase(ctx, officer, &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}})
			},
		} {
			if err := w(); spiker.ErrorCode(err) != spiker.ERESTRICTED {
				t.Errorf("%s while restricted: %v", name, err)
			}
		}
		if _, err := reports.ReportMessages(ctx, officer, r.ID); err != nil {
			t.Fatalf("reading a restricted report: %v", err)
		}
		if err := duty.RestrictPDP(ctx, sup, p.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := reports.Reply(ctx, officer, r.ID, "Balasan"); err != nil {
			t.Fatalf("a reply after lifting: %v", err)
		}
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatalf("opening a case after lifting: %v", err)
		}
		// A report in a case: the case is linked.
		q, err := open(sup, r.ID)
		if err != nil || q.CaseID != c.ID || q.ReportID != r.ID {
			t.Fatalf("a report in a case: %+v %v", q, err)
		}
	})
}
