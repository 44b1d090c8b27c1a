package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
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
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		pre := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
		if tx.Dialect() == store.Postgres {
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
		err = s.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_log SET actor = 'someone' WHERE seq = 2`)
			return err
		})
		if err == nil {
			t.Fatal("the audit log accepted an UPDATE")
		}
		err = s.DB.Update(ctx, func(tx *store.Tx) error {
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
