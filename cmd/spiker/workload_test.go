package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// workloadFixture opens seven cases in kecamatan 35.24.22 (Lamongan), six
// of them on manajer.a, has konselor.a answer three reports after 10, 30
// and 50 minutes (the clock moves on), and returns the TOTP secrets of the
// kecamatan's supervisor, another kecamatan's, manajer.a and the regency's
// supervisor.
func workloadFixture(t *testing.T, m *Main, clock *movableClock) (supA, supB, managerA, supKab string) {
	t.Helper()
	ctx := context.Background()
	officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
	sup, supKab := addStaffSecret(t, m, "kepala.uptd", spiker.RoleSupervisor)
	supA = addStaffWithTOTP(t, m, "supervisor.a", spiker.RoleSupervisor, "35.24.22")
	supB = addStaffWithTOTP(t, m, "supervisor.b", spiker.RoleSupervisor, "35.24.05")
	managerA = addStaffWithTOTP(t, m, "manajer.a", spiker.RoleManajerKasus, "35.24.22")
	addStaffWithTOTP(t, m, "pendamping.b", spiker.RolePendamping, "35.24.22")
	manager, err := m.Users.Authenticate(ctx, "manajer.a", "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	addStaffWithTOTP(t, m, "konselor.a", spiker.RoleKonselorPiket, "35.24.22")
	counsellor, err := m.Users.Authenticate(ctx, "konselor.a", "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Store.AdmitToGroup(ctx, officer, store.GroupIntake, counsellor.UserID); err != nil {
		t.Fatal(err)
	}
	cases := store.CaseService{Store: m.Store}
	newReport := func() *spiker.Report {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Fisik"}, VictimAge: 30, Consent: true, Content: spiker.ReportContent{Narrative: "kanari-beban-kerja"}}
		if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := range 7 {
		r := newReport()
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "kanari-beban-kerja"}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if i < 6 {
			if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			// A plan item due yesterday: overdue.
			yesterday := m.Clock.Now().In(m.Clock.Zone()).AddDate(0, 0, -1).Format(time.DateOnly)
			if err := cases.AddEntry(ctx, manager, c.ID, &spiker.CaseEntry{Kind: "rencana", Category: "Kesehatan", DueDate: yesterday, Body: "kanari-rencana"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, took := range []time.Duration{10 * time.Minute, 30 * time.Minute, 50 * time.Minute} {
		r := newReport()
		clock.Add(took)
		if err := m.Reports.Reply(ctx, counsellor, r.ID, "Terima kasih, kami akan menghubungi Anda."); err != nil {
			t.Fatal(err)
		}
	}
	newReport() // awaiting its first response
	return supA, supB, managerA, supKab
}

// TestWorkloadPage: the supervisor's view lists the kecamatan's officers,
// most loaded first, marks the overloaded one and states the rule; another
// kecamatan's supervisor sees none of them and is refused the kecamatan;
// an officer is refused the view and sees their own figures at home. At
// night, at the month's end.
func TestWorkloadPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		clock := clockAt(time.Date(2026, 3, 31, 23, 40, 0, 0, spiker.TimeZone("35.24")))
		m, _ := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.Clock = clock.Now })
		supA, supB, managerA, supKab := workloadFixture(t, m, clock)

		p := newPortal(t, m)
		signIn(t, p, "supervisor.a", supA, clock.Now())
		resp, page := p.get("/staf/beban-kerja")
		if resp.StatusCode != 200 {
			t.Fatalf("the workload page: %d", resp.StatusCode)
		}
		for _, want := range []string{"Beban kerja", "manajer.a", "konselor.a", "3 laporan · median 30 mnt", "pendamping.b", "Kelebihan beban", "1,5 × median", "lebih dari 5 kasus", "Kasus terbuka per langkah", "Lamongan"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Index(page, "manajer.a") > strings.Index(page, "pendamping.b") {
			t.Error("the most loaded officer is not first")
		}
		if !strings.Contains(page, `<tr class="danger">`) || strings.Count(page, `<tr class="danger">`) != 1 {
			t.Errorf("one row should be marked overloaded: %d", strings.Count(page, `<tr class="danger">`))
		}
		// The duty officer's own figures are on their account page (their
		// home page is the inbox).
		if resp, page := p.get("/staf/akun"); resp.StatusCode != 200 || !strings.Contains(page, "Beban kerja saya") || !strings.Contains(page, "/staf/beban-kerja") {
			t.Errorf("the supervisor's account page: %d", resp.StatusCode)
		}
		if strings.Contains(page, "kanari") || strings.Contains(page, "supervisor.b") {
			t.Fatal("the page shows case content or another kecamatan's officer")
		}
		if resp, _ := p.get("/staf/beban-kerja?wilayah=35.24.05"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("another kecamatan's workload: %d", resp.StatusCode)
		}
		if resp, page := p.get("/staf/beban-kerja?wilayah=35.24.22.9999"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Wilayah itu tidak dikenal") {
			t.Errorf("an unknown desa: %d", resp.StatusCode)
		}
		// In English too.
		req, _ := http.NewRequest("GET", p.base+"/staf/beban-kerja", nil)
		req.Header.Set("Accept-Language", "en")
		if resp, b := p.do(req); resp.StatusCode != 200 || !strings.Contains(b, "Workload") || !strings.Contains(b, "Overloaded") || !strings.Contains(b, "1.5 × the median") {
			t.Errorf("the English page: %d", resp.StatusCode)
		}

		other := newPortal(t, m)
		signIn(t, other, "supervisor.b", supB, clock.Now())
		resp, page = other.get("/staf/beban-kerja")
		if resp.StatusCode != 200 || strings.Contains(page, "manajer.a") || !strings.Contains(page, "supervisor.b") {
			t.Fatalf("another kecamatan's supervisor: %d", resp.StatusCode)
		}
		if resp, _ := other.get("/staf/beban-kerja?wilayah=35.24.22"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("35.24.22 for the supervisor of 35.24.05: %d", resp.StatusCode)
		}

		// The regency's supervisor sees every team: the regency office's
		// own staff apart from kecamatan Lamongan.
		boss := newPortal(t, m)
		signIn(t, boss, "kepala.uptd", supKab, clock.Now())
		resp, page = boss.get("/staf/beban-kerja")
		if resp.StatusCode != 200 || !strings.Contains(page, "Kantor Kabupaten Lamongan") || !strings.Contains(page, "supervisor.b") || !strings.Contains(page, "manajer.a") {
			t.Fatalf("the regency's workload: %d", resp.StatusCode)
		}
		if resp, page := boss.get("/staf/beban-kerja?wilayah=35.24.22"); resp.StatusCode != 200 || strings.Contains(page, "supervisor.b") || !strings.Contains(page, "manajer.a") {
			t.Fatalf("one kecamatan of the regency: %d", resp.StatusCode)
		}

		officer := newPortal(t, m)
		signIn(t, officer, "manajer.a", managerA, clock.Now())
		if resp, _ := officer.get("/staf/beban-kerja"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("an officer's view of the others: %d", resp.StatusCode)
		}
		resp, page = officer.get("/staf/")
		if resp.StatusCode != 200 || !strings.Contains(page, "Beban kerja saya") || !strings.Contains(page, "<strong>6</strong>") || !strings.Contains(page, `<span class="clock red">1</span>`) {
			t.Fatalf("my workload at home: %d", resp.StatusCode)
		}
	})
}
