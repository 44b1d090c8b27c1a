package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// fakeClock is the database's clock in these tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// dutyNodes runs the duty's jobs on n nodes at once, each pass; a node can
// be replaced (a restart) between passes. Deliveries are counted to show
// that nothing is sent twice.
type dutyNodes struct {
	t     *testing.T
	s     *store.Store
	nodes []*jobs.Runner
	mu    sync.Mutex
	sent  map[string]int
}

func newDutyNodes(t *testing.T, s *store.Store, n int) *dutyNodes {
	d := &dutyNodes{t: t, s: s, sent: map[string]int{}}
	for i := range n {
		d.nodes = append(d.nodes, d.node(i))
	}
	return d
}

func (d *dutyNodes) node(i int) *jobs.Runner {
	duty := store.DutyService{Store: d.s}
	r := &jobs.Runner{Queue: d.s, Node: fmt.Sprintf("node-%d-%d", i, time.Now().UnixNano()), Workers: 2}
	r.Handle(store.JobAlertRaise, duty.RaiseAlert)
	r.Handle(store.JobAlertEscalate, duty.EscalateAlert)
	r.Handle(store.JobClockCheck, duty.CheckClock)
	r.Handle(store.JobDeliver, func(ctx context.Context, j spiker.Job) error {
		var p store.DeliverJob
		if err := jsonUnmarshal(j.Payload, &p); err != nil {
			return err
		}
		del, err := duty.DeliveryOf(ctx, p.Notification, p.Channel)
		if err != nil || del.Sent {
			return err
		}
		d.mu.Lock()
		d.sent[fmt.Sprint(p.Notification, p.Channel)]++
		d.mu.Unlock()
		return duty.MarkDelivered(ctx, p.Notification, p.Channel)
	})
	return r
}

