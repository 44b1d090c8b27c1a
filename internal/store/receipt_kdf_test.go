package store_test

import (
	"context"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/argon2id"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	"github.com/spikerperak/spiker/internal/vault"
)

// TestReceiptsBeforeMigration0043StillOpen makes a receipt with the
// parameters of before (RFC 9106: t=3, 64 MiB, p=4), takes the database
// back to the schema it had then (no receipt_kdf) and lets migration 0043
// run on it. With the new parameters in force, the old receipt still opens
// its report, starts a follow-up session, replies and reads the answer; a
// new receipt records the new parameters and opens too; a wrong receipt
// opens nothing. Without the fallback to the recorded older parameters the
// old receipt would be "unknown".
func TestReceiptsBeforeMigration0043StillOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("real Argon2id parameters (64 MiB)")
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		follow := store.FollowupService{Store: s, Reports: reports}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)

		s.ReceiptArgon = vault.ReceiptArgon2Before
		old := sampleReport()
		oldReceipt, err := reports.CreateReport(ctx, old, "")
		if err != nil {
			t.Fatal(err)
		}
		// The schema as it was before 0043, with the report made then; then
		// migration 0043 itself, as the runner applies it (later migrations
		// stay applied: they do not touch the column).
		ms, err := sqldb.Migrations(s.DB.Dialect())
		if err != nil || len(ms) < 43 || ms[42].Version != 43 {
			t.Fatalf("migrations: %v", err)
		}
		err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			for _, q := range []string{`DROP INDEX reports_receipt_kdf`, `ALTER TABLE reports DROP COLUMN receipt_kdf`, ms[42].SQL} {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("migration 0043 on the schema before it: %v", err)
		}
		if got := receiptKDF(t, s.DB, old.ID); got != "argon2id;m=65536;t=3;p=4" {
			t.Fatalf("migration 0043 recorded %q for the receipt made before it", got)
		}

		s.ReceiptArgon = vault.ReceiptArgon2
		n := derivations()
		r, err := reports.FindReportByReceipt(ctx, oldReceipt, "c1")
		if err != nil || r.ID != old.ID || r.Content.Narrative != old.Content.Narrative {
			t.Fatalf("the old receipt after the change: %v, %+v", err, r)
		}
		if d := derivations() - n; d != 2 {
			t.Errorf("the old receipt took %d derivations, want 2 (the current parameters, then its own)", d)
		}
		token, err := follow.StartFollowup(ctx, oldReceipt, "c2")
		if err != nil {
			t.Fatal(err)
		}
		if err := follow.AddMessage(ctx, token, spiker.MessageReply, "Saya masih menunggu kabar."); err != nil {
			t.Fatal(err)
		}
		if err := reports.Reply(ctx, officer, old.ID, "Kami akan menghubungi Ibu besok."); err != nil {
			t.Fatal(err)
		}
		f, err := follow.Followup(ctx, token)
		if err != nil || len(f.Messages) != 2 || f.Messages[0].From != spiker.FromReporter || f.Messages[1].Body != "Kami akan menghubungi Ibu besok." {
			t.Fatalf("the follow-up through the old receipt: %v, %+v", err, f)
		}

		// A new receipt records the new parameters, and opens.
		fresh := sampleReport()
		freshReceipt, err := reports.CreateReport(ctx, fresh, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := receiptKDF(t, s.DB, fresh.ID); got != "argon2id;m=19456;t=2;p=1" {
			t.Fatalf("a new receipt recorded %q", got)
		}
		n = derivations()
		if r, err := reports.FindReportByReceipt(ctx, freshReceipt, "c3"); err != nil || r.ID != fresh.ID {
			t.Fatalf("the new receipt: %v", err)
		}
		if d := derivations() - n; d != 1 {
			t.Errorf("the new receipt took %d derivations, want 1", d)
		}

		// A wrong receipt opens nothing, whichever parameters it is tried
		// with, and costs one derivation per set in use, no more.
		n = derivations()
		_, err = reports.FindReportByReceipt(ctx, "0000 0000 0000 0000", "c4")
		wantCode(t, err, spiker.ENOTFOUND, "wrong receipt")
		if d := derivations() - n; d != 2 {
			t.Errorf("a wrong receipt took %d derivations, want 2 (one per parameter set in use)", d)
		}
		_, err = follow.StartFollowup(ctx, "0000 0000 0000 0001", "c5")
		wantCode(t, err, spiker.EUNAUTHORIZED, "wrong receipt, follow-up")
	})
}

// derivations counts the process's Argon2id derivations. The test is not
// parallel, so no other test derives while it counts.
func derivations() uint64 { return argon2id.ReadStats().Derivations }

func receiptKDF(t *testing.T, db *sqldb.DB, reportID string) string {
	t.Helper()
	var kdf string
	if err := db.Get(context.Background(), `SELECT receipt_kdf FROM reports WHERE id = $1`, []any{reportID}, &kdf); err != nil {
		t.Fatal(err)
	}
	return kdf
}
