package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

func cellOf(t *testing.T, tab spiker.StatTable, label string) string {
	t.Helper()
	for _, c := range tab.Cells {
		if c.Label == label {
			return c.Shown
		}
	}
	t.Fatalf("%s has no cell %q", tab.Dimension, label)
	return ""
}

func tableOf(t *testing.T, d *spiker.Dashboard, dim string) spiker.StatTable {
	t.Helper()
	for _, tab := range d.Tables {
		if tab.Dimension == dim {
			return tab
		}
	}
	t.Fatalf("no table %s", dim)
	return spiker.StatTable{}
}

// TestDashboardFigures builds a fixture of cases by hand and checks every
// figure of the dashboard against counts worked out here.
func TestDashboardFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 10, 5, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
		stats := store.StatsService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		boss := staff(t, s, "kepala.dinas", spiker.RolePimpinan)

		// 12 cases in October in kecamatan Lamongan (35.24.22), 3 in
		// November in Sukodadi (35.24.04); each victim: Perempuan 13-17
		// Seksual (and Psikis for the first 6), Rumah Tangga, related as
		// Orang Tua; a report for each, 9 answered within the hour.
		open := func(desa string, i int) *spiker.Case {
			r := sampleReport()
			r.RegionCode, r.IncidentDate = desa, "2026-10-01" // before the pinned clock
			if _, err := reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
			if i < 9 {
				clk.Add(10 * time.Minute)
			} else {
				clk.Add(2 * time.Hour)
			}
			if err := reports.Identify(ctx, officer, r.ID, "AMPK", "sedang", "daerah"); err != nil {
				t.Fatal(err)
			}
			c := &spiker.Case{RegionCode: desa, ReportIDs: []string{r.ID}}
			if err := cases.OpenCase(ctx, officer, c); err != nil {
				t.Fatal(err)
			}
			types := []string{"Seksual"}
			if i < 6 {
				types = append(types, "Psikis")
			}
			v := &spiker.CaseVictim{Sex: "Perempuan", Age: 15, ViolenceTypes: types, SexualForms: []string{"Pelecehan seksual fisik"},
				Place: "Rumah Tangga", Consent: spiker.ConsentByGuardian, DesaCode: desa}
			if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
				t.Fatal(err)
			}
			if err := cases.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: v.ID, Sex: "Laki-laki", AgeGroup: "25-59", Relationship: "Orang Tua"}); err != nil {
				t.Fatal(err)
			}
			return c
		}
		var oct []*spiker.Case
		for i := range 12 {
			oct = append(oct, open("35.24.22.2001", i))
		}
		// Two services given, one case closed after 10 days.
		for _, c := range oct[:2] {
			cases.AddEntry(ctx, sup, c.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Kesehatan"})
		}
		clk.Set(time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC))
		for i := range 3 {
			open("35.24.04.2001", i)
		}
		// One referral, completed, to one agency.
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		net := store.NetworkService{Store: s}
		agency := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := net.SaveAgency(ctx, admin, agency); err != nil {
			t.Fatal(err)
		}
		doctor := partner(t, s, "dokter.rsud", agency.ID)
		ref, err := net.CreateReferral(ctx, sup, &spiker.ReferralRequest{CaseID: oct[3].ID, AgencyID: agency.ID, Service: "Kesehatan",
			DueDate: clk.Now().Add(48 * time.Hour).Format(time.DateOnly), Needs: "visum", Consent: spiker.ConsentByGuardian})
		if err != nil {
			t.Fatal(err)
		}
		net.RespondReferral(ctx, doctor, ref.ID, true, "")
		if err := net.CompleteReferral(ctx, doctor, ref.ID, clk.Now().Format(time.DateOnly), "visum", nil); err != nil {
			t.Fatal(err)
		}
		// Closure: the case manager asks, the supervisor approves (never
		// the same person).
		closed := oct[0]
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		if err := cases.Assign(ctx, sup, closed.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		if err := cases.RequestClosure(ctx, manager, closed.ID, "selesai", "Korban menolak melapor ke polisi."); err != nil {
			t.Fatal(err)
		}
		if err := cases.ApproveClosure(ctx, sup, closed.ID, "ok", true); err != nil {
			t.Fatal(err)
		}

		d, err := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2026-10", To: "2026-11"})
		if err != nil {
			t.Fatal(err)
		}
		// The back office sees regency and kecamatan figures exactly
		// (spiker.InternalDisclosure); small cells and zeros included.
		if got := cells(d.Months); got[0] != "12" || got[1] != "3" || got[2] != "15" {
			t.Fatalf("by month: %v", got)
		}
		// By kecamatan: 12 in 35.24.22, 3 in 35.24.04.
		if cellOf(t, d.Regions, "35.24.22") != "12" || cellOf(t, d.Regions, "35.24.04") != "3" || d.Regions.Total.Shown != "15" {
			t.Fatalf("by kecamatan: %+v", d.Regions)
		}
		types := tableOf(t, d, "jenis_kekerasan")
		if cellOf(t, types, "Seksual") != "15" || cellOf(t, types, "Psikis") != "9" || cellOf(t, types, "Fisik") != "0" || types.Total.Shown != "15" {
			t.Fatalf("jenis kekerasan: %v", cells(types))
		}
		if tab := tableOf(t, d, "kelompok_umur"); cellOf(t, tab, "13-17") != "15" || cellOf(t, tab, "0-5") != "0" || tab.Total.Shown != "15" {
			t.Fatalf("kelompok umur: %v", cells(tab))
		}
		if tab := tableOf(t, d, "jenis_kelamin"); cellOf(t, tab, "Perempuan") != "15" || cellOf(t, tab, "Laki-laki") != "0" {
			t.Fatalf("jenis kelamin: %v", cells(tab))
		}
		if tab := tableOf(t, d, "tempat_kejadian"); cellOf(t, tab, "Rumah Tangga") != "15" {
			t.Fatalf("tempat: %v", cells(tab))
		}
		if tab := tableOf(t, d, "hubungan_pelaku"); cellOf(t, tab, "Orang Tua") != "15" || tab.Total.Shown != "15" {
			t.Fatalf("hubungan pelaku: %v", cells(tab))
		}
		if tab := tableOf(t, d, "bentuk_kekerasan_seksual"); cellOf(t, tab, "Pelecehan seksual fisik") != "15" {
			t.Fatalf("bentuk: %v", cells(tab))
		}
		if tab := tableOf(t, d, "jenis_layanan"); cellOf(t, tab, "Kesehatan") != "3" || tab.Total.Shown != "3" {
			t.Fatalf("layanan: %v", cells(tab))
		}
		if tab := tableOf(t, d, "kanal"); cellOf(t, tab, "web") != "15" {
			t.Fatalf("kanal: %v", cells(tab))
		}
		// First responses: 15 identified as sedang; 9 + 3 within the hour
		// (the November ones came 10 minutes apart too), 3 late.
		var sedang spiker.ResponseStat
		for _, r := range d.Response {
			if r.Risk == "sedang" {
				sedang = r
			}
		}
		if sedang.Responses.Shown != "15" || sedang.Within.Shown != "12" || sedang.Late.Shown != "3" {
			t.Fatalf("response: %+v", sedang)
		}
		if want := float64(12*10+3*120) / 15; sedang.AvgMinutes < want-1 || sedang.AvgMinutes > want+1 {
			t.Fatalf("average minutes %v, want about %v", sedang.AvgMinutes, want)
		}
		if len(d.Referral) != 1 || d.Referral[0].Agency != "RSUD dr. Soegiri" || cellOf(t, d.Referral[0].Table, spiker.ReferralSent) != "1" ||
			cellOf(t, d.Referral[0].Table, spiker.ReferralDone) != "1" || d.Referral[0].Table.Cells[0].Count != 1 || d.Referral[0].Table.Cells[1].Count != 1 {
			t.Fatalf("referrals: %+v", d.Referral)
		}
		// Services: the two recorded and the one given through the referral.
		if tab := tableOf(t, d, "jenis_layanan"); cellOf(t, tab, "Kesehatan") != "3" || tab.Cells[1].Count != 3 {
			t.Fatalf("services: %+v", tab.Cells[:2])
		}
		// No time limit passed: the breach table is all zeros, shown.
		if d.Breaches.Total.Count != 0 || d.Breaches.Total.Shown != "0" {
			t.Fatalf("breaches: %+v", d.Breaches.Total)
		}
		// A supervisor's open cases are exact; the one closed case's
		// duration is its average.
		if d.Status.Total.Shown != "15" || cellOf(t, d.Status, "terbuka") != "14" || cellOf(t, d.Status, "ditutup") != "1" ||
			d.Closed != 1 || d.Open != 14 || d.AvgDays < 0 {
			t.Fatalf("open %d, closed %d, days %v", d.Open, d.Closed, d.AvgDays)
		}
		// A kecamatan's supervisor view goes down to desa; the head of the
		// Dinas stays at kecamatan.
		dk, err := stats.Dashboard(ctx, sup, spiker.StatsFilter{From: "2026-10", To: "2026-10", Region: "35.24.22"})
		if err != nil || cellOf(t, dk.Regions, "35.24.22.2001") != "12" || dk.Regions.Level != spiker.LevelVillage {
			t.Fatalf("desa level for the supervisor: %v %+v", err, dk.Regions)
		}
		// A desa's own dashboard is refused: its figures next to the
		// kecamatan's exact ones would undo the desa table's protection.
		if _, err := stats.Dashboard(ctx, sup, spiker.StatsFilter{From: "2026-10", To: "2026-10", Region: "35.24.22.2001"}); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("a desa's dashboard: %v", err)
		}
		bk, _ := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2026-10", To: "2026-10", Region: "35.24.22"})
		for _, c := range bk.Regions.Cells {
			if len(c.Label) > 8 {
				t.Fatalf("desa figures for the head of the Dinas: %+v", bk.Regions)
			}
		}
		if _, err := stats.Dashboard(ctx, officer, spiker.StatsFilter{From: "2026-10", To: "2026-10"}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("an intake officer's dashboard: %v", err)
		}
		if _, err := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2026-10", To: "2025-01"}); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("a backwards period: %v", err)
		}

		// Reopening takes the closure back.
		cases.Reopen(ctx, sup, closed.ID, "lagi")
		if d, _ := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2026-10", To: "2026-11"}); d.Closed != 0 || d.Open != 15 {
			t.Fatalf("after reopening: open %d closed %d", d.Open, d.Closed)
		}

		// The public page: the regency's months, suppressed.
		clk.Set(time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC))
		p, err := stats.PublicStats(ctx, 2, "35.24", []string{"35.24.04", "35.24.22"})
		if err != nil || len(p.Months) != 2 || p.Months[0].Month != "2026-10" || p.Months[0].Cases.Shown != "12" || p.Months[1].Cases.Shown != "<5" {
			t.Fatalf("public: %v %+v", err, p)
		}
		if cellOf(t, p.Months[1].Kecamatan, "35.24.04") != "<5" || cellOf(t, p.Months[0].Types, "Seksual") != "12" {
			t.Fatalf("public tables: %+v", p.Months)
		}
	})
}

func cells(t spiker.StatTable) []string {
	var out []string
	for _, c := range t.Cells {
		out = append(out, c.Shown)
	}
	return append(out, t.Total.Shown)
}
