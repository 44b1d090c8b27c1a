package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

const takedownCanary = "https://kanari-ksbe.example/video/rahasia-korban"

// takedownCase opens a case in kecamatan 35.24.22 with a case manager on
// its team and one evidence file.
func takedownCase(t *testing.T, s *store.Store, piket, sup, manager *spiker.Actor) (*spiker.Case, []byte) {
	t.Helper()
	ctx := context.Background()
	reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
	r := sampleReport()
	if _, err := reports.CreateReport(ctx, r, ""); err != nil {
		t.Fatal(err)
	}
	c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}
	if err := cases.OpenCase(ctx, piket, c); err != nil {
		t.Fatal(err)
	}
	if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
		t.Fatal(err)
	}
	evidence := []byte("tangkapan layar bukti KSBE")
	if err := cases.AddCaseFiles(ctx, manager, c.ID, []spiker.Upload{{Name: "bukti.png", Kind: "image/png", Data: evidence}}); err != nil {
		t.Fatal(err)
	}
	return c, evidence
}

// TestTakedownClock: a request sent late at night on the last day of the
// month turns amber and then red (breach recorded at its due moment, the
// team alerted, the red escalating to the supervisor), across midnight
// into the next month; a request whose item is removed stops its clock.
// The URL and the reference never reach the database file in the clear.
func TestTakedownClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		// Monday 30 November 2026, 23:30 WIB.
		clk := &fakeClock{t: time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		cases, duty := store.CaseService{Store: s}, store.DutyService{Store: s}
		piket := staff(t, s, "konselor.piket", spiker.RoleKonselorPiket)
		sup := staff(t, s, "supervisor.satu", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		c, evidence := takedownCase(t, s, piket, sup, manager)
		nodes := newDutyNodes(t, s, 1)
		nodes.pass()

		files, err := cases.CaseFiles(ctx, manager, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		entered := "AB" + hex.EncodeToString(make([]byte, 31))
		item := &spiker.Takedown{Platform: "x", URL: takedownCanary, Status: spiker.TakedownOpen, FileIDs: []string{files[0].ID}, EnteredHash: entered}
		if err := cases.SaveTakedown(ctx, manager, c.ID, item); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(evidence)
		if len(item.Hashes) != 2 || item.Hashes[0].SHA256 != hex.EncodeToString(sum[:]) || item.Hashes[0].FileName != "bukti.png" || item.Hashes[1].SHA256 != "ab"+entered[2:] {
			t.Fatalf("hashes: %+v", item.Hashes)
		}
		other := &spiker.Takedown{Platform: "instagram", URL: "https://kanari-dua.example/p/1", Status: spiker.TakedownOpen}
		if err := cases.SaveTakedown(ctx, manager, c.ID, other); err != nil {
			t.Fatal(err)
		}
		// Sent 20 minutes ago, at 23:10 WIB: due 2 December 23:10 WIB.
		sent := clk.Now().Add(-20 * time.Minute)
		q := &spiker.TakedownRequest{TakedownID: item.ID, To: spiker.TakedownToPlatform, SentAt: sent, Reference: "TIKET-KANARI-77", Status: spiker.RequestSent}
		if err := cases.SaveTakedownRequest(ctx, manager, c.ID, q); err != nil {
			t.Fatal(err)
		}
		q2 := &spiker.TakedownRequest{TakedownID: other.ID, To: spiker.TakedownToMinistry, SentAt: sent, Status: spiker.RequestSent}
		if err := cases.SaveTakedownRequest(ctx, manager, c.ID, q2); err != nil {
			t.Fatal(err)
		}
		due := sent.Add(spiker.TakedownLimit)
		if d := q.Deadline(); !d.Due.Equal(due) || d.Amber() != due.Add(-12*time.Hour) {
			t.Fatalf("deadline: %+v amber %v", d, d.Amber())
		}
		// Midnight passes into December: still running, no alert.
		clk.Set(time.Date(2026, 12, 1, 1, 0, 0, 0, spiker.TimeZone("")))
		nodes.pass()
		if got := alertsOf(t, duty, manager); len(got) != 0 {
			t.Fatalf("alerts before amber: %v", got)
		}
		// The second item is removed: its clock stops.
		other.Status, other.OutcomeOn, other.URL = spiker.TakedownRemoved, "2026-12-01", ""
		if err := cases.SaveTakedown(ctx, manager, c.ID, other); err != nil {
			t.Fatal(err)
		}
		clk.Set(due.Add(-12*time.Hour - time.Second))
		nodes.pass()
		if got := alertsOf(t, duty, manager); len(got) != 0 {
			t.Fatalf("amber a second early: %v", got)
		}
		clk.Add(time.Second)
		nodes.pass()
		if got := alertsOf(t, duty, manager); got["clock_amber/takedown/"+c.ID[:6]] != spiker.LevelDuty || len(got) != 1 {
			t.Fatalf("amber: %v", got)
		}
		clk.Set(due.Add(-time.Second))
		nodes.pass()
		if breached(t, duty, spiker.ClockTakedown, q.ID, due) {
			t.Fatal("breached early")
		}
		clk.Set(due)
		nodes.pass()
		if !breached(t, duty, spiker.ClockTakedown, q.ID, due) || breached(t, duty, spiker.ClockTakedown, q2.ID, due) {
			t.Fatalf("breaches: %+v", mustBreaches(t, duty))
		}
		if got := alertsOf(t, duty, manager); got["clock_breach/takedown/"+c.ID[:6]] != spiker.LevelDuty {
			t.Fatalf("red to the team: %v", got)
		}
		// Urgent: unacknowledged, it escalates after 15 minutes.
		clk.Add(15 * time.Minute)
		nodes.pass()
		if got := alertsOf(t, duty, sup); got["clock_breach/takedown/"+c.ID[:6]] < spiker.LevelSupervisor {
			t.Fatalf("red escalated to the supervisors: %v", got)
		}

		// The page reads the same state, and the stopped clock as done.
		full, err := cases.FindCase(ctx, manager, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Takedowns) == 2 && full.Takedowns[0].ID != item.ID {
			full.Takedowns[0], full.Takedowns[1] = full.Takedowns[1], full.Takedowns[0]
		}
		if len(full.Takedowns) != 2 || full.Takedowns[0].URL != takedownCanary || full.Takedowns[0].Requests[0].Reference != "TIKET-KANARI-77" {
			t.Fatalf("read back: %+v", full.Takedowns)
		}
		if st := full.Takedowns[0].Requests[0].Deadline().State(clk.Now()); st != spiker.LimitRed {
			t.Fatalf("state of the late request: %s", st)
		}
		if st := full.Takedowns[1].Requests[0].Deadline().State(clk.Now()); st != spiker.LimitDone || full.Takedowns[1].URL != "https://kanari-dua.example/p/1" {
			t.Fatalf("the removed item: %s %+v", st, full.Takedowns[1])
		}
		// Answered: the request is updated, its reference kept sealed.
		q.Status, q.OutcomeOn = spiker.RequestRemoved, "2026-12-02"
		if err := cases.SaveTakedownRequest(ctx, manager, c.ID, q); err != nil {
			t.Fatal(err)
		}
		noPlaintextAtRest(t, dbURL, takedownCanary, "kanari-dua.example", "TIKET-KANARI-77")
	})
}

