package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// The admin sets the retention policy within its bounds; an invalid one
// writes nothing, and no other role may set it.
func TestRetentionSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		ret := store.RetentionService{Store: s}
		admin := staff(t, s, "admin.satu", spiker.RoleAdmin)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		if p, err := ret.RetentionPolicy(ctx); err != nil || p != spiker.DefaultRetention {
			t.Fatalf("the policy before any setting: %+v %v", p, err)
		}
		want := spiker.RetentionPolicy{NotCaseDays: 120, CaseYears: 10, FilesDays: 60, FollowupDays: 30}
		if err := ret.SetRetentionPolicy(ctx, admin, want); err != nil {
			t.Fatal(err)
		}
		err := ret.SetRetentionPolicy(ctx, admin, spiker.RetentionPolicy{NotCaseDays: 7, CaseYears: 50})
		wantCode(t, err, spiker.EINVALID, "an out-of-range policy")
		if f := spiker.ErrorFields(err); f["not_case_days"] == "" || f["case_years"] == "" {
			t.Fatalf("fields: %v", f)
		}
		wantCode(t, ret.SetRetentionPolicy(ctx, sup, spiker.DefaultRetention), spiker.EFORBIDDEN, "a supervisor setting the policy")
		if p, err := ret.RetentionPolicy(ctx); err != nil || p != want {
			t.Fatalf("the policy: %+v %v, want %+v", p, err, want)
		}
	})
}

// A supervisor puts a legal hold with a sealed reason and lifts it; while
// it stands, shredding the case or its report is refused. The audit log
// keeps the put and the lift, never the reason.
func TestLegalHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		ret, cases := store.RetentionService{Store: s}, store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		c := openSampleCase(t, s, officer)
		const reason = "Perkara Sulastri di PN Lamongan"
		wantCode(t, ret.PutLegalHold(ctx, officer, c.ID, reason), spiker.EFORBIDDEN, "a hold by a duty officer")
		wantCode(t, ret.PutLegalHold(ctx, sup, c.ID, " "), spiker.EINVALID, "a hold without a reason")
		if err := ret.PutLegalHold(ctx, sup, c.ID, reason); err != nil {
			t.Fatal(err)
		}
		wantCode(t, ret.PutLegalHold(ctx, sup, c.ID, reason), spiker.ECONFLICT, "a second hold")
		if st, err := ret.CaseRetention(ctx, sup, c.ID); err != nil || !st.Hold || st.Reason != reason || st.HoldBy != sup.Username {
			t.Fatalf("the supervisor's view: %+v %v", st, err)
		}
		if st, err := ret.CaseRetention(ctx, officer, c.ID); err != nil || !st.Hold || st.Reason != "" {
			t.Fatalf("the officer's view: %+v %v", st, err)
		}
		// The case is open: nothing to extend.
		wantCode(t, ret.ExtendCase(ctx, sup, c.ID, spiker.RetentionExtension{Until: "2030-01-01", Reason: "x"}), spiker.ECONFLICT, "extending an open case")

		shred := func(f func(tx *sqldb.Tx) error) error { return s.DB.Update(ctx, f) }
		err := shred(func(tx *sqldb.Tx) error { return store.ShredCase(s, ctx, tx, c.ID, "erasure") })
		wantCode(t, err, spiker.ECONFLICT, "shredding a held case")
		err = shred(func(tx *sqldb.Tx) error { return store.ShredReport(s, ctx, tx, c.ReportIDs[0], "erasure") })
		wantCode(t, err, spiker.ECONFLICT, "shredding a held case's report")
		if got, err := cases.FindCase(ctx, sup, c.ID); err != nil || got.Content.VictimName == "" {
			t.Fatalf("the held case: %v", err)
		}

		if err := ret.LiftLegalHold(ctx, sup, c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, ret.LiftLegalHold(ctx, sup, c.ID), spiker.ECONFLICT, "lifting a hold that is not there")
		if err := shred(func(tx *sqldb.Tx) error {
			if on, err := store.CaseOnHold(ctx, tx, c.ID); err != nil || on {
				t.Errorf("on hold after the lift: %v %v", on, err)
			}
			return store.ShredCase(s, ctx, tx, c.ID, "erasure")
		}); err != nil {
			t.Fatal(err)
		}
		_, err = cases.FindCase(ctx, sup, c.ID)
		wantCode(t, err, spiker.EGONE, "the shredded case")
		// The case and its report say they were purged (and nobody holds a
		// key any more).
		_, err = cases.CaseView(ctx, sup, c.ID, false)
		wantCode(t, err, spiker.EGONE, "the shredded case's page")
		_, err = store.ReportService{Store: s}.FindReport(ctx, sup, c.ReportIDs[0])
		wantCode(t, err, spiker.EGONE, "the shredded case's report")
		var grants int
		if err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT COUNT(*) FROM key_grants WHERE record_id = $1 OR record_id = $2`, []any{c.ID, c.ReportIDs[0]}, &grants)
		}); err != nil || grants != 0 {
			t.Fatalf("%d key grants of the shredded case are left (%v)", grants, err)
		}
		wantCode(t, ret.PutLegalHold(ctx, sup, c.ID, reason), spiker.EGONE, "a hold on a purged case")

		entries, _ := store.AuditService{Store: s}.ListAudit(ctx, 1, 1000)
		seen := map[string]string{}
		for _, e := range entries {
			if strings.Contains(e.Reason, "Sulastri") {
				t.Errorf("the audit log has the reason: %+v", e)
			}
			if e.RecordID == c.ID {
				seen[e.Action] = e.Reason
			}
		}
		for _, a := range []string{"case.hold", "case.hold_lift", "purged"} {
			if _, ok := seen[a]; !ok {
				t.Errorf("no %s entry (%v)", a, seen)
			}
		}
		if seen["purged"] != "erasure" {
			t.Errorf("purged entry's reason %q", seen["purged"])
		}
	})
}
