package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestExtendLease: the holder renews its claim from the program's clock,
// which keeps other nodes off; once its lease ran out and another node
// took the job, or the job is finished, the renewal says it is not held.
func TestExtendLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		if err := s.Enqueue(ctx, "backup.daily", "backup.daily:2026-11-27", clk.Now(), nil); err != nil {
			t.Fatal(err)
		}
		jobs, err := s.ClaimJobs(ctx, "a", 10, time.Minute)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claim: %v %v", jobs, err)
		}
		id := jobs[0].ID
		extend := func(node string) bool {
			t.Helper()
			held, err := s.ExtendLease(ctx, node, id, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return held
		}
		// Renewed every 20 s for ten minutes: nobody else takes it.
		for range 30 {
			clk.Add(20 * time.Second)
			if !extend("a") {
				t.Fatal("the holder's renewal failed")
			}
			if got, _ := s.ClaimJobs(ctx, "b", 10, time.Minute); len(got) != 0 {
				t.Fatal("b took a renewed job")
			}
		}
		if extend("b") {
			t.Fatal("a node that does not hold the job renewed it")
		}
		// Expired but not taken: still a's to renew.
		clk.Add(2 * time.Minute)
		if !extend("a") {
			t.Fatal("an expired lease nobody took could not be renewed")
		}
		clk.Add(2 * time.Minute)
		if got, _ := s.ClaimJobs(ctx, "b", 10, time.Minute); len(got) != 1 {
			t.Fatal("b did not take the job after a's lease")
		}
		if extend("a") {
			t.Fatal("a renewed a claim b had taken")
		}
		if err := s.CompleteJob(ctx, "b", id); err != nil {
			t.Fatal(err)
		}
		if extend("b") {
			t.Fatal("a finished job was renewed")
		}
	})
}
