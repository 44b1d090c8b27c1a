package store_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// Demo data is written by the services' own insert functions: it reads
// back through the services like real data, and is counted like it.
func TestDemoBatchReadsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		officer := staff(t, s, "demo.konselor", spiker.RoleKonselorPiket)
		sup := staff(t, s, "demo.supervisor", spiker.RoleSupervisor)
		reports, cases, stats := store.ReportService{Store: s}, store.CaseService{Store: s}, store.StatsService{Store: s}
		rng := rand.New(rand.NewPCG(1, 2))
		now := time.Now()
		var batch []*spiker.Report
		for range 20 {
			batch = append(batch, store.DemoReport(rng, []string{"35.24.22.2001", "35.24.04.2002"}, now))
		}
		n, err := reports.DemoBatch(ctx, officer, batch, 2)
		if err != nil || n != 10 {
			t.Fatalf("DemoBatch: %d cases, %v", n, err)
		}
		r, err := reports.FindReport(ctx, officer, batch[1].ID)
		if err != nil || r.Content.Narrative != batch[1].Content.Narrative || r.Status != spiker.ReportNew {
			t.Fatalf("demo report: %+v, %v", r, err)
		}
		list, err := cases.FindCases(ctx, sup, spiker.CaseFilter{Limit: 50})
		if err != nil || len(list) != 10 {
			t.Fatalf("demo cases: %d, %v", len(list), err)
		}
		for _, it := range list {
			c, err := cases.FindCase(ctx, officer, it.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.ReportIDs) != 1 || len(c.Victims) != 1 || len(c.Perpetrators) != 1 || c.Victims[0].Name != c.Content.VictimName ||
				c.Perpetrators[0].VictimID != c.Victims[0].ID || !strings.HasPrefix(c.Content.Summary, "Kasus demo: ") {
				t.Fatalf("demo case %+v", c)
			}
		}
		d, err := stats.Dashboard(ctx, sup, spiker.StatsFilter{From: now.AddDate(0, -25, 0).Format("2006-01"), To: now.Format("2006-01")})
		if err != nil || d.Open != 10 {
			t.Fatalf("dashboard: %d open cases, %v", d.Open, err)
		}
	})
}