// pass runs every due job on all nodes at once.
func (d *dutyNodes) pass() {
	d.t.Helper()
	var wg sync.WaitGroup
	for _, r := range d.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.RunDue(context.Background()); err != nil {
				d.t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// restart replaces every node, as after a deploy or a crash.
func (d *dutyNodes) restart() {
	for i := range d.nodes {
		d.nodes[i] = d.node(i)
	}
}

// alertsOf returns the reasons of the open alerts a user was notified of,
// with their level.
func alertsOf(t *testing.T, duty store.DutyService, a *spiker.Actor) map[string]int {
	t.Helper()
	ns, err := duty.Notifications(context.Background(), a, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, n := range ns {
		if n.Alert.AcknowledgedAt == nil {
			out[n.Alert.Reason+"/"+n.Alert.Clock+"/"+n.Alert.RecordID[:6]] = n.Alert.Level
		}
	}
	return out
}

// TestTimeLimitsFireAndEscalate walks the 24-hour duty with a controlled
// clock on two nodes that are restarted halfway: a new report alerts the
// officer on duty and escalates to the supervisor on call, then to every
// supervisor; the first-response clock turns amber and breaches exactly on
// time; an answer stops it; a report in danger and a "tinggi" risk are
// urgent; risk "sedang" and "rendah" (working days, with a holiday), the
// TPKS police report, a referral's and a plan item's due dates breach on
// time and are recorded once.
func TestTimeLimitsFireAndEscalate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		// Wednesday 25 November 2026, 10:00 WIB: the morning shift.
		clk := &fakeClock{t: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
		duty := store.DutyService{Store: s}
		piket := staff(t, s, "konselor.piket", spiker.RoleKonselorPiket)
		other := staff(t, s, "konselor.lain", spiker.RoleKonselorPiket)
		onCall := staff(t, s, "supervisor.jaga", spiker.RoleSupervisor)
		sup2 := staff(t, s, "supervisor.dua", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		if err := duty.SetShift(ctx, onCall, "2026-11-25", "pagi", []int64{piket.UserID}, []int64{onCall.UserID}); err != nil {
			t.Fatal(err)
		}
		if err := duty.SetShift(ctx, onCall, "2026-11-25", "pagi", []int64{manager.UserID}, nil); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("a case manager on piket: %v", err)
		}
		if err := duty.SetChannel(ctx, piket, "telegram", "123456789"); err != nil {
			t.Fatal(err)
		}
		if err := duty.SetChannel(ctx, onCall, "email", "jaga@uptd.example"); err != nil {
			t.Fatal(err)
		}
		if err := duty.SetHoliday(ctx, admin, "2026-11-26", "Cuti bersama"); err != nil {
			t.Fatal(err)
		}
		nodes := newDutyNodes(t, s, 2)

		file := func(danger bool) *spiker.Report {
			r := sampleReport()
			r.InDanger = danger
			if _, err := reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
			return r
		}
		r1 := file(false)
		nodes.pass()
		if got := alertsOf(t, duty, piket); got["new_report//"+r1.ID[:6]] != spiker.LevelDuty || len(got) != 1 {
			t.Fatalf("the officer on duty: %v", got)
		}
		if got := alertsOf(t, duty, other); len(got) != 0 {
			t.Fatalf("an officer off duty was alerted: %v", got)
		}
		if got := alertsOf(t, duty, onCall); len(got) != 0 {
			t.Fatalf("the supervisor was alerted before the escalation: %v", got)
		}

		// Not acknowledged in 30 minutes: the supervisor on call, then all.
		clk.Add(30*time.Minute - time.Second)
		nodes.pass()
		if got := alertsOf(t, duty, onCall); len(got) != 0 {
			t.Fatalf("escalated a second early: %v", got)
		}
		clk.Add(time.Second)
		nodes.pass()
		if got := alertsOf(t, duty, onCall); got["new_report//"+r1.ID[:6]] != spiker.LevelSupervisor {
			t.Fatalf("the supervisor on call after 30 minutes: %v", got)
		}
		if got := alertsOf(t, duty, sup2); len(got) != 0 {
			t.Fatalf("every supervisor alerted at level 1: %v", got)
		}
		nodes.restart()

		// 45 minutes: amber; 60 minutes: the breach, recorded at its due time.
		clk.Add(15 * time.Minute)
		nodes.pass()
		if got := alertsOf(t, duty, piket); got["clock_amber/first_response/"+r1.ID[:6]] != spiker.LevelDuty {
			t.Fatalf("the amber first-response alert: %v", got)
		}
		clk.Add(15*time.Minute - time.Second)
		nodes.pass()
		if b, _ := duty.Breaches(ctx); len(b) != 0 {
			t.Fatalf("a breach before the limit: %+v", b)
		}
		clk.Add(time.Second)
		nodes.pass()
		b, _ := duty.Breaches(ctx)
		if len(b) != 1 || b[0].Clock != spiker.ClockFirstResponse || b[0].RecordID != r1.ID || !b[0].BreachedAt.Equal(b[0].DueAt) {
			t.Fatalf("the first-response breach: %+v", b)
		}
		if got := alertsOf(t, duty, sup2); got["new_report//"+r1.ID[:6]] != spiker.LevelSupervisors {
			t.Fatalf("every supervisor after an hour: %v", got)
		}

		// In danger: urgent, escalated after 15 minutes unless acknowledged.
		r2 := file(true)
		r3 := file(true)
		nodes.pass()
		alert3 := ""
		ns, _ := duty.Notifications(ctx, piket, 100)
		for _, n := range ns {
			if n.Alert.RecordID == r3.ID && n.Alert.Reason == spiker.AlertDanger {
				alert3 = n.Alert.ID
			}
		}
		if err := duty.Acknowledge(ctx, piket, alert3); err != nil {
			t.Fatal(err)
		}
		if err := duty.Acknowledge(ctx, sup2, alert3); spiker.ErrorCode(err) != spiker.ENOTFOUND {
			t.Fatalf("acknowledging an alert one was not sent: %v", err)
		}
		clk.Add(15 * time.Minute)
		nodes.pass()
		got := alertsOf(t, duty, onCall)
		if got["danger//"+r2.ID[:6]] != spiker.LevelSupervisor || got["danger//"+r3.ID[:6]] != 0 {
			t.Fatalf("urgent escalation after 15 minutes: %v", got)
		}

		// An answer within the hour stops the first-response clock and
		// acknowledges the arrival alert.
		r4 := file(false)
		nodes.pass()
		clk.Add(10 * time.Minute)
		if err := reports.Reply(ctx, piket, r4.ID, "Terima kasih, kami akan menghubungi Anda."); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Hour)
		nodes.pass()
		if b, _ := duty.Breaches(ctx); len(b) != 3 { // r1, and r2 and r3, which nobody answered
			t.Fatalf("breaches after an answered report: %+v", b)
		}
		if got := alertsOf(t, duty, onCall); got["new_report//"+r4.ID[:6]] != 0 {
			t.Fatalf("an answered report escalated: %v", got)
		}

		// Risk: tinggi alerts at once; sedang breaches after 6 hours;
		// rendah after 3 working days, skipping the holiday and the weekend.
		r5, r6, r7 := file(false), file(false), file(false)
		if err := reports.Identify(ctx, piket, r5.ID, "KTP", "tinggi", "daerah"); err != nil {
			t.Fatal(err)
		}
		identified := clk.Now()
		reports.Identify(ctx, piket, r6.ID, "KTP", "sedang", "daerah")
		reports.Identify(ctx, piket, r7.ID, "KTP", "rendah", "daerah")
		nodes.pass()
		inbox, _ := reports.FindReports(ctx, piket, spiker.ReportFilter{Limit: 50})
		for _, it := range inbox {
			if it.ID == r6.ID && (it.RiskDueAt == nil || !it.RiskDueAt.Equal(identified.Add(6*time.Hour))) {
				t.Fatalf("the inbox's risk clock of a 'sedang' report: %v", it.RiskDueAt)
			}
		}
		if got := alertsOf(t, duty, piket); got["risk_tinggi//"+r5.ID[:6]] != spiker.LevelDuty {
			t.Fatalf("risk tinggi: %v", got)
		}
		clk.Add(6 * time.Hour)
		nodes.pass()
		if !breached(t, duty, spiker.ClockRisk, r6.ID, identified.Add(6*time.Hour)) {
			t.Fatal("risk sedang did not breach at 6 hours")
		}
		// Wed 25 (13:xx WIB) + 3 working days, Thu 26 a holiday: Fri 27,
		// Mon 30, Tue 1 December.
		rendahDue := time.Date(2026, 12, 1, identified.In(spiker.TimeZone("")).Hour(), identified.Minute(), identified.Second(), 0, spiker.TimeZone("")).UTC()
		clk.Set(rendahDue.Add(-time.Second))
		nodes.pass()
		if breached(t, duty, spiker.ClockRisk, r7.ID, rendahDue) {
			t.Fatal("risk rendah breached early")
		}
		clk.Add(time.Second)
		nodes.pass()
		if !breached(t, duty, spiker.ClockRisk, r7.ID, rendahDue) {
			t.Fatal("risk rendah did not breach after 3 working days")
		}

		// TPKS: 3 × 24 h from the report; a referral's and a plan item's due
		// dates: the end of the day.
		r8 := file(false)
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r8.ID}}
		if err := cases.OpenCase(ctx, piket, c); err != nil {
			t.Fatal(err)
		}
		cases.Assign(ctx, onCall, c.ID, manager.UserID)
		if err := cases.SetTPKS(ctx, manager, c.ID, true, false, ""); err != nil {
			t.Fatal(err)
		}
		due := clk.Now().AddDate(0, 0, 1).In(spiker.TimeZone("")).Format(time.DateOnly)
		if err := cases.AddEntry(ctx, manager, c.ID, &spiker.CaseEntry{Kind: "rencana", Category: "Kesehatan", DueDate: due, Body: "Visum"}); err != nil {
			t.Fatal(err)
		}
		net := store.NetworkService{Store: s}
		agency := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := net.SaveAgency(ctx, admin, agency); err != nil {
			t.Fatal(err)
		}
		partner(t, s, "dokter.rsud", agency.ID)
		if err := cases.AddVictim(ctx, onCall, c.ID, &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Seksual"}, Consent: spiker.ConsentByVictim}); err != nil {
			t.Fatal(err)
		}
		ref, err := net.CreateReferral(ctx, manager, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: agency.ID, Service: "Kesehatan", DueDate: due,
			Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim})
		if err != nil {
			t.Fatal(err)
		}
		tpksDue := r8.CreatedAt.Add(72 * time.Hour)
		endOfDue, _ := time.ParseInLocation(time.DateOnly, due, spiker.TimeZone(""))
		clk.Set(endOfDue.AddDate(0, 0, 1).UTC())
		nodes.pass()
		var planBreached bool
		for _, b := range mustBreaches(t, duty) {
			planBreached = planBreached || b.Clock == spiker.ClockPlan && b.DueAt.Equal(endOfDue.AddDate(0, 0, 1).Add(-time.Second))
		}
		if !planBreached {
			t.Fatalf("the plan item's due date: %+v", mustBreaches(t, duty))
		}
		if !breached(t, duty, spiker.ClockReferral, ref.ID, endOfDue.AddDate(0, 0, 1).Add(-time.Second)) {
			t.Fatalf("the referral's due date: %+v", mustBreaches(t, duty))
		}
		if got := alertsOf(t, duty, manager); got["clock_breach/plan_due/"+c.ID[:6]] != spiker.LevelDuty {
			t.Fatalf("the case team is alerted of its plan item: %v", got)
		}
		clk.Set(tpksDue)
		nodes.pass()
		if !breached(t, duty, spiker.ClockTPKS, c.ID, tpksDue) {
			t.Fatalf("the TPKS clock: %+v", mustBreaches(t, duty))
		}

		// UU PDP: a data-subject request breaches 3 × 24 h after it arrived
		// unless answered; its registrar is alerted.
		received := clk.Now().Add(-time.Hour)
		pdpReq, err := duty.AddPDPRequest(ctx, admin, "permintaan_subjek", received)
		if err != nil {
			t.Fatal(err)
		}
		answered, _ := duty.AddPDPRequest(ctx, admin, "pemberitahuan_kebocoran", received)
		if err := duty.ClosePDPRequest(ctx, admin, answered.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := duty.AddPDPRequest(ctx, manager, "permintaan_subjek", received); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("a case manager keeping the PDP register: %v", err)
		}
		clk.Set(received.Add(72 * time.Hour))
		nodes.pass()
		if !breached(t, duty, spiker.ClockPDP, pdpReq.ID, received.Add(72*time.Hour)) || breached(t, duty, spiker.ClockPDP, answered.ID, received.Add(72*time.Hour)) {
			t.Fatalf("the PDP clocks: %+v", mustBreaches(t, duty))
		}
		if got := alertsOf(t, duty, admin); got["clock_breach/pdp/"+pdpReq.ID[:6]] != spiker.LevelDuty {
			t.Fatalf("the registrar is alerted: %v", got)
		}

		// Everything ran once: each delivery sent once, no job left behind.
		for k, n := range nodes.sent {
			if n != 1 {
				t.Errorf("delivery %s sent %d times", k, n)
			}
		}
		if len(nodes.sent) == 0 {
			t.Fatal("no delivery was sent")
		}
		if c, _ := s.JobCounts(ctx); c["running"] != 0 || c["failed"] != 0 {
			t.Fatalf("jobs: %v", c)
		}
	})
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func mustBreaches(t *testing.T, duty store.DutyService) []spiker.Breach {
	t.Helper()
	b, err := duty.Breaches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func breached(t *testing.T, duty store.DutyService, clock, id string, due time.Time) bool {
	t.Helper()
	for _, b := range mustBreaches(t, duty) {
		if b.Clock == clock && b.RecordID == id {
			if !b.DueAt.Equal(due.Truncate(time.Second)) || !b.BreachedAt.Equal(b.DueAt) && b.BreachedAt.Sub(b.DueAt) > time.Second {
				t.Fatalf("%s of %s: due %v breached %v, want due %v", clock, id, b.DueAt, b.BreachedAt, due)
			}
			return true
		}
	}
	return false
}