// TestTakedownValidationAndAccess: bad input writes nothing and names the
// field; a colleague from another kecamatan and a case manager not on the
// team can neither read nor change the tracker; a supervisor of the region
// can.
func TestTakedownValidationAndAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		cases := store.CaseService{Store: s}
		piket := staff(t, s, "konselor.piket", spiker.RoleKonselorPiket)
		sup := staff(t, s, "supervisor.satu", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		c, _ := takedownCase(t, s, piket, sup, manager)
		elsewhere := createStaff(t, s, &spiker.User{Username: "manajer.lain", Roles: []spiker.Role{spiker.RoleManajerKasus}, RegionCode: "35.24.01"})
		supElsewhere := createStaff(t, s, &spiker.User{Username: "supervisor.lain", Roles: []spiker.Role{spiker.RoleSupervisor}, RegionCode: "35.24.01"})
		notOnTeam := staff(t, s, "manajer.dua", spiker.RoleManajerKasus)

		bad := []struct {
			t     spiker.Takedown
			field string
		}{
			{spiker.Takedown{Platform: "x", URL: "bukan url", Status: spiker.TakedownOpen}, "td_url"},
			{spiker.Takedown{Platform: "x", URL: "ftp://contoh.example/a", Status: spiker.TakedownOpen}, "td_url"},
			{spiker.Takedown{Platform: "friendster", URL: takedownCanary, Status: spiker.TakedownOpen}, "td_platform"},
			{spiker.Takedown{Platform: "x", URL: takedownCanary, Status: spiker.TakedownOpen, EnteredHash: "abc123"}, "td_hash"},
			{spiker.Takedown{Platform: "x", URL: takedownCanary, Status: spiker.TakedownRemoved, OutcomeOn: "2026-12-05"}, "td_outcome_on"},
			{spiker.Takedown{Platform: "x", URL: takedownCanary, Status: spiker.TakedownRemoved}, "td_outcome_on"},
			{spiker.Takedown{Platform: "x", URL: takedownCanary, Status: spiker.TakedownOpen, FileIDs: []string{"bukan-berkas"}}, "td_files"},
		}
		for _, b := range bad {
			err := cases.SaveTakedown(ctx, manager, c.ID, &b.t)
			if spiker.ErrorCode(err) != spiker.EINVALID || spiker.ErrorFields(err)[b.field] == "" {
				t.Fatalf("%+v: %v %v", b.t, err, spiker.ErrorFields(err))
			}
		}
		item := &spiker.Takedown{Platform: "tiktok", URL: takedownCanary, Status: spiker.TakedownOpen}
		if err := cases.SaveTakedown(ctx, manager, c.ID, item); err != nil {
			t.Fatal(err)
		}
		now := clk.Now()
		badReq := []struct {
			q     spiker.TakedownRequest
			field string
		}{
			{spiker.TakedownRequest{To: "polisi", SentAt: now, Status: spiker.RequestSent}, "tr_to"},
			{spiker.TakedownRequest{To: spiker.TakedownToPlatform, Status: spiker.RequestSent}, "tr_sent_at"},
			{spiker.TakedownRequest{To: spiker.TakedownToPlatform, SentAt: now.Add(time.Hour), Status: spiker.RequestSent}, "tr_sent_at"},
			{spiker.TakedownRequest{To: spiker.TakedownToPlatform, SentAt: now, Status: "hilang"}, "tr_status"},
			{spiker.TakedownRequest{To: spiker.TakedownToPlatform, SentAt: now, Status: spiker.RequestRemoved}, "tr_outcome_on"},
			{spiker.TakedownRequest{To: spiker.TakedownToPlatform, SentAt: now, Status: spiker.RequestRemoved, OutcomeOn: "2026-12-01"}, "tr_outcome_on"},
		}
		for _, b := range badReq {
			b.q.TakedownID = item.ID
			err := cases.SaveTakedownRequest(ctx, manager, c.ID, &b.q)
			if spiker.ErrorCode(err) != spiker.EINVALID || spiker.ErrorFields(err)[b.field] == "" {
				t.Fatalf("%+v: %v %v", b.q, err, spiker.ErrorFields(err))
			}
		}
		got, err := cases.FindCase(ctx, sup, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Takedowns) != 1 || len(got.Takedowns[0].Requests) != 0 || len(got.Takedowns[0].Hashes) != 0 {
			t.Fatalf("a refused write left something: %+v", got.Takedowns)
		}
		if c, _ := s.JobCounts(ctx); c["queued"] != 0 {
			t.Fatalf("a refused request started a clock: %v", c)
		}

		// Access: only the team and the region's supervisors.
		q := &spiker.TakedownRequest{TakedownID: item.ID, To: spiker.TakedownToMinistry, SentAt: now, Status: spiker.RequestSent}
		for _, a := range []*spiker.Actor{elsewhere, supElsewhere, notOnTeam, piket} {
			if err := cases.SaveTakedown(ctx, a, c.ID, &spiker.Takedown{Platform: "x", URL: takedownCanary, Status: spiker.TakedownOpen}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
				t.Fatalf("%s adds an item: %v", a.Username, err)
			}
			if err := cases.SaveTakedownRequest(ctx, a, c.ID, q); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
				t.Fatalf("%s adds a request: %v", a.Username, err)
			}
		}
		for _, a := range []*spiker.Actor{elsewhere, supElsewhere, notOnTeam} {
			if _, err := cases.FindCase(ctx, a, c.ID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
				t.Fatalf("%s reads the case: %v", a.Username, err)
			}
		}
		if err := cases.SaveTakedownRequest(ctx, sup, c.ID, q); err != nil {
			t.Fatalf("the region's supervisor: %v", err)
		}
		// A request on another case's item is not found.
		c2, _ := takedownCase(t, s, piket, sup, manager)
		q2 := &spiker.TakedownRequest{TakedownID: item.ID, To: spiker.TakedownToPlatform, SentAt: now, Status: spiker.RequestSent}
		if err := cases.SaveTakedownRequest(ctx, manager, c2.ID, q2); spiker.ErrorCode(err) != spiker.ENOTFOUND {
			t.Fatalf("an item of another case: %v", err)
		}
	})
}
