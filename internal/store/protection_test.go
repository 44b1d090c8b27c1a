package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestCaseProtections records restitusi, protection orders, risk
// assessments and safety plans on a case: they read back with the case
// for its holders only, keep their history, set the case's risk, alert
// the case manager before an order ends (not once it was revoked), and leave no
// note, answer or plan in plaintext at rest or in the audit log.
func TestCaseProtections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)} // 10:00 WIB
		s.DB.Now = clk.Now
		cases, duty := store.CaseService{Store: s}, store.DutyService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		other := staff(t, s, "manajer.dua", spiker.RoleManajerKasus)
		c, _ := networkCase(t, s, officer, sup)
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		if err := cases.SetManager(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}

		// Restitusi: requested, then decided and partly paid.
		rest := &spiker.Restitution{RequestedOn: "2026-11-20", AmountRequested: 25_000_000, Notes: "Catatan restitusi kanari"}
		if err := cases.SaveRestitution(ctx, manager, c.ID, rest); err != nil {
			t.Fatal(err)
		}
		rest.DecidedOn, rest.AmountDecided, rest.Payment = "2026-11-28", 15_000_000, "dibayar_sebagian"
		if err := cases.SaveRestitution(ctx, manager, c.ID, rest); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.SaveRestitution(ctx, manager, c.ID, &spiker.Restitution{RequestedOn: "2026-11-20", AmountRequested: 0}), spiker.EINVALID, "a restitusi of nothing")
		wantCode(t, cases.SaveRestitution(ctx, manager, c.ID, &spiker.Restitution{ID: "bukan-di-kasus-ini", RequestedOn: "2026-11-20", AmountRequested: 1}), spiker.ENOTFOUND, "another record's id")

		// Two orders: one ending on 7 December, one revoked afterwards.
		temp := &spiker.ProtectionOrder{Kind: spiker.OrderTemporary, Issuer: "kepolisian", StartsOn: "2026-11-24", EndsOn: "2026-12-07", Status: spiker.OrderActive, Notes: "Catatan perlindungan kanari"}
		if err := cases.SaveProtectionOrder(ctx, manager, c.ID, temp); err != nil {
			t.Fatal(err)
		}
		lpsk := &spiker.ProtectionOrder{Kind: spiker.OrderLPSK, Issuer: "lpsk", StartsOn: "2026-11-25", EndsOn: "2026-12-10", Status: spiker.OrderActive}
		if err := cases.SaveProtectionOrder(ctx, manager, c.ID, lpsk); err != nil {
			t.Fatal(err)
		}
		bad := &spiker.ProtectionOrder{Kind: spiker.OrderCourt, Issuer: "pengadilan", StartsOn: "2026-12-05", EndsOn: "2026-12-01", Status: spiker.OrderActive}
		if err := cases.SaveProtectionOrder(ctx, manager, c.ID, bad); spiker.ErrorFields(err)["order_ends"] != "protect.err.end_before_start" {
			t.Fatalf("an order ending before it starts: %v", err)
		}

		// Risk: the proposal accepted, then overridden with a reason.
		answers := map[string]bool{}
		for _, q := range spiker.RiskQuestions {
			answers[q.ID] = q.ID == "serumah" || q.ID == "akses"
		}
		if err := cases.AssessRisk(ctx, manager, c.ID, &spiker.RiskAssessment{Answers: answers}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.AssessRisk(ctx, manager, c.ID, &spiker.RiskAssessment{Answers: answers, Chosen: "tinggi"}), spiker.EINVALID, "an override without a reason")
		clk.Add(time.Minute)
		if err := cases.AssessRisk(ctx, manager, c.ID, &spiker.RiskAssessment{Answers: answers, Chosen: "tinggi", Reason: "Alasan kanari: pelaku bebas"}); err != nil {
			t.Fatal(err)
		}
		// The rise to tinggi alerts the team at once, urgently (the first
		// assessment, sedang, raised nothing).
		var riskJobs []string
		s.DB.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT payload FROM jobs WHERE kind = $1 AND dedupe_key LIKE 'raise:case_risk_tinggi:%'`, store.JobAlertRaise)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var p string
				rows.Scan(&p)
				riskJobs = append(riskJobs, p)
			}
			return rows.Err()
		})
		if len(riskJobs) != 1 {
			t.Fatalf("%d high-risk alert jobs, want 1", len(riskJobs))
		}
		if err := duty.RaiseAlert(ctx, spiker.Job{Kind: store.JobAlertRaise, Payload: riskJobs[0]}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []*spiker.Actor{manager, officer} {
			notes, err := duty.Notifications(ctx, a, 20)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(notes, func(n spiker.Notification) bool {
				return n.Alert.Reason == spiker.AlertCaseRiskTinggi && n.Alert.Urgent && n.Alert.Link == "/staf/kasus/"+c.ID
			}) {
				t.Fatalf("%s has no urgent high-risk alert: %+v", a.Username, notes)
			}
		}
		if notes, _ := duty.Notifications(ctx, other, 20); len(notes) != 0 {
			t.Fatalf("someone off the team is told of the case: %+v", notes)
		}

		// Safety plan: two versions.
		if err := cases.SaveSafetyPlan(ctx, manager, c.ID, &spiker.SafetyPlan{SafePlace: "Rumah bibi", CodeWord: "Kata sandi kanari"}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		if err := cases.SaveSafetyPlan(ctx, sup, c.ID, &spiker.SafetyPlan{SafePlace: "Rumah aman kanari", CodeWord: "payung biru", KeepReady: "KTP, obat"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.SaveSafetyPlan(ctx, manager, c.ID, &spiker.SafetyPlan{}), spiker.EINVALID, "an empty plan")

		// Off the team: no change, no read.
		wantCode(t, cases.SaveSafetyPlan(ctx, other, c.ID, &spiker.SafetyPlan{SafePlace: "x"}), spiker.EFORBIDDEN, "a plan by someone off the team")
		wantCode(t, cases.AssessRisk(ctx, other, c.ID, &spiker.RiskAssessment{Answers: answers}), spiker.EFORBIDDEN, "an assessment by someone off the team")
		if _, err := cases.FindCase(ctx, other, c.ID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("someone off the team reads the case: %v", err)
		}

		for _, a := range []*spiker.Actor{manager, officer, sup} {
			got, err := cases.FindCase(ctx, a, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Risk != "tinggi" || len(got.RiskAssessments) != 2 || got.RiskAssessments[0].Chosen != "tinggi" || got.RiskAssessments[0].Proposed != "sedang" ||
				got.RiskAssessments[0].Reason != "Alasan kanari: pelaku bebas" || !got.RiskAssessments[0].Answers["akses"] || got.RiskAssessments[0].Score != 2 ||
				got.RiskAssessments[1].Chosen != "sedang" || got.RiskAssessments[1].Overridden() {
				t.Fatalf("%s: risk %q, assessments %+v", a.Username, got.Risk, got.RiskAssessments)
			}
			if len(got.Restitutions) != 1 || got.Restitutions[0].AmountDecided != 15_000_000 || got.Restitutions[0].Payment != "dibayar_sebagian" ||
				got.Restitutions[0].Notes != "Catatan restitusi kanari" {
				t.Fatalf("%s: restitusi %+v", a.Username, got.Restitutions)
			}
			if len(got.ProtectionOrders) != 2 || got.ProtectionOrders[0].Notes != "Catatan perlindungan kanari" || got.ProtectionOrders[0].EndsOn != "2026-12-07" {
				t.Fatalf("%s: orders %+v", a.Username, got.ProtectionOrders)
			}
			if len(got.SafetyPlans) != 2 || got.SafetyPlans[0].SafePlace != "Rumah aman kanari" || got.SafetyPlans[0].ActorID != sup.UserID ||
				got.SafetyPlans[1].CodeWord != "Kata sandi kanari" {
				t.Fatalf("%s: plans %+v", a.Username, got.SafetyPlans)
			}
		}

		// The ending alerts were set ahead of time; the LPSK order is
		// revoked before its alert is due.
		lpsk.Status = spiker.OrderRevoked
		if err := cases.SaveProtectionOrder(ctx, manager, c.ID, lpsk); err != nil {
			t.Fatal(err)
		}
		type job struct {
			payload string
			at      time.Time
		}
		var jobs []job
		s.DB.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT payload, run_at FROM jobs WHERE kind = $1 AND dedupe_key LIKE 'raise:protection_ending:%' ORDER BY run_at`, store.JobAlertRaise)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var j job
				rows.Scan(&j.payload, &j.at)
				jobs = append(jobs, j)
			}
			return rows.Err()
		})
		wib := spiker.TimeZone("")
		if len(jobs) != 2 || !jobs[0].at.Equal(time.Date(2026, 12, 4, 8, 0, 0, 0, wib)) || !jobs[1].at.Equal(time.Date(2026, 12, 7, 8, 0, 0, 0, wib)) {
			t.Fatalf("ending alerts: %+v", jobs)
		}
		clk.Set(time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC))
		for _, j := range jobs {
			if err := duty.RaiseAlert(ctx, spiker.Job{Kind: store.JobAlertRaise, Payload: j.payload}); err != nil {
				t.Fatal(err)
			}
		}
		notes, err := duty.Notifications(ctx, manager, 10)
		if err != nil {
			t.Fatal(err)
		}
		ending := 0
		for _, n := range notes {
			if n.Alert.Reason == spiker.AlertProtectionEnding {
				ending++
				if n.Alert.Link != "/staf/kasus/"+c.ID {
					t.Fatalf("alert link %q", n.Alert.Link)
				}
			}
		}
		if ending != 1 {
			t.Fatalf("%d ending alerts, want 1 (the revoked order's is dropped): %+v", ending, notes)
		}
		// It goes to the case manager, not to the rest of the team.
		if notes, err := duty.Notifications(ctx, officer, 10); err != nil || slices.ContainsFunc(notes, func(n spiker.Notification) bool { return n.Alert.Reason == spiker.AlertProtectionEnding }) {
			t.Fatalf("the team's other members: %+v %v", notes, err)
		}

		// The audit log names the changes, never their content.
		all := recordAuditTrail(t, s, c.ID)
		for _, action := range []string{"case.restitution: new", "case.protection_order: new", "case.risk: proposed sedang, chosen tinggi", "case.safety_plan: version", "case.safety_plan_denied"} {
			if !strings.Contains(all, action) {
				t.Errorf("audit log lacks %q:\n%s", action, all)
			}
		}
		secrets := []string{"kanari", "Rumah bibi", "payung biru", "pelaku bebas"}
		for _, needle := range secrets {
			if strings.Contains(strings.ToLower(all), strings.ToLower(needle)) {
				t.Errorf("%q in the audit log", needle)
			}
		}
		noPlaintextAtRest(t, dbURL, "Catatan restitusi kanari", "Catatan perlindungan kanari", "Alasan kanari", "Kata sandi kanari", "Rumah aman kanari", "payung biru", `"akses"`)
	})
}
