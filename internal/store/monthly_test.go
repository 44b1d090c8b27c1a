package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// shownDashboard is what a reader sees of a dashboard: its JSON (the shown
// counts, never the raw ones), referrals in agency order.
func shownDashboard(t *testing.T, d *spiker.Dashboard) string {
	t.Helper()
	c := *d
	c.Referral = slices.Clone(d.Referral)
	slices.SortFunc(c.Referral, func(a, b spiker.ReferralStat) int { return strings.Compare(a.Agency, b.Agency) })
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func shownTable(t *testing.T, tab spiker.StatTable) string {
	t.Helper()
	b, err := json.Marshal(tab)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// monthlyCases opens n cases at the clock's time in a desa, each with a
// victim (a girl of 15, sexual violence) and a service given.
func monthlyCases(t *testing.T, s *store.Store, clk *fakeClock, officer, sup *spiker.Actor, desa string, n int) {
	t.Helper()
	ctx := context.Background()
	reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
	for i := range n {
		r := sampleReport()
		r.RegionCode, r.IncidentDate = desa, clk.Now().AddDate(0, 0, -3).Format(time.DateOnly)
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		clk.Add(10 * time.Minute)
		if err := reports.Identify(ctx, officer, r.ID, "AMPK", "sedang", "daerah"); err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: desa, ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		sex := "Perempuan"
		if i%3 == 2 {
			sex = "Laki-laki"
		}
		v := &spiker.CaseVictim{Sex: sex, Age: 15, ViolenceTypes: []string{"Seksual"}, SexualForms: []string{"Pelecehan seksual fisik"},
			Place: "Rumah Tangga", Consent: spiker.ConsentByGuardian, DesaCode: desa}
		if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddEntry(ctx, sup, c.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Kesehatan"}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMonthlyReport pins the clock at the end of October 2025 (1 November
// 2025 is a Saturday): the automatic report of October comes on Monday 3
// November at 07:00 WIB, not before, once however often the job runs and
// on however many nodes; it tells the head of the Dinas with a link and no
// figure; its figures, and those of a report asked for on demand, equal
// the dashboard's for the same month and region.
func TestMonthlyReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		s.Regency = "35.24"
		wib := spiker.TimeZone("")
		clk := &fakeClock{t: time.Date(2024, 10, 14, 9, 0, 0, 0, wib)}
		s.DB.Now = clk.Now
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		boss := staff(t, s, "kepala.dinas", spiker.RolePimpinan)
		data := staff(t, s, "tim.data", spiker.RoleTimData)

		// Cases: October 2024 (the same month last year), August and
		// October 2025, in two kecamatan.
		monthlyCases(t, s, clk, officer, sup, "35.24.22.2001", 6)
		clk.Set(time.Date(2025, 8, 11, 9, 0, 0, 0, wib))
		monthlyCases(t, s, clk, officer, sup, "35.24.04.2001", 2)
		clk.Set(time.Date(2025, 10, 6, 9, 0, 0, 0, wib))
		monthlyCases(t, s, clk, officer, sup, "35.24.22.2001", 8)
		monthlyCases(t, s, clk, officer, sup, "35.24.04.2001", 3)

		// The night of 31 October: the job is queued; nothing is due.
		clk.Set(time.Date(2025, 10, 31, 22, 0, 0, 0, wib))
		if err := s.ScheduleJobs(ctx); err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) (n int) {
			t.Helper()
			if err := s.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, q, args, &n) }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		node := 0
		run := func() {
			t.Helper()
			node++
			r := &jobs.Runner{Queue: s, Node: fmt.Sprintf("node-%d", node)}
			for kind, h := range s.JobHandlers() {
				r.Handle(kind, h)
			}
			for {
				n, err := r.RunDue(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return
				}
			}
		}
		for _, at := range []time.Time{
			time.Date(2025, 10, 31, 23, 59, 0, 0, wib), // the night across the month's end
			time.Date(2025, 11, 1, 0, 30, 0, 0, wib),   // Saturday
			time.Date(2025, 11, 1, 7, 0, 0, 0, wib),
			time.Date(2025, 11, 2, 7, 0, 0, 0, wib), // Sunday
			time.Date(2025, 11, 3, 6, 59, 0, 0, wib),
		} {
			clk.Set(at)
			run()
			if n := count(`SELECT COUNT(*) FROM monthly_reports`); n != 0 {
				t.Fatalf("at %s: %d monthly reports, want none before Monday 07:00", at, n)
			}
		}
		clk.Set(time.Date(2025, 11, 3, 7, 0, 0, 0, wib))
		run()
		// Run again, on other nodes, after a restart's scheduling.
		if err := s.ScheduleJobs(ctx); err != nil {
			t.Fatal(err)
		}
		run()
		clk.Add(time.Hour)
		run()
		if n := count(`SELECT COUNT(*) FROM monthly_reports WHERE month = '2025-10' AND region_code = '35.24'`); n != 1 {
			t.Fatalf("%d reports of October, want 1", n)
		}
		if n := count(`SELECT COUNT(*) FROM monthly_reports`); n != 1 {
			t.Fatalf("%d monthly reports, want 1", n)
		}
		if n := count(`SELECT COUNT(*) FROM alerts WHERE reason = $1`, spiker.AlertMonthlyReport); n != 1 {
			t.Fatalf("%d monthly report alerts, want 1", n)
		}
		// November's report is queued for Monday 1 December, 07:00 WIB.
		var due time.Time
		if err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT run_at FROM jobs WHERE kind = $1 AND status = 'ready'`, []any{store.JobMonthlyReport}, &due)
		}); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2025, 12, 1, 7, 0, 0, 0, wib); !due.Equal(want) {
			t.Fatalf("next monthly report due %s, want %s", due.In(wib), want)
		}

		// The head of the Dinas and the supervisor are told; the alert
		// links to the report and carries no figure.
		duty := store.DutyService{Store: s}
		for _, a := range []*spiker.Actor{boss, sup} {
			ns, err := duty.Notifications(ctx, a, 20)
			if err != nil {
				t.Fatal(err)
			}
			var found *spiker.Alert
			for i := range ns {
				if ns[i].Alert.Reason == spiker.AlertMonthlyReport {
					found = &ns[i].Alert
				}
			}
			if found == nil {
				t.Fatalf("%s has no monthly report alert", a.Username)
			}
			if found.Link != "/staf/statistik/bulanan?bulan=2025-10&wilayah=35.24" || found.RecordID != "2025-10" {
				t.Fatalf("alert link %q, record %q", found.Link, found.RecordID)
			}
		}
		if ns, _ := duty.Notifications(ctx, officer, 20); slices.ContainsFunc(ns, func(n spiker.Notification) bool { return n.Alert.Reason == spiker.AlertMonthlyReport }) {
			t.Fatal("a duty officer was told of the monthly report")
		}

		// The stored report equals the head's dashboard of October, and
		// its trend the dashboard of the thirteen months to October.
		stats := store.StatsService{Store: s}
		r, err := stats.MonthlyReport(ctx, boss, "2025-10", "")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Stored {
			t.Fatal("the generated report was not the one given")
		}
		d, err := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2025-10", To: "2025-10"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := shownDashboard(t, r.Dashboard), shownDashboard(t, d); got != want {
			t.Fatalf("stored report:\n%s\ndashboard:\n%s", got, want)
		}
		year, err := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2024-10", To: "2025-10"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := shownTable(t, r.Trend), shownTable(t, year.Months); got != want {
			t.Fatalf("trend %s, dashboard %s", got, want)
		}
		if r.LastYear().Shown != "6" || r.ThisMonth().Shown != "11" || r.Table("jenis_kelamin").Total.Shown != "11" {
			t.Fatalf("last year %q, this month %q", r.LastYear().Shown, r.ThisMonth().Shown)
		}

		// On demand, for a kecamatan and for a month not generated: the
		// figures of each role's own dashboard.
		for _, c := range []struct {
			actor         *spiker.Actor
			month, region string
		}{{sup, "2025-10", "35.24.22"}, {data, "2025-08", "35.24"}, {boss, "2025-10", "35.24.04"}} {
			r, err := stats.MonthlyReport(ctx, c.actor, c.month, c.region)
			if err != nil {
				t.Fatal(err)
			}
			d, err := stats.Dashboard(ctx, c.actor, spiker.StatsFilter{From: c.month, To: c.month, Region: c.region})
			if err != nil {
				t.Fatal(err)
			}
			if r.Stored || shownDashboard(t, r.Dashboard) != shownDashboard(t, d) {
				t.Fatalf("%s %s %s: report differs from the dashboard", c.actor.Username, c.month, c.region)
			}
		}
		// Who may not see statistics gets nothing; a desa is no report's region.
		if _, err := stats.MonthlyReport(ctx, officer, "2025-10", ""); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("officer: %v", err)
		}
		if _, err := stats.MonthlyReport(ctx, boss, "2025-10", "35.24.22.2001"); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("desa: %v", err)
		}
		if _, err := stats.MonthlyReport(ctx, boss, "2025-13", ""); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("bad month: %v", err)
		}
		if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'stats.monthly_report'`); n != 4 {
			t.Fatalf("%d audited report downloads, want 4", n)
		}
	})
}

