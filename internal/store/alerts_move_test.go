package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// A case moved to another kecamatan takes its alerts with it: an alert
// raised before the move escalates to the new kecamatan's supervisor, a
// clock queued before the move breaches there and its breach is counted
// there, and the old kecamatan's supervisor hears nothing more of it.
func TestMovedCaseAlertsFollowIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		// Wednesday 25 November 2026, 08:00 WIB.
		clk := &fakeClock{t: time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		cases, net, duty := store.CaseService{Store: s}, store.NetworkService{Store: s}, store.DutyService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		supOld := createStaff(t, s, &spiker.User{Username: "supervisor.sukorejo", Roles: []spiker.Role{spiker.RoleSupervisor}, RegionCode: "35.24.22"})
		supNew := createStaff(t, s, &spiker.User{Username: "supervisor.sukodadi", Roles: []spiker.Role{spiker.RoleSupervisor}, RegionCode: "35.24.04"})
		c, _ := networkCase(t, s, officer, sup)
		rsud := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := net.SaveAgency(ctx, admin, rsud); err != nil {
			t.Fatal(err)
		}
		partner(t, s, "dokter.rsud", rsud.ID)
		zone := spiker.TimeZone("35.24")
		today := clk.Now().In(zone).Format(time.DateOnly)
		if _, err := net.CreateReferral(ctx, sup, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan", DueDate: today,
			Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim}); err != nil {
			t.Fatal(err)
		}
		nodes := newDutyNodes(t, s, 1)
		endOfDay, _ := time.ParseInLocation(time.DateOnly, today, zone)
		endOfDay = endOfDay.AddDate(0, 0, 1)

		// Amber before the move: raised under the old kecamatan.
		clk.Set(endOfDay.Add(-time.Minute))
		nodes.pass()
		regionOf := func(reason string) string {
			t.Helper()
			var region string
			if err := s.DB.Get(ctx, `SELECT region_code FROM alerts WHERE record_kind = 'case' AND record_id = $1 AND reason = $2`,
				[]any{c.ID, reason}, &region); err != nil {
				t.Fatalf("%s alert: %v", reason, err)
			}
			return region
		}
		if r := regionOf(spiker.AlertClockAmber); spiker.KecamatanOf(r) != "35.24.22" {
			t.Fatalf("the amber alert before the move is under %s", r)
		}

		if err := cases.CorrectLocation(ctx, sup, c.ID, "35.24.04", "Kejadian di Sukodadi"); err != nil {
			t.Fatal(err)
		}
		if r := regionOf(spiker.AlertClockAmber); r != "35.24.04" {
			t.Fatalf("the pending amber alert stayed under %s", r)
		}

		// The red check was queued with the old region; it breaches under
		// the new one.
		clk.Set(endOfDay.Add(time.Second))
		nodes.pass()
		if r := regionOf(spiker.AlertClockRed); r != "35.24.04" {
			t.Fatalf("the breach alert after the move is under %s", r)
		}
		var breachRegion string
		if err := s.DB.Get(ctx, `SELECT region_code FROM clock_breaches WHERE clock = $1`, []any{spiker.ClockReferral}, &breachRegion); err != nil || breachRegion != "35.24.04" {
			t.Fatalf("the breach is counted under %q: %v", breachRegion, err)
		}

		// Nobody acknowledges: both escalate to every supervisor of the
		// case's region now, not of the old one.
		for range 12 {
			clk.Add(time.Hour)
			nodes.pass()
		}
		caseAlerts := func(a *spiker.Actor) map[string]int {
			t.Helper()
			out := map[string]int{}
			for k, level := range alertsOf(t, duty, a) {
				if strings.HasSuffix(k, "/"+c.ID[:6]) { // not the report's own alerts
					out[k] = level
				}
			}
			return out
		}
		if got := caseAlerts(supNew); len(got) != 2 {
			t.Fatalf("the new kecamatan's supervisor: %v", got)
		}
		if got := caseAlerts(sup); len(got) != 2 {
			t.Fatalf("the regency's supervisor: %v", got)
		}
		if got := caseAlerts(supOld); len(got) != 0 {
			t.Fatalf("the old kecamatan's supervisor was alerted of a case moved away: %v", got)
		}

		// A breach recorded before a move moves too.
		if err := cases.CorrectLocation(ctx, sup, c.ID, "35.24.22", "Ternyata tetap di Sukorejo"); err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Get(ctx, `SELECT region_code FROM clock_breaches WHERE clock = $1`, []any{spiker.ClockReferral}, &breachRegion); err != nil || breachRegion != "35.24.22" {
			t.Fatalf("the breach after moving back is counted under %q: %v", breachRegion, err)
		}
	})
}
