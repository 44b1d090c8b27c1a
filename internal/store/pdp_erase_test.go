package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// Erasure granted to a data subject crypto-shreds the linked case as the
// retention purge does; a legal hold refuses it and leaves the request
// open (its clock running) and the case readable; the statistics stay.
func TestPDPErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		c, sup, manager, _ := pdpCase(t, s)
		cases, duty, ret := store.CaseService{Store: s}, store.DutyService{Store: s}, store.RetentionService{Store: s}
		q, err := duty.OpenPDPRequest(ctx, sup, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPErase, ReceivedAt: s.DB.Now(),
			CaseNumber: c.Number, Content: spiker.PDPContent{Name: "Purbasari", Contact: "0812", Request: "Hapus semua data saya"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := duty.VerifyPDPRequest(ctx, sup, q.ID, &spiker.PDPVerification{Method: "ktp_tatap_muka"}); err != nil {
			t.Fatal(err)
		}
		counts := func() string {
			var out string
			if err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
				rows, err := tx.Query(ctx, `SELECT month, region_code, dimension, value, n FROM stats_counts ORDER BY month, region_code, dimension, value`)
				lines, err := sqldb.Collect(rows, err, func(r *sql.Rows) (string, error) {
					var m, reg, d, v string
					var n int
					err := r.Scan(&m, &reg, &d, &v, &n)
					return fmt.Sprint(m, reg, d, v, n), err
				})
				out = fmt.Sprint(lines)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		before := counts()
		decision := &spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Tidak ada kewajiban menyimpan", LegalBasis: "UU 27/2022 Pasal 8"}

		// Under a legal hold: refused, nothing decided, the case intact.
		if err := ret.PutLegalHold(ctx, sup, c.ID, "Perkara 7/Pid.Sus/2026/PN Lmg"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, duty.DecidePDPRequest(ctx, sup, q.ID, decision), spiker.ECONFLICT, "erasure under a legal hold")
		if list := mustPDP(t, duty, sup); !slices.ContainsFunc(list, func(p spiker.PDPRequest) bool { return p.ID == q.ID && !p.Done }) {
			t.Fatal("the refused erasure closed the request")
		}
		if got := mustCase(t, cases, manager, c.ID); got.Content.Summary != c.Content.Summary {
			t.Fatal("the held case changed")
		}

		// The hold lifted: erasure shreds the case and its report.
		if err := ret.LiftLegalHold(ctx, sup, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := duty.DecidePDPRequest(ctx, sup, q.ID, decision); err != nil {
			t.Fatal(err)
		}
		_, err = cases.FindCase(ctx, sup, c.ID)
		wantCode(t, err, spiker.EGONE, "the erased case")
		_, err = store.ReportService{Store: s}.FindReport(ctx, sup, c.ReportIDs[0])
		wantCode(t, err, spiker.EGONE, "the erased case's report")
		var purged, grants int
		if err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'purged' AND reason = 'erasure' AND record_id = $1`, []any{c.ID}, &purged); err != nil {
				return err
			}
			return tx.Get(ctx, `SELECT COUNT(*) FROM key_grants WHERE record_id = $1 OR record_id = $2`, []any{c.ID, c.ReportIDs[0]}, &grants)
		}); err != nil {
			t.Fatal(err)
		}
		if purged != 1 || grants != 0 {
			t.Fatalf("after erasure: %d purged entries, %d key grants", purged, grants)
		}
		if after := counts(); after != before {
			t.Fatalf("the statistics changed:\n%s\nwant\n%s", after, before)
		}
	})
}
