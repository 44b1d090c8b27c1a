package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// nightMoments are the local times the duty is tried at: around each shift
// change, late at night and after midnight, on the day before a midnight
// and (after) the day after it. shift is the one running.
var nightMoments = []struct {
	after        bool
	hour, minute int
	shift        string
}{
	{true, 0, 30, "malam"}, {true, 6, 59, "malam"}, {true, 7, 0, "pagi"}, {false, 14, 59, "pagi"}, {false, 15, 0, "siang"},
	{false, 22, 59, "siang"}, {false, 23, 0, "malam"}, {false, 23, 59, "malam"},
}

// TestDutyAtEveryHour pins the clock at each of nightMoments, across a
// midnight that ends a week (Sunday 6 December 2026) and one that ends a
// month and a year, in WIB, WITA and WIT, and checks at each: filling the
// roster starts with the running shift and rotates by shift; a new report
// alerts the officer on that shift; and every time limit (first response,
// risk sedang and rendah, TPKS police report, plan item, referral, UU PDP,
// KSBE takedown request)
// shows the state the alerts say, which is the one worked out by hand.
func TestDutyAtEveryHour(t *testing.T) {
	for _, region := range []string{"35.24", "51.71", "91.71"} {
		t.Run(region, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, dbURL string) { dutyAtEveryHour(t, dbURL, region) })
		})
	}
}

