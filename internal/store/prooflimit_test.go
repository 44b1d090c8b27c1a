package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// A proof of work takes a client past its own limit once: spent a second
// time it is refused, an expired one is refused, and it still spends the
// shared budget, which it cannot pass. The wait a refusal names is in
// Retry-After's seconds.
func TestAllowProof(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		limits, _, err := store.ParseLimits("report=1/1h:3/1h")
		if err != nil {
			t.Fatal(err)
		}
		s.Limits = limits
		now := s.DB.Now()
		if err := s.Allow(ctx, spiker.ActionReport, "a"); err != nil {
			t.Fatal(err)
		}
		err = s.Allow(ctx, spiker.ActionReport, "a")
		if wait := spiker.RetryAfter(err); wait < 59*time.Minute || wait > time.Hour {
			t.Fatalf("client a past its limit: %v, wait %v", err, wait)
		}
		p := spiker.Proof{ID: "challenge-1", Expires: now.Add(10 * time.Minute)}
		if err := s.AllowProof(ctx, p, spiker.ActionReport); err != nil {
			t.Fatalf("first proof: %v", err)
		}
		if err := s.AllowProof(ctx, p, spiker.ActionReport); spiker.ErrorCode(err) != spiker.ETOOMANY {
			t.Fatalf("proof spent twice: %v", err)
		}
		if err := s.AllowProof(ctx, spiker.Proof{ID: "old", Expires: now.Add(-time.Second)}, spiker.ActionReport); spiker.ErrorCode(err) != spiker.ETOOMANY {
			t.Fatalf("expired proof: %v", err)
		}
		// Shared budget: 3, two spent. One more proof passes, the next is
		// refused by the shared budget and is not spent.
		if err := s.AllowProof(ctx, spiker.Proof{ID: "challenge-2", Expires: now.Add(time.Minute)}, spiker.ActionReport); err != nil {
			t.Fatalf("second proof: %v", err)
		}
		p3 := spiker.Proof{ID: "challenge-3", Expires: now.Add(time.Hour)}
		if err := s.AllowProof(ctx, p3, spiker.ActionReport); spiker.ErrorCode(err) != spiker.ETOOMANY || spiker.RetryAfter(err) == 0 {
			t.Fatalf("proof past the shared budget: %v", err)
		}
		s.DB.Now = func() time.Time { return now.Add(21 * time.Minute) }
		if err := s.AllowProof(ctx, p3, spiker.ActionReport); err != nil {
			t.Fatalf("a proof refused by the shared budget was spent: %v", err)
		}
	})
}
