package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/monthly"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
)

// Demo accounts: created by `spiker demo` on a fresh installation, so that
// they are the first members of their groups and can read the demo data.
const (
	demoOfficer    = "demo.konselor"
	demoSupervisor = "demo.supervisor"
	demoPassword   = "demo sandi untuk uji coba"
)

// runDemo fills an instance with realistic, properly encrypted synthetic
// reports and cases, for demonstrations and for `spiker bench`.
func runDemo(ctx context.Context, cio cmdIO, args []string) error {
	var n, every int
	m, err := newMain(cio, "demo", args, false, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "reports", 1000, "how many reports to generate")
		fs.IntVar(&every, "case-every", 2, "open a case for every n-th report")
	})
	if err != nil {
		return err
	}
	if n < 1 || every < 1 {
		return fmt.Errorf("%w: --reports and --case-every must be positive", errUsage)
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	officer, err := demoActor(ctx, m, demoOfficer, spiker.RoleKonselorPiket)
	if err != nil {
		return err
	}
	if _, err := demoActor(ctx, m, demoSupervisor, spiker.RoleSupervisor); err != nil {
		return err
	}
	var desa []string
	for _, k := range m.Regions.Children(m.Config.Region) {
		for _, d := range m.Regions.Children(k.Code) {
			desa = append(desa, d.Code)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	reports := store.ReportService{Store: m.Store}
	start, done, cases := time.Now(), 0, 0
	for done < n {
		batch := make([]*spiker.Report, 0, min(500, n-done))
		for range cap(batch) {
			batch = append(batch, store.DemoReport(rng, desa, m.Clock.Now()))
		}
		c, err := reports.DemoBatch(ctx, officer, batch, every)
		if err != nil {
			return err
		}
		done, cases = done+len(batch), cases+c
		if done%10000 == 0 || done == n {
			fmt.Fprintf(cio.stderr, "%d reports, %d cases (%.0f reports/s)\n", done, cases, float64(done)/time.Since(start).Seconds())
		}
	}
	fmt.Fprintf(cio.stdout, "Generated %d reports and %d cases in %s, readable by the demo accounts %s and %s (used by `spiker bench`).\n",
		done, cases, time.Since(start).Round(time.Second), demoOfficer, demoSupervisor)
	return nil
}

// demoActor signs in a demo account, creating it if needed. The command
// acts as the installation's administrator, as `spiker user add` does.
func demoActor(ctx context.Context, m *Main, name string, role spiker.Role) (*spiker.Actor, error) {
	if _, err := m.Users.FindUserByUsername(ctx, name); spiker.ErrorCode(err) == spiker.ENOTFOUND {
		u := &spiker.User{Username: name, Roles: []spiker.Role{role}, RegionCode: m.Config.Region}
		// Demo data only: the account is created already enrolled, with a
		// known password, and its TOTP secret is printed so that `spiker
		// bench --http` can sign in as it. A real account is enrolled by
		// its owner through the link of `spiker user add`.
		secret, err := store.UserService{Store: m.Store}.CreateEnrolledUser(ctx, u, demoPassword)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(m.Stdout, "Demo account %s, password %q, TOTP secret %s\n", name, demoPassword, secret)
	}
	a, err := m.Users.Authenticate(ctx, name, demoPassword)
	if err != nil {
		return nil, fmt.Errorf("demo account %s: %v", name, spiker.ErrorMessage(err))
	}
	u, _ := m.Users.FindUserByID(ctx, a.UserID)
	if waiting, _ := m.Store.WaitingForAccess(ctx, u); waiting {
		return nil, errors.New("the demo accounts are not members of their groups: run `spiker demo` on a fresh data directory")
	}
	return a, nil
}

// runBench measures the back office's main reads at the server, on the
// data of `spiker demo`: the inbox, the case list, a search by case number,
// a case view, the case page and the dashboards, each with its median and
// tail latency.
func runBench(ctx context.Context, cio cmdIO, args []string) error {
	for _, a := range args {
		if a == "--http" || a == "-http" || strings.HasPrefix(a, "--http=") || strings.HasPrefix(a, "-http=") {
			return runLoadBench(ctx, cio, args)
		}
	}
	var iterations int
	var only string
	m, err := newMain(cio, "bench", args, false, func(fs *flag.FlagSet) {
		fs.IntVar(&iterations, "iterations", 200, "how many times to run each read")
		fs.StringVar(&only, "only", "", "run only the reads whose name contains this text (e.g. \"monthly\")")
	})
	if err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	officer, err := m.Users.Authenticate(ctx, demoOfficer, demoPassword)
	if err != nil {
		return errors.New("no demo data: run `spiker demo --reports N` first")
	}
	sup, err := m.Users.Authenticate(ctx, demoSupervisor, demoPassword)
	if err != nil {
		return err
	}
	cases := store.CaseService{Store: m.Store}
	reports := store.ReportService{Store: m.Store}
	list, err := cases.FindCases(ctx, sup, spiker.CaseFilter{Limit: 200})
	if err != nil || len(list) == 0 {
		return errors.New("no demo cases: run `spiker demo --reports N` first")
	}
	var nReports, nCases int
	m.DB.View(ctx, func(tx *sqldb.Tx) error {
		tx.Get(ctx, `SELECT COUNT(*) FROM reports`, nil, &nReports)
		return tx.Get(ctx, `SELECT COUNT(*) FROM cases`, nil, &nCases)
	})
	fmt.Fprintf(cio.stdout, "%s: %d reports, %d cases; %d iterations each\n", m.DB, nReports, nCases, iterations)
	fmt.Fprintf(cio.stdout, "%-28s %10s %10s %10s\n", "read", "p50", "p90", "p99")
	rng := rand.New(rand.NewPCG(1, 2))
	stats := store.StatsService{Store: m.Store}
	now := m.Clock.Local()
	year := spiker.StatsFilter{From: time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, now.Location()).Format("2006-01"), To: now.Format("2006-01")}
	lastMonth := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, now.Location()).Format("2006-01")
	regionName := func(code string) string {
		if r, err := m.Regions.Region(code); err == nil {
			return r.Name
		}
		return code
	}
	var kecamatan []string
	for _, k := range m.Regions.Children(m.Config.Region) {
		kecamatan = append(kecamatan, k.Code)
	}
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"inbox, first page (50)", func() error { _, err := reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 50}); return err }},
		{"case list, first page (50)", func() error { _, err := cases.FindCases(ctx, sup, spiker.CaseFilter{}); return err }},
		{"case list, by status+step", func() error {
			_, err := cases.FindCases(ctx, sup, spiker.CaseFilter{Status: spiker.CaseOpen, Step: "asesmen"})
			return err
		}},
		{"search by case number", func() error {
			_, err := cases.CaseIDByNumber(ctx, sup, list[rng.IntN(len(list))].Number)
			return err
		}},
		{"case view (decrypt)", func() error { _, err := cases.FindCase(ctx, sup, list[rng.IntN(len(list))].ID); return err }},
		{"case page (one read)", func() error {
			_, err := cases.CaseView(ctx, sup, list[rng.IntN(len(list))].ID, false)
			return err
		}},
		{"dashboard, regency, 12 months", func() error { _, err := stats.Dashboard(ctx, sup, year); return err }},
		{"dashboard, regency, 24 months", func() error {
			_, err := stats.Dashboard(ctx, sup, spiker.StatsFilter{From: now.AddDate(0, -23, 0).Format("2006-01"), To: year.To})
			return err
		}},
		{"dashboard, kecamatan by desa", func() error {
			f := year
			f.Region = kecamatan[rng.IntN(len(kecamatan))]
			_, err := stats.Dashboard(ctx, sup, f)
			return err
		}},
		{"monthly report, PDF + XLSX", func() error {
			// Last month's regency report as the download makes it: the
			// figures from the dashboards (audited), then both files.
			rep, err := stats.MonthlyReport(ctx, sup, lastMonth, "")
			if err != nil {
				return err
			}
			in := monthly.Input{Report: rep, Head: letter.Letterhead{Office: "UPTD PPA"}, RegionName: regionName, Zone: m.Clock.Zone()}
			if _, err := monthly.PDF(in); err != nil {
				return err
			}
			return monthly.XLSX(io.Discard, in)
		}},
		{"public statistics, 12 months", func() error { _, err := stats.PublicStats(ctx, 12, m.Config.Region, kecamatan); return err }},
		{"workload, regency", func() error { _, err := cases.Workload(ctx, sup, ""); return err }},
		{"workload, one kecamatan", func() error {
			_, err := cases.Workload(ctx, sup, kecamatan[rng.IntN(len(kecamatan))])
			return err
		}},
		{"report view (decrypt)", func() error {
			it, _ := reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 1})
			_, err := reports.FindReport(ctx, officer, it[0].ID)
			return err
		}},
	} {
		if !strings.Contains(op.name, only) {
			continue
		}
		var d []time.Duration
		for range iterations {
			t := time.Now()
			if err := op.run(); err != nil {
				return fmt.Errorf("%s: %v", op.name, err)
			}
			d = append(d, time.Since(t))
		}
		slices.Sort(d)
		q := func(p float64) string { return d[int(p*float64(len(d)-1))].Round(10 * time.Microsecond).String() }
		fmt.Fprintf(cio.stdout, "%-28s %10s %10s %10s\n", op.name, q(.5), q(.9), q(.99))
	}
	return nil
}