// A holiday on the first working day, added after the job was queued,
// moves the report to the next working day; a fresh installation gets no
// report of a month it did not see.
func TestMonthlyReportHoliday(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		s.Regency = "35.24"
		wib := spiker.TimeZone("")
		clk := &fakeClock{t: time.Date(2025, 10, 31, 22, 0, 0, 0, wib)}
		s.DB.Now = clk.Now
		if err := s.ScheduleJobs(ctx); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO holidays (day, name) VALUES ('2025-11-03', 'Cuti bersama')`)
		reports := func() (n int) {
			t.Helper()
			if err := s.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT COUNT(*) FROM monthly_reports`, nil, &n) }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		run := func(at time.Time) {
			t.Helper()
			clk.Set(at)
			r := &jobs.Runner{Queue: s, Node: "node-" + at.Format("0102150405")}
			for kind, h := range s.JobHandlers() {
				r.Handle(kind, h)
			}
			for {
				n, err := r.RunDue(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return
				}
			}
		}
		run(time.Date(2025, 11, 3, 7, 0, 0, 0, wib))
		run(time.Date(2025, 11, 4, 6, 59, 0, 0, wib))
		if n := reports(); n != 0 {
			t.Fatalf("%d reports on a holiday", n)
		}
		run(time.Date(2025, 11, 4, 7, 0, 0, 0, wib))
		if n := reports(); n != 1 {
			t.Fatalf("%d reports on Tuesday 07:00, want 1", n)
		}

		// A fresh installation on 10 November: the first report is
		// November's, on 1 December.
		freshURL := storetest.SQLiteURL(t)
		if strings.HasPrefix(dbURL, "postgres") {
			freshURL = storetest.PostgresURL(t)
		}
		fresh := storetest.New(t, freshURL)
		fresh.Regency = "35.24"
		fresh.DB.Now = func() time.Time { return time.Date(2025, 11, 10, 9, 0, 0, 0, wib) }
		if err := fresh.ScheduleJobs(ctx); err != nil {
			t.Fatal(err)
		}
		var payload string
		if err := fresh.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT payload FROM jobs WHERE kind = $1`, []any{store.JobMonthlyReport}, &payload)
		}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(payload, `"Month":"2025-11"`) {
			t.Fatalf("a fresh installation queued %s", payload)
		}
	})
}