func dutyAtEveryHour(t *testing.T, dbURL, region string) {
	ctx := context.Background()
	zone := spiker.TimeZone(region)
	s := storetest.New(t, dbURL)
	s.Zone = zone
	clk := &fakeClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	s.DB.Now = clk.Now
	reports, cases, duty, net := store.ReportService{Store: s}, store.CaseService{Store: s}, store.DutyService{Store: s}, store.NetworkService{Store: s}
	piket := []*spiker.Actor{staffIn(t, s, "piket.a", region, spiker.RoleKonselorPiket), staffIn(t, s, "piket.b", region, spiker.RoleKonselorPiket)}
	sups := []*spiker.Actor{staffIn(t, s, "supervisor.a", region, spiker.RoleSupervisor), staffIn(t, s, "supervisor.b", region, spiker.RoleSupervisor)}
	if err := s.AdmitToGroup(ctx, piket[0], store.GroupIntake, piket[1].UserID); err != nil {
		t.Fatal(err)
	}
	manager := staffIn(t, s, "manajer", region, spiker.RoleManajerKasus)
	admin := staffIn(t, s, "admin", region, spiker.RoleAdmin)
	agency := &spiker.Agency{Name: "RSUD", Type: "RSUD", RegionCode: region, Services: []string{"Kesehatan"}}
	if err := net.SaveAgency(ctx, admin, agency); err != nil {
		t.Fatal(err)
	}
	createStaff(t, s, &spiker.User{Username: "dokter", Roles: []spiker.Role{spiker.RoleMitra}, RegionCode: region, AgencyID: agency.ID})
	nodes := newDutyNodes(t, s, 1)
	desa := region + ".01.2001"
	file := func(at time.Time) *spiker.Report {
		clk.Set(at)
		r := sampleReport()
		r.RegionCode, r.IncidentDate, r.InDanger = desa, "", false
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// fired says whether the jobs raised a clock's amber and breach alerts.
	fired := func(clock, id string) (amber, red bool) {
		err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT reason FROM alerts WHERE clock = $1 AND record_id = $2`, clock, id)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var reason string
				if err := rows.Scan(&reason); err != nil {
					return err
				}
				amber = amber || reason == spiker.AlertClockAmber
				red = red || reason == spiker.AlertClockRed
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return amber, red
	}

	for _, midnight := range []string{"2026-12-06", "2026-12-31"} {
		d, _ := time.ParseInLocation(time.DateOnly, midnight, zone)
		for i, m := range nightMoments {
			local := time.Date(d.Year(), d.Month(), d.Day(), m.hour, m.minute, 0, 0, zone)
			day := midnight
			if m.after {
				local = local.AddDate(0, 0, 1)
				if m.shift == "pagi" {
					day = local.Format(time.DateOnly)
				}
			}
			now := local.UTC()
			where := fmt.Sprintf("%s %s", local.Format("Mon 2006-01-02 15:04"), zone)

			// The roster: empty, then filled from the duty day.
			clk.Set(now)
			for _, sh := range spiker.Shifts {
				if err := duty.SetShift(ctx, sups[0], day, sh.Name, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := duty.GenerateRoster(ctx, sups[0], day, 2); err != nil {
				t.Fatal(err)
			}
			entries, err := duty.Roster(ctx, sups[0], day, 1)
			if err != nil {
				t.Fatal(err)
			}
			running := spiker.ShiftOrdinal(day, m.shift)
			onDuty := piket[running%2]
			for _, sh := range spiker.Shifts {
				n := spiker.ShiftOrdinal(day, sh.Name)
				var who []int64
				for _, e := range entries {
					if e.Shift == sh.Name && e.Duty == spiker.DutyPiket {
						who = append(who, e.UserID)
					}
				}
				switch {
				case n < running && len(who) != 0:
					t.Errorf("%s: the ended %s shift was filled: %v", where, sh.Name, who)
				case n >= running && (len(who) != 1 || who[0] != piket[n%2].UserID):
					t.Errorf("%s: the %s shift has %v, want %s in turn", where, sh.Name, who, piket[n%2].Username)
				}
			}

			// A report now alerts the officer of the running shift only.
			r := file(now)
			nodes.pass()
			if got := alertsOf(t, duty, onDuty); got["new_report//"+r.ID[:6]] != spiker.LevelDuty {
				t.Errorf("%s: the officer on duty (%s) was not alerted: %v", where, onDuty.Username, got)
			}
			if got := alertsOf(t, duty, piket[(running+1)%2]); hasKey(got, r.ID[:6]) {
				t.Errorf("%s: the officer off duty was alerted: %v", where, got)
			}

			// A case opened now is numbered by the local year (00:30 on
			// 1 January is 2027).
			clk.Set(now)
			numbered := &spiker.Case{RegionCode: region + ".01", ReportIDs: []string{r.ID}}
			if err := cases.OpenCase(ctx, onDuty, numbered); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("/%d/", local.Year()); !strings.Contains(numbered.Number, want) {
				t.Errorf("%s: case number %s, want the year %d", where, numbered.Number, local.Year())
			}

			// Every time limit, started at ages that make it ok, amber and
			// red in turn; the page's state is the alerts' and the one
			// worked out by hand.
			v := i % 3
			want := []string{spiker.LimitOK, spiker.LimitAmber, spiker.LimitRed}[v]
			first := file(now.Add(-[]time.Duration{10 * time.Minute, 50 * time.Minute, 70 * time.Minute}[v]))
			sedang := file(now.Add(-8 * time.Hour))
			clk.Set(now.Add(-[]time.Duration{time.Hour, 5 * time.Hour, 7 * time.Hour}[v]))
			if err := reports.Identify(ctx, onDuty, sedang.ID, "KTP", "sedang", "daerah"); err != nil {
				t.Fatal(err)
			}
			rendah := file(now)
			if err := reports.Identify(ctx, onDuty, rendah.ID, "KTP", "rendah", "daerah"); err != nil {
				t.Fatal(err)
			}
			// A case whose report came 10, 60 or 80 hours ago: TPKS ok,
			// amber, red; its plan item and referral due in five days (ok),
			// yesterday (red) or today (amber, set 80 hours ago).
			age := []time.Duration{10 * time.Hour, 60 * time.Hour, 80 * time.Hour}[v]
			caseReport := file(now.Add(-age))
			c := &spiker.Case{RegionCode: region + ".01", ReportIDs: []string{caseReport.ID}}
			if err := cases.OpenCase(ctx, onDuty, c); err != nil {
				t.Fatal(err)
			}
			if err := cases.Assign(ctx, sups[0], c.ID, manager.UserID); err != nil {
				t.Fatal(err)
			}
			if err := cases.SetTPKS(ctx, manager, c.ID, true, false, ""); err != nil {
				t.Fatal(err)
			}
			if err := cases.AddVictim(ctx, manager, c.ID, &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Seksual"}, Consent: spiker.ConsentByVictim}); err != nil {
				t.Fatal(err)
			}
			dueDate := local.AddDate(0, 0, []int{5, -1, 0}[v]).Format(time.DateOnly)
			dueState := []string{spiker.LimitOK, spiker.LimitRed, spiker.LimitAmber}[v]
			plan := &spiker.CaseEntry{Kind: "rencana", Category: "Kesehatan", DueDate: dueDate, Body: "Visum"}
			if err := cases.AddEntry(ctx, manager, c.ID, plan); err != nil {
				t.Fatal(err)
			}
			ref, err := net.CreateReferral(ctx, manager, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: agency.ID, Service: "Kesehatan", DueDate: dueDate,
				Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim})
			if err != nil {
				t.Fatal(err)
			}
			clk.Set(now)
			pdp, err := duty.AddPDPRequest(ctx, sups[0], spiker.PDPKinds[0], now.Add(-age))
			if err != nil {
				t.Fatal(err)
			}
			// A KSBE takedown request sent 10, 40 or 50 hours ago (2 × 24 h:
			// amber from 36 hours).
			takedown := &spiker.Takedown{Platform: "x", URL: "https://contoh.example/v", Status: spiker.TakedownOpen}
			if err := cases.SaveTakedown(ctx, manager, c.ID, takedown); err != nil {
				t.Fatal(err)
			}
			tdReq := &spiker.TakedownRequest{TakedownID: takedown.ID, To: spiker.TakedownToPlatform, Status: spiker.RequestSent,
				SentAt: now.Add(-[]time.Duration{10 * time.Hour, 40 * time.Hour, 50 * time.Hour}[v])}
			if err := cases.SaveTakedownRequest(ctx, manager, c.ID, tdReq); err != nil {
				t.Fatal(err)
			}
			nodes.pass()

			inbox, err := reports.FindReports(ctx, onDuty, spiker.ReportFilter{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			item := func(id string) spiker.Deadline {
				for _, it := range inbox {
					if it.ID == id {
						d, _ := it.Deadline()
						return d
					}
				}
				t.Fatalf("%s: report %s is not in the inbox", where, id)
				return spiker.Deadline{}
			}
			limits, err := duty.TimeLimits(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cases.FindCase(ctx, manager, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			police, _ := got.PoliceReportDeadline(limits)
			var planDeadline spiker.Deadline
			for _, e := range got.Entries {
				if e.ID == plan.ID {
					planDeadline, _ = got.PlanDeadline(e, zone)
				}
			}
			refNow, err := net.Referral(ctx, manager, ref.ID)
			if err != nil {
				t.Fatal(err)
			}
			refDeadline, _ := refNow.Deadline(zone)
			pdps, err := duty.PDPRequests(ctx, sups[0])
			if err != nil {
				t.Fatal(err)
			}
			var tdDeadline spiker.Deadline
			for _, td := range got.Takedowns {
				for _, q := range td.Requests {
					if q.ID == tdReq.ID {
						tdDeadline = q.Deadline()
					}
				}
			}
			var pdpDeadline spiker.Deadline
			for _, p := range pdps {
				if p.ID == pdp.ID {
					pdpDeadline = p.Deadline()
				}
			}
			rendahDue := workdaysLater(local, 3)
			for _, lim := range []struct {
				name, clock, record string
				d                   spiker.Deadline
				want                string
			}{
				{"first response", spiker.ClockFirstResponse, first.ID, item(first.ID), want},
				{"risk sedang", spiker.ClockRisk, sedang.ID, item(sedang.ID), want},
				{"risk rendah", spiker.ClockRisk, rendah.ID, item(rendah.ID), spiker.LimitOK},
				{"TPKS police report", spiker.ClockTPKS, c.ID, police, want},
				{"plan item", spiker.ClockPlan, c.ID, planDeadline, dueState},
				{"referral", spiker.ClockReferral, c.ID, refDeadline, dueState},
				{"UU PDP request", spiker.ClockPDP, pdp.ID, pdpDeadline, want},
				{"KSBE takedown request", spiker.ClockTakedown, c.ID, tdDeadline, want},
			} {
				state := lim.d.State(now)
				amber, red := fired(lim.clock, lim.record)
				if state != lim.want || amber != (state != spiker.LimitOK) || red != (state == spiker.LimitRed) {
					t.Errorf("%s: %s is %s (due %v), want %s; amber alert %v, breach alert %v",
						where, lim.name, state, lim.d.Due.In(zone), lim.want, amber, red)
				}
			}
			if d := item(rendah.ID); !d.Due.Equal(rendahDue) {
				t.Errorf("%s: risk rendah due %v, want %v (3 working days, local)", where, d.Due.In(zone), rendahDue.In(zone))
			}
		}
	}
}

// workdaysLater is the same wall-clock time n weekdays later, counted by
// hand in t's zone.
func workdaysLater(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
			n--
		}
	}
	return t
}

func hasKey(m map[string]int, suffix string) bool {
	for k := range m {
		if len(k) >= len(suffix) && k[len(k)-len(suffix):] == suffix {
			return true
		}
	}
	return false
}
