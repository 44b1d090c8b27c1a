package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// workloadFixture is a small office with known answers: kecamatan
// 35.24.22 has seven open cases, six on manajer.a (two of which she
// manages) and two on pendamping.b; kecamatan 35.24.05 has one, on
// manajer.c. The cases were opened in February by the regency's intake
// officer; the plan items and a referral were set on 29 March; four
// reports arrived on the evening of 31 March, three answered by
// konselor.a after 10, 30 and 50 minutes.
type workloadFixture struct {
	s                                *store.Store
	clk                              *fakeClock
	supKab, supA, supB               *spiker.Actor
	managerA, pendampingB, konselorA *spiker.Actor
	managerC                         *spiker.Actor
	cases                            []*spiker.Case
	zone                             *time.Location
	ctx                              context.Context
	caseService                      store.CaseService
	reportService                    store.ReportService
	networkService                   store.NetworkService
	konselorKab                      *spiker.Actor
}

func local(zone *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func newWorkloadFixture(t *testing.T, dbURL string) *workloadFixture {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t, dbURL)
	zone := spiker.TimeZone("")
	f := &workloadFixture{s: s, zone: zone, ctx: ctx, clk: &fakeClock{t: local(zone, "2026-02-20 10:00")},
		caseService: store.CaseService{Store: s}, reportService: store.ReportService{Store: s}, networkService: store.NetworkService{Store: s}}
	s.DB.Now = f.clk.Now
	in := func(name, region string, role spiker.Role) *spiker.Actor {
		return createStaff(t, s, &spiker.User{Username: name, Roles: []spiker.Role{role}, RegionCode: region})
	}
	// The first of each group holds it from the start; the others are
	// admitted.
	f.konselorKab = in("konselor.kab", "35.24", spiker.RoleKonselorPiket)
	f.supKab = in("kepala.uptd", "35.24", spiker.RoleSupervisor)
	f.supA = in("supervisor.a", "35.24.22", spiker.RoleSupervisor)
	f.supB = in("supervisor.b", "35.24.05", spiker.RoleSupervisor)
	f.managerA = in("manajer.a", "35.24.22", spiker.RoleManajerKasus)
	f.pendampingB = in("pendamping.b", "35.24.22", spiker.RolePendamping)
	f.konselorA = in("konselor.a", "35.24.22", spiker.RoleKonselorPiket)
	f.managerC = in("manajer.c", "35.24.05", spiker.RoleManajerKasus)
	in("admin.it", "35.24.22", spiker.RoleAdmin) // not an officer: never listed
	if err := s.AdmitToGroup(ctx, f.konselorKab, store.GroupIntake, f.konselorA.UserID); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*spiker.Actor{f.supA, f.supB} {
		if err := s.AdmitToGroup(ctx, f.supKab, store.GroupSupervisors, a.UserID); err != nil {
			t.Fatal(err)
		}
	}
	open := func(region, desa string) *spiker.Case {
		r := sampleReport()
		r.RegionCode, r.IncidentDate = desa, "2026-02-01"
		if _, err := f.reportService.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: region, ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "Ringkasan"}}
		if err := f.caseService.OpenCase(ctx, f.konselorKab, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	assign := func(c *spiker.Case, who ...*spiker.Actor) {
		for _, a := range who {
			if err := f.caseService.Assign(ctx, f.supKab, c.ID, a.UserID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 7 {
		c := open("35.24.22", "35.24.22.2001")
		f.cases = append(f.cases, c)
		switch {
		case i < 5:
			assign(c, f.managerA)
		case i == 5:
			assign(c, f.managerA, f.pendampingB)
		default:
			assign(c, f.pendampingB)
		}
	}
	c8 := open("35.24.05", "35.24.05.2001")
	f.cases = append(f.cases, c8)
	assign(c8, f.managerC)
	for _, c := range f.cases[:2] {
		if err := f.caseService.SetManager(ctx, f.supKab, c.ID, f.managerA.UserID); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.caseService.SetStep(ctx, f.supKab, f.cases[0].ID, "asesmen", ""); err != nil {
		t.Fatal(err)
	}

	// 29 March: plan items and a referral.
	f.clk.Set(local(zone, "2026-03-29 09:00"))
	entry := func(c *spiker.Case, kind, category, due string) {
		if err := f.caseService.AddEntry(ctx, f.managerA, c.ID, &spiker.CaseEntry{Kind: kind, Category: category, DueDate: due, Body: "rencana tindak lanjut"}); err != nil {
			t.Fatal(err)
		}
	}
	entry(f.cases[0], "rencana", "Kesehatan", "2026-03-30")     // overdue from 31 March
	entry(f.cases[0], "rencana", "Bantuan Hukum", "2026-03-31") // overdue from 1 April
	entry(f.cases[1], "rencana", "Pendampingan", "2026-03-30")  // done: a service follows
	f.clk.Add(time.Hour)
	entry(f.cases[1], "layanan", "Pendampingan", "")
	if err := f.caseService.AddEntry(ctx, f.managerC, c8.ID, &spiker.CaseEntry{Kind: "rencana", Category: "Kesehatan", DueDate: "2026-03-30", Body: "rencana"}); err != nil {
		t.Fatal(err)
	}
	v := &spiker.CaseVictim{Sex: "Perempuan", Age: 31, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Consent: spiker.ConsentByVictim, IncidentDate: "2026-02-01"}
	if err := f.caseService.AddVictim(ctx, f.managerA, f.cases[0].ID, v); err != nil {
		t.Fatal(err)
	}
	admin := staff(t, s, "admin.lembaga", spiker.RoleAdmin)
	rsud := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
	if err := f.networkService.SaveAgency(ctx, admin, rsud); err != nil {
		t.Fatal(err)
	}
	partner(t, s, "dokter.rsud", rsud.ID)
	for _, due := range []string{"2026-03-30", "2026-04-05"} {
		if _, err := f.networkService.CreateReferral(ctx, f.managerA, &spiker.ReferralRequest{CaseID: f.cases[0].ID, AgencyID: rsud.ID, Service: "Kesehatan",
			DueDate: due, Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim}); err != nil {
			t.Fatal(err)
		}
	}

	// 31 March, evening: reports, three answered by konselor.a.
	for _, r := range []struct {
		at     string
		answer time.Duration
		desa   string
	}{
		{"2026-03-31 21:00", 10 * time.Minute, "35.24.22.2001"},
		{"2026-03-31 21:20", 30 * time.Minute, "35.24.22.2001"},
		{"2026-03-31 22:00", 50 * time.Minute, "35.24.22.2001"},
		{"2026-03-31 23:00", 0, "35.24.22.2001"},
		{"2026-03-31 23:05", 0, "35.24.05.2001"},
	} {
		f.clk.Set(local(zone, r.at))
		rep := sampleReport()
		rep.RegionCode, rep.IncidentDate = r.desa, "2026-03-30"
		if _, err := f.reportService.CreateReport(ctx, rep, ""); err != nil {
			t.Fatal(err)
		}
		if r.answer > 0 {
			f.clk.Add(r.answer)
			if err := f.reportService.Reply(ctx, f.konselorA, rep.ID, "Terima kasih, kami akan menghubungi Anda."); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func officer(t *testing.T, w *spiker.Workload, name string) spiker.OfficerLoad {
	t.Helper()
	for _, o := range w.Officers {
		if o.Username == name {
			return o
		}
	}
	t.Fatalf("%s is not listed: %+v", name, w.Officers)
	return spiker.OfficerLoad{}
}

func TestWorkload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		f := newWorkloadFixture(t, dbURL)
		ctx := f.ctx
		// 23:30 on 31 March, at night and at the month's end.
		f.clk.Set(local(f.zone, "2026-03-31 23:30"))
		w, err := f.caseService.Workload(ctx, f.supA, "")
		if err != nil {
			t.Fatal(err)
		}
		if w.RegionCode != "35.24.22" || len(w.Officers) != 4 {
			t.Fatalf("officers of 35.24.22: %+v", w.Officers)
		}
		if w.Officers[0].Username != "manajer.a" || w.Officers[1].Username != "pendamping.b" {
			t.Fatalf("not sorted by load: %s, %s", w.Officers[0].Username, w.Officers[1].Username)
		}
		a := officer(t, w, "manajer.a")
		if a.OpenCases != 6 || a.Managed != 2 || a.OverduePlan != 1 || a.OverdueReferrals != 1 || a.Steps["asesmen"] != 1 || a.Steps["identifikasi"] != 5 {
			t.Fatalf("manajer.a: %+v", a)
		}
		b := officer(t, w, "pendamping.b")
		if b.OpenCases != 2 || b.Managed != 0 || b.Overdue() != 0 {
			t.Fatalf("pendamping.b: %+v", b)
		}
		// The median of 6, 2, 0 and 0 open cases is 1; 1.5 × 1 is below
		// the minimum, 5: only manajer.a, with 6, is overloaded.
		if w.Median != 1 || w.Threshold != spiker.OverloadMinimum || !a.Overloaded || b.Overloaded {
			t.Fatalf("overload: median %v threshold %v, a %v b %v", w.Median, w.Threshold, a.Overloaded, b.Overloaded)
		}
		k := officer(t, w, "konselor.a")
		if k.OpenCases != 0 || k.Responses != 3 || k.ResponseMedian != 30*time.Minute || k.ResponseP90 != 50*time.Minute {
			t.Fatalf("konselor.a: %+v", k)
		}
		if len(w.Teams) != 1 {
			t.Fatalf("teams of a kecamatan: %+v", w.Teams)
		}
		team := w.Teams[0]
		if team.RegionCode != "35.24.22" || team.Officers != 4 || team.OpenCases != 7 || team.Unmanaged != 5 || team.OverduePlan != 1 || team.OverdueReferrals != 1 ||
			team.Responses != 3 || team.Waiting != 1 || team.ResponseMedian != 30*time.Minute || team.ResponseP90 != 50*time.Minute ||
			team.Steps["identifikasi"] != 6 || team.Steps["asesmen"] != 1 {
			t.Fatalf("team 35.24.22: %+v", team)
		}
		if w.Total.OpenCases != 7 || w.Total.Responses != 3 {
			t.Fatalf("total: %+v", w.Total)
		}

		// Past midnight, on 1 April: the plan item due on 31 March is
		// overdue too; the reports of the evening stay in the period.
		f.clk.Set(local(f.zone, "2026-04-01 00:30"))
		w, err = f.caseService.Workload(ctx, f.supA, "35.24.22")
		if err != nil {
			t.Fatal(err)
		}
		if a := officer(t, w, "manajer.a"); a.OverduePlan != 2 || a.OverdueReferrals != 1 {
			t.Fatalf("manajer.a after midnight: %+v", a)
		}
		if w.Teams[0].OverduePlan != 2 || w.Teams[0].Responses != 3 {
			t.Fatalf("team after midnight: %+v", w.Teams[0])
		}
		mine, err := f.caseService.MyWorkload(ctx, f.managerA)
		if err != nil || mine.OpenCases != 6 || mine.OverduePlan != 2 || mine.OverdueReferrals != 1 {
			t.Fatalf("my workload: %+v %v", mine, err)
		}
		mine, err = f.caseService.MyWorkload(ctx, f.konselorA)
		if err != nil || mine.Responses != 3 || mine.ResponseMedian != 30*time.Minute {
			t.Fatalf("konselor.a's own workload: %+v %v", mine, err)
		}

		// The regency's supervisor sees both kecamatan and the regency's
		// own staff.
		w, err = f.caseService.Workload(ctx, f.supKab, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Teams) != 3 || w.Teams[0].RegionCode != "35.24" || w.Teams[1].RegionCode != "35.24.05" || w.Teams[2].RegionCode != "35.24.22" {
			t.Fatalf("teams of the regency: %+v", w.Teams)
		}
		if tb := w.Teams[1]; tb.OpenCases != 1 || tb.OverduePlan != 1 || tb.Waiting != 1 || tb.Officers != 2 {
			t.Fatalf("team 35.24.05: %+v", tb)
		}
		if w.Total.OpenCases != 8 || w.Total.OverduePlan != 3 || w.Total.Waiting != 2 {
			t.Fatalf("regency total: %+v", w.Total)
		}
		// The intake officer who opened every case is on all eight.
		if k := officer(t, w, "konselor.kab"); k.OpenCases != 8 || !k.Overloaded {
			t.Fatalf("konselor.kab: %+v", k)
		}

		// Scoping: another kecamatan's supervisor is refused 35.24.22 and
		// sees only their own officers; nobody else may look.
		_, err = f.caseService.Workload(ctx, f.supB, "35.24.22")
		wantCode(t, err, spiker.EFORBIDDEN, "another kecamatan's workload")
		w, err = f.caseService.Workload(ctx, f.supB, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range w.Officers {
			if o.RegionCode != "35.24.05" {
				t.Fatalf("35.24.05 lists an officer of %s: %+v", o.RegionCode, o)
			}
		}
		if len(w.Officers) != 2 || w.Total.OpenCases != 1 {
			t.Fatalf("35.24.05: %+v", w)
		}
		for _, a := range []*spiker.Actor{f.managerA, f.konselorA} {
			_, err = f.caseService.Workload(ctx, a, "")
			wantCode(t, err, spiker.EFORBIDDEN, "an officer's view of the others")
		}
		_, err = f.caseService.Workload(ctx, nil, "35.24")
		wantCode(t, err, spiker.EUNAUTHORIZED, "nobody")
	})
}

func TestOverloadThreshold(t *testing.T) {
	for _, c := range []struct {
		open              []int
		median, threshold float64
	}{
		{nil, 0, spiker.OverloadMinimum},
		{[]int{2, 2, 3}, 2, spiker.OverloadMinimum},
		{[]int{8, 10, 12, 30}, 11, 16.5},
		{[]int{4, 6, 20}, 6, 9},
	} {
		m, th := spiker.OverloadThreshold(c.open)
		if m != c.median || th != c.threshold {
			t.Errorf("%v: median %v threshold %v, want %v %v", c.open, m, th, c.median, c.threshold)
		}
	}
	took := []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute, 6 * time.Minute, 7 * time.Minute, 8 * time.Minute, 9 * time.Minute, 10 * time.Minute}
	if p := spiker.Percentile(took, 0.9); p != 9*time.Minute {
		t.Errorf("p90 of 1..10 minutes: %v", p)
	}
	if p := spiker.Percentile(took, 0.5); p != 5*time.Minute {
		t.Errorf("median of 1..10 minutes: %v", p)
	}
}
