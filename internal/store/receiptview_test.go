package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// The web form's receipt is held for the submitting browser for the
// window: shown with the handle, moved to a new handle by a retry, ended
// by quick exit or the window, never given back to a resubmission after
// that; the prune deletes form tokens after a day, while an API
// Idempotency-Key answers its retries until then.
func TestReceiptWindowAndTokenPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		reports := store.ReportService{Store: s}
		submissions := func() (n int) {
			s.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT COUNT(*) FROM submissions`, nil, &n) })
			return n
		}
		held := func(handle string) string {
			t.Helper()
			r, _, err := reports.HeldReceipt(ctx, handle)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if err := s.SchedulePrune(ctx); err != nil { // as the job runner does when it starts
			t.Fatal(err)
		}
		token := "form:" + spiker.NewFormToken(clk.Now())
		receipt, err := reports.CreateReport(ctx, sampleReport(), token)
		if err != nil {
			t.Fatal(err)
		}
		first, err := reports.HoldReceipt(ctx, token, receipt)
		if err != nil || first == "" {
			t.Fatalf("hold: %q %v", first, err)
		}
		if r, until, _ := reports.HeldReceipt(ctx, first); r != receipt || !until.Equal(clk.Now().Add(spiker.ReceiptWindow)) {
			t.Fatalf("held receipt %q until %v", r, until)
		}
		// A retry within the window (its first answer lost) moves the
		// receipt to a new handle; the old one shows nothing.
		clk.Add(5 * time.Minute)
		again, err := reports.CreateReport(ctx, sampleReport(), token)
		if err != nil || again != receipt {
			t.Fatalf("retry: %q %v", again, err)
		}
		second, _ := reports.HoldReceipt(ctx, token, again)
		if second == "" || held(second) != receipt || held(first) != "" {
			t.Fatalf("after a retry: new %q shows %q, old shows %q", second, held(second), held(first))
		}
		// Quick exit ends it: neither the handle nor a resubmission gets
		// the receipt again.
		if err := reports.EndReceipt(ctx, second); err != nil {
			t.Fatal(err)
		}
		if h, _ := reports.HoldReceipt(ctx, token, receipt); held(second) != "" || h != "" {
			t.Fatalf("after quick exit: %q, resubmission's handle %q", held(second), h)
		}
		// Another form: its window passes.
		token2 := "form:" + spiker.NewFormToken(clk.Now())
		receipt2, _ := reports.CreateReport(ctx, sampleReport(), token2)
		h2, _ := reports.HoldReceipt(ctx, token2, receipt2)
		clk.Add(spiker.ReceiptWindow)
		if r := held(h2); r != "" {
			t.Fatalf("receipt shown after the window: %q", r)
		}
		if h, _ := reports.HoldReceipt(ctx, token2, receipt2); h != "" {
			t.Fatal("a resubmission after the window got a handle")
		}
		// An API key made now answers its retries with the receipt.
		apiKey := "api:idempotency-key-0123456789"
		apiReceipt, _ := reports.CreateReport(ctx, sampleReport(), apiKey)

		// The prune job: nothing deleted before a day; after it, the form
		// tokens are gone (and a forged handle shows nothing), the API key
		// still answers until its own day is over.
		runner := func() *jobs.Runner {
			r := &jobs.Runner{Queue: s, Node: fmt.Sprintf("node-%d", time.Now().UnixNano())}
			r.Handle(store.JobPrune, s.PruneJob)
			return r
		}
		pass := func() {
			t.Helper()
			if _, err := runner().RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		clk.Add(time.Hour)
		pass()
		if n := submissions(); n != 3 {
			t.Fatalf("%d submissions after an hour, want 3", n)
		}
		var views int
		s.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT COUNT(*) FROM submissions WHERE view_sealed IS NOT NULL OR NOT receipt_ended`, nil, &views)
		})
		if views != 0 {
			t.Fatalf("%d receipts still held after their window", views)
		}
		clk.Add(store.SubmissionKept - 70*time.Minute) // 03:10 the next day
		pass()
		if n := submissions(); n != 1 {
			t.Fatalf("%d submissions a day later, want the API key's alone", n)
		}
		if r, _ := reports.CreateReport(ctx, sampleReport(), apiKey); r != apiReceipt {
			t.Fatal("the API key no longer answers its retry within its day")
		}
		clk.Add(2 * time.Hour)
		pass()
		if n := submissions(); n != 0 {
			t.Fatalf("%d submissions left after the purge", n)
		}
		if h, _ := reports.HoldReceipt(ctx, token, receipt); h != "" || held(first) != "" || held(second) != "" {
			t.Fatal("a purged form token still gives a receipt")
		}
	})
}
