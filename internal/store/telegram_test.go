package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestTelegramLinkCodes: a code links the chat it comes from once; a
// reused, replaced, expired or wrong code links nothing; a redelivered
// update is taken once; wrong codes are throttled per chat, and a refused
// attempt neither tries the code nor spends the shared budget.
func TestTelegramLinkCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		tg, clk := telegramStore(t, dbURL)
		s, duty := tg.Store, store.DutyService(tg)
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		other := staff(t, s, "konselor.dua", spiker.RoleKonselorPiket)
		update := int64(1000)
		send := func(chat int64, text string) spiker.TelegramOutcome {
			t.Helper()
			update++
			out, err := tg.TakeTelegramMessage(ctx, "123456", update, chat, text)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		linked := func(a *spiker.Actor) string {
			t.Helper()
			ch, err := duty.Channels(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			return ch["telegram"]
		}

		code, expires, err := tg.NewTelegramCode(ctx, officer)
		if _, ok := spiker.ParseLinkCode(code); err != nil || !ok || !expires.Equal(clk.Now().Add(spiker.LinkCodeTTL)) {
			t.Fatalf("a new code: %q %v %v", code, expires, err)
		}
		if out := send(555111, "halo, tolong"); out != spiker.TelegramHelp {
			t.Fatalf("a message without a code: %q", out)
		}
		// The same update again (a redelivery) is not taken twice.
		if out, err := tg.TakeTelegramMessage(ctx, "123456", update, 555111, "halo, tolong"); err != nil || out != spiker.TelegramIgnored {
			t.Fatalf("a redelivered update: %q %v", out, err)
		}
		if out := send(555111, code[:4]+"-"+code[4:]); out != spiker.TelegramLinked || linked(officer) != "555111" {
			t.Fatalf("the right code: %q, address %q", out, linked(officer))
		}
		if out := send(555222, code); out != spiker.TelegramWrongCode || linked(officer) != "555111" {
			t.Fatalf("a used code: %q, address %q", out, linked(officer))
		}

		// A replaced code and an expired one link nothing.
		first, _, _ := tg.NewTelegramCode(ctx, other)
		second, _, _ := tg.NewTelegramCode(ctx, other)
		if out := send(555333, first); out != spiker.TelegramWrongCode || linked(other) != "" {
			t.Fatalf("a replaced code: %q", out)
		}
		clk.Add(spiker.LinkCodeTTL + time.Second)
		if out := send(555333, second); out != spiker.TelegramWrongCode || linked(other) != "" {
			t.Fatalf("an expired code: %q", out)
		}

		// Guessing from one chat: after the chat's budget, even the right
		// code is refused there, untried, and the refusals spend nothing
		// of everyone's budget; another chat still links with it.
		live, _, _ := tg.NewTelegramCode(ctx, other)
		guesses := 0
		for ; send(555444, "ABCDEFGH") == spiker.TelegramWrongCode; guesses++ {
		}
		if guesses != int(store.TelegramChatBucket.Capacity) {
			t.Fatalf("%d wrong codes before the chat was throttled", guesses)
		}
		before := bucketTokens(t, s, "telegram:all")
		for range 20 {
			if out := send(555444, live); out != spiker.TelegramThrottled {
				t.Fatalf("a throttled chat: %q", out)
			}
		}
		if after := bucketTokens(t, s, "telegram:all"); after != before {
			t.Fatalf("refused attempts spent the shared budget: %v, then %v", before, after)
		}
		if out := send(555555, live); out != spiker.TelegramLinked || linked(other) != "555555" {
			t.Fatalf("the right code from another chat: %q", out)
		}
		// The chat's budget comes back with time.
		clk.Add(10 * time.Minute)
		if out := send(555444, "ABCDEFGH"); out != spiker.TelegramWrongCode {
			t.Fatalf("a chat after waiting: %q", out)
		}
	})
}

// telegramStore is a fresh store on a clock the test moves.
func telegramStore(t *testing.T, dbURL string) (store.TelegramService, *fakeClock) {
	s := storetest.New(t, dbURL)
	clk := &fakeClock{t: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)}
	s.DB.Now = clk.Now
	return store.TelegramService{Store: s}, clk
}

// bucketTokens reads what a rate-limit bucket holds.
func bucketTokens(t *testing.T, s *store.Store, name string) float64 {
	t.Helper()
	var tokens float64
	if err := s.DB.Get(context.Background(), `SELECT tokens FROM rate_limits WHERE bucket = $1`, []any{name}, &tokens); err != nil {
		t.Fatal(err)
	}
	return tokens
}

// TestTelegramPollLease: one node at a time holds the long poll; the next
// offset survives a change of holder, and a new bot starts from zero.
func TestTelegramPollLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		tg, clk := telegramStore(t, dbURL)
		claim := func(node, bot string) (int64, bool) {
			t.Helper()
			off, held, err := tg.ClaimTelegramPoll(ctx, node, bot, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return off, held
		}
		if off, held := claim("a", "123"); !held || off != 0 {
			t.Fatalf("the first claim: %d %v", off, held)
		}
		if _, held := claim("b", "123"); held {
			t.Fatal("two nodes hold the poll")
		}
		if err := tg.SaveTelegramOffset(ctx, "a", "123", 901); err != nil {
			t.Fatal(err)
		}
		tg.SaveTelegramOffset(ctx, "b", "123", 5000) // not the holder: ignored
		tg.SaveTelegramOffset(ctx, "a", "123", 700)  // never backwards
		if off, held := claim("a", "123"); !held || off != 901 {
			t.Fatalf("renewed: %d %v", off, held)
		}
		clk.Add(2 * time.Minute) // a dies without giving the poll up
		if off, held := claim("b", "123"); !held || off != 901 {
			t.Fatalf("after the lease ran out: %d %v", off, held)
		}
		if err := tg.ReleaseTelegramPoll(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if off, held := claim("c", "123"); !held || off != 901 {
			t.Fatalf("after a release: %d %v", off, held)
		}
		if off, held := claim("c", "789"); !held || off != 0 {
			t.Fatalf("another bot: %d %v", off, held)
		}
	})
}
