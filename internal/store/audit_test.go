package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// auditedStore returns a store with a few audited actions.
func auditedStore(t *testing.T, dbURL string) (*store.Store, store.AuditService) {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t, dbURL)
	officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
	reports := store.ReportService{Store: s}
	for range 3 {
		r := sampleReport()
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := reports.FindReport(ctx, officer, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	return s, store.AuditService{Store: s}
}

// tamper runs SQL as an attacker with database access would: with the
// append-only triggers switched off.
func tamper(t *testing.T, s *store.Store, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		pre := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
		if tx.Dialect() == sqldb.Postgres {
			pre = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`}
		}
		for _, q := range append(pre, stmts...) {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, audit := auditedStore(t, dbURL)
		n, err := audit.VerifyAudit(ctx)
		if err != nil || n < 8 {
			t.Fatalf("honest log: %d entries, %v", n, err)
		}
		entries, err := audit.ListAudit(ctx, 1, 100)
		if err != nil || int64(len(entries)) != n {
			t.Fatalf("ListAudit: %d, %v", len(entries), err)
		}
		var reads int
		for _, e := range entries {
			if e.Action == "report.read" && e.Actor == "konselor.satu" && e.Roles == "konselor_piket" {
				reads++
			}
			if strings.Contains(e.Reason+e.RecordID+e.Actor, "Siti") {
				t.Fatalf("protected content in the audit log: %+v", e)
			}
		}
		if reads != 3 {
			t.Fatalf("%d report reads audited, want 3", reads)
		}
		// The store offers no way to change it, and the database refuses.
		err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_log SET actor = 'someone' WHERE seq = 2`)
			return err
		})
		if err == nil {
			t.Fatal("the audit log accepted an UPDATE")
		}
		err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE seq = 2`)
			return err
		})
		if err == nil {
			t.Fatal("the audit log accepted a DELETE")
		}
	})
}

func TestAuditTamperDetected(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
		want  string
	}{
		{"altered", []string{`UPDATE audit_log SET actor = 'someone.else' WHERE seq = 4`}, "audit entry 4 has been altered"},
		{"deleted", []string{`DELETE FROM audit_log WHERE seq = 3`}, "audit entry 3 is missing"},
		{"deleted tail", []string{`DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`}, "have been deleted"},
		{"rechained", []string{`DELETE FROM audit_log WHERE seq = 5`, `UPDATE audit_log SET seq = seq - 1 WHERE seq > 5`}, "audit entry 5 does not follow entry 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, dbURL string) {
				t.Parallel()
				s, audit := auditedStore(t, dbURL)
				tamper(t, s, tc.stmts...)
				_, err := audit.VerifyAudit(context.Background())
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("verify after %s: %v, want %q", tc.name, err, tc.want)
				}
			})
		})
	}
}

// A cut-back tail with the head rewound to the new last entry (the hash an
// attacker can read from the log) is caught: the head is authenticated.
func TestAuditRewoundHeadDetected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, audit := auditedStore(t, dbURL)
		n, err := audit.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tamper(t, s, fmt.Sprintf(`DELETE FROM audit_log WHERE seq > %d`, n-2),
			fmt.Sprintf(`UPDATE audit_head SET seq = %[1]d, hash = (SELECT hash FROM audit_log WHERE seq = %[1]d)`, n-2))
		if _, err := audit.VerifyAudit(ctx); err == nil || !strings.Contains(err.Error(), "the audit head is not authenticated") {
			t.Fatalf("verify after a cut-back tail and a rewound head: %v", err)
		}
	})
}

// An anchor round-trips, and a log cut back or rewritten behind it is named
// even when the head was re-authenticated by someone holding the secret file.
func TestAuditAnchor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, audit := auditedStore(t, dbURL)
		a, err := audit.AnchorAudit(ctx)
		if err != nil || a.Seq < 8 {
			t.Fatalf("anchor: %+v, %v", a, err)
		}
		parsed, err := spiker.ParseAuditAnchor("Anchor of today: " + a.String() + "\n")
		if err != nil || parsed.String() != a.String() {
			t.Fatalf("parse %q: %+v, %v", a.String(), parsed, err)
		}
		if _, err := audit.VerifyAuditAnchor(ctx, parsed); err != nil {
			t.Fatalf("verify against a fresh anchor: %v", err)
		}
		forged := parsed
		forged.Seq--
		if _, err := audit.VerifyAuditAnchor(ctx, forged); err == nil || !strings.Contains(err.Error(), "signature") {
			t.Fatalf("a forged anchor: %v", err)
		}
		// Later entries do not disturb an earlier anchor.
		if _, err := (store.ReportService{Store: s}).CreateReport(ctx, sampleReport(), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.VerifyAuditAnchor(ctx, a); err != nil {
			t.Fatalf("verify against an older anchor: %v", err)
		}
		// Someone holding the secret file cuts the log back behind the
		// anchor and signs the head again: plain verify passes, the anchor
		// does not.
		keep := a.Seq - 3
		tamper(t, s, fmt.Sprintf(`DELETE FROM audit_log WHERE seq > %d`, keep))
		resign(t, s, keep)
		if _, err := audit.VerifyAudit(ctx); err != nil {
			t.Fatalf("re-signed head: %v", err)
		}
		_, err = audit.VerifyAuditAnchor(ctx, a)
		if want := fmt.Sprintf("the log has been cut back: anchored entry %d", a.Seq); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("verify against the anchor after a cut: %v, want %q", err, want)
		}
	})
}

// An anchored entry that was rewritten (by someone holding the secret
// file, re-chaining from there) is named.
func TestAuditAnchorRewritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, audit := auditedStore(t, dbURL)
		a, err := audit.AnchorAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		store.RewriteAuditTailForTest(t, s, a.Seq, "someone.else")
		if _, err := audit.VerifyAudit(ctx); err != nil {
			t.Fatalf("the rewritten log verifies on its own: %v", err)
		}
		_, err = audit.VerifyAuditAnchor(ctx, a)
		if want := fmt.Sprintf("audit entry %d differs from the anchor", a.Seq); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("verify against the anchor after a rewrite: %v, want %q", err, want)
		}
	})
}

func resign(t *testing.T, s *store.Store, seq int64) {
	t.Helper()
	store.ResignAuditHeadForTest(t, s, seq)
}

func TestSearchAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, audit := auditedStore(t, dbURL)
		sup := staff(t, s, "supervisor.satu", spiker.RoleSupervisor)
		officer := staff(t, s, "konselor.tiga", spiker.RoleKonselorPiket)
		if _, err := audit.FindAudit(ctx, officer, spiker.AuditFilter{}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("an intake officer searched the audit log: %v", err)
		}
		reads, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{Actor: "konselor.satu", Action: "report.read"})
		if err != nil || len(reads) != 3 {
			t.Fatalf("reads by konselor.satu: %d, %v", len(reads), err)
		}
		if reads[0].Seq < reads[1].Seq {
			t.Fatal("not newest first")
		}
		one, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{RecordKind: "report", RecordID: reads[1].RecordID})
		if err != nil || len(one) == 0 {
			t.Fatalf("by record: %v, %v", one, err)
		}
		for _, e := range one {
			if e.RecordID != reads[1].RecordID {
				t.Fatalf("another record: %+v", e)
			}
		}
		page, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{Action: "report.", Limit: 2})
		if err != nil || len(page) != 2 {
			t.Fatalf("first page: %v, %v", page, err)
		}
		next, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{Action: "report.", Limit: 2, Before: page[1].Seq})
		if err != nil || len(next) != 2 || next[0].Seq >= page[1].Seq {
			t.Fatalf("next page: %v, %v", next, err)
		}
		at := reads[0].At
		if none, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{From: at.Add(time.Hour)}); err != nil || len(none) != 0 {
			t.Fatalf("from an hour later: %v, %v", none, err)
		}
		if all, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{From: at.Add(-time.Hour), To: at.Add(time.Hour), Action: "report.read"}); err != nil || len(all) != 3 {
			t.Fatalf("within the period: %v, %v", all, err)
		}
		// Reading the log is in the log, and so is the refusal.
		logged, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{Action: "audit."})
		if err != nil || len(logged) < 6 || logged[len(logged)-1].Action != "audit.read_denied" {
			t.Fatalf("audit reads: %+v, %v", logged, err)
		}
		if _, err := audit.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestDailyAnchor: under a controlled clock, the anchor job runs once per
// day, however often the runner passes or the node restarts; the holders of
// PermAudit (not others) get the digest, which verifies.
func TestDailyAnchor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, audit := auditedStore(t, dbURL)
		// Thursday 3 December 2026, 10:00 WIB.
		clk := &fakeClock{t: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		sup := staff(t, s, "supervisor.anchor", spiker.RoleSupervisor)
		officer := staff(t, s, "konselor.anchor", spiker.RoleKonselorPiket)
		dpo := staff(t, s, "pelindung.data", spiker.RolePelindungData)
		admin := staff(t, s, "admin.anchor", spiker.RoleAdmin)
		runner := func() *jobs.Runner {
			r := &jobs.Runner{Queue: s, Node: fmt.Sprintf("node-%d", time.Now().UnixNano())}
			r.Handle(store.JobAuditAnchor, audit.DailyAnchor)
			r.Handle(store.JobDeliver, func(context.Context, spiker.Job) error { return nil })
			return r
		}
		anchors := func(a *spiker.Actor) []string { return storetest.Anchors(t, s, a) }
		pass := func() {
			t.Helper()
			if err := audit.ScheduleAnchors(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := runner().RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// Started at 10:00, the first anchor waits for 01:00.
		pass()
		if n := len(anchors(sup)); n != 0 {
			t.Fatalf("at start: %d anchors", n)
		}
		clk.Set(time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)) // 00:30 WIB on the 4th
		pass()
		if n := len(anchors(sup)); n != 0 {
			t.Fatalf("before 01:00: %d anchors", n)
		}
		clk.Set(time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)) // 01:00 WIB on the 4th
		pass()
		pass()
		got := anchors(sup)
		if len(got) != 1 {
			t.Fatalf("first day: %d anchors, want 1", len(got))
		}
		a, err := spiker.ParseAuditAnchor(got[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.VerifyAuditAnchor(ctx, a); err != nil {
			t.Fatalf("the sent anchor does not verify: %v", err)
		}
		if n := anchors(officer); len(n) != 0 {
			t.Fatalf("an intake officer got the anchor: %v", n)
		}
		if n := anchors(admin); len(n) != 0 {
			t.Fatalf("the administrator got the anchor: %v", n)
		}
		if d := anchors(dpo); len(d) != 1 || d[0] != got[0] {
			t.Fatalf("the data protection officer's anchors: %v, want %v", d, got)
		}
		clk.Set(time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)) // 22:00 WIB on the 4th
		pass()
		if n := len(anchors(sup)); n != 1 {
			t.Fatalf("later on the same day: %d anchors", n)
		}
		clk.Set(time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)) // 01:00 WIB on the 5th
		pass()
		pass()
		if n := len(anchors(sup)); n != 2 {
			t.Fatalf("the next day: %d anchors, want 2", n)
		}
	})
}

// TestAuditConcurrentAppends: audited actions at once (on PostgreSQL they
// wait on the head's row lock) leave one unbroken chain and a signed head.
func TestAuditConcurrentAppends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, audit := auditedStore(t, dbURL)
		reports := store.ReportService{Store: s}
		errs := make(chan error, 16)
		for range 16 {
			go func() {
				_, err := reports.CreateReport(ctx, sampleReport(), "")
				errs <- err
			}()
		}
		for range 16 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if n, err := audit.VerifyAudit(ctx); err != nil || n < 16 {
			t.Fatalf("after concurrent appends: %d, %v", n, err)
		}
	})
}

// TestAuditSearchUsesIndexes: the record access log and the search by user
// read an index, not the whole log (which grows by every read of every
// file), on both databases.
func TestAuditSearchUsesIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		s, _ := auditedStore(t, dbURL)
		for index, where := range map[string]string{
			"audit_log_record": `record_kind = 'report' AND record_id = 'r1'`,
			"audit_log_actor":  `actor = 'konselor.satu'`,
		} {
			q := `SELECT seq FROM audit_log WHERE (scope = '' OR scope = '35.24' OR scope LIKE '35.24' || '.%') AND ` +
				where + ` ORDER BY seq DESC LIMIT 20`
			var plan []string
			err := s.DB.Update(context.Background(), func(tx *sqldb.Tx) error {
				explain := `EXPLAIN QUERY PLAN `
				if tx.Dialect() == sqldb.Postgres {
					// A test log is small enough for a scan to win; the
					// question is whether an index can serve the query.
					if _, err := tx.Exec(context.Background(), `SET LOCAL enable_seqscan = off`); err != nil {
						return err
					}
					explain = `EXPLAIN `
				}
				rows, err := tx.Query(context.Background(), explain+q)
				if err != nil {
					return err
				}
				defer rows.Close()
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						return err
					}
					plan = append(plan, fmt.Sprint(vals...))
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(plan, "\n"), index) {
				t.Errorf("%s: the plan does not use %s:\n%s", where, index, strings.Join(plan, "\n"))
			}
		}
	})
}
