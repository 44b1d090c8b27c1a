package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

func TestFollowup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		follow := store.FollowupService{Store: s, Reports: reports}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		r := sampleReport()
		r.Files = []spiker.Upload{{Name: "foto-luka.jpg", Kind: "image/jpeg", Data: bytes.Repeat([]byte{0xAB}, 70000)}}
		receipt, err := reports.CreateReport(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = follow.StartFollowup(ctx, "0000 0000 0000 0000", "c1")
		wantCode(t, err, spiker.EUNAUTHORIZED, "wrong receipt")
		token, err := follow.StartFollowup(ctx, receipt, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if err := follow.AddMessage(ctx, token, spiker.MessageReply, "Terima kasih, saya aman sekarang."); err != nil {
			t.Fatal(err)
		}
		if err := follow.AddMessage(ctx, token, spiker.MessageMeeting, "Tempat: Puskesmas\nWaktu: Senin pagi"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, follow.AddMessage(ctx, token, spiker.MessageReply, "   "), spiker.EINVALID, "empty message")
		if err := follow.AddFiles(ctx, token, []spiker.Upload{{Name: "rekaman.ogg", Kind: "audio/ogg", Data: []byte("OggS...")}}); err != nil {
			t.Fatal(err)
		}
		f, err := follow.Followup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if f.Status != spiker.ReportNew || len(f.Messages) != 2 || f.Messages[0].From != spiker.FromReporter ||
			f.Messages[1].Kind != spiker.MessageMeeting || len(f.Files) != 2 || f.Files[0].Name != "foto-luka.jpg" || f.Files[0].Size != 70000 {
			t.Fatalf("follow-up view: %+v", f)
		}
		// A holder on staff reads the same file back, byte for byte.
		var buf bytes.Buffer
		a, err := reports.ReadFile(ctx, officer, r.ID, f.Files[0].ID, &buf)
		if err != nil || a.Name != "foto-luka.jpg" || !bytes.Equal(buf.Bytes(), r.Files[0].Data) {
			t.Fatalf("ReadFile: %v, %d bytes", err, buf.Len())
		}
		if _, err := reports.ReadFile(ctx, spiker.Public, r.ID, f.Files[0].ID, &buf); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("public ReadFile: %v", err)
		}
		// A tampered token, and an ended session, are refused.
		_, err = follow.Followup(ctx, token[:len(token)-2]+"AA")
		wantCode(t, err, spiker.EUNAUTHORIZED, "tampered token")
		if err := follow.EndFollowup(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, err = follow.Followup(ctx, token)
		wantCode(t, err, spiker.EUNAUTHORIZED, "ended session")
		// An idle session expires.
		token2, _ := follow.StartFollowup(ctx, receipt, "c2")
		s.DB.Now = func() time.Time { return time.Now().UTC().Add(store.FollowupIdle + time.Minute) }
		defer func() { s.DB.Now = func() time.Time { return time.Now().UTC() } }()
		_, err = follow.Followup(ctx, token2)
		wantCode(t, err, spiker.EUNAUTHORIZED, "idle session")
	})
}

func TestRateLimits(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t, storetest.SQLiteURL(t))
	limits, off, err := store.ParseLimits("report=2/1h:100/1h")
	if err != nil || off {
		t.Fatal(err)
	}
	s.Limits = limits
	for i := range 2 {
		if err := s.Allow(ctx, spiker.ActionReport, "a"); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	err = s.Allow(ctx, spiker.ActionReport, "a")
	if spiker.ErrorCode(err) != spiker.ETOOMANY || spiker.ErrorFields(err)["wait_minutes"] == "" {
		t.Fatalf("third attempt: %v", err)
	}
	if err := s.Allow(ctx, spiker.ActionReport, "b"); err != nil {
		t.Fatalf("another client: %v", err)
	}
	s.LimitsOff = true
	if err := s.Allow(ctx, spiker.ActionReport, "a"); err != nil {
		t.Fatalf("limits off: %v", err)
	}
	for _, bad := range []string{"report=2", "flood=1/1h:1/1h", "report=x/1h:1/1h", "report=1/1h:1/forever"} {
		if _, _, err := store.ParseLimits(bad); err == nil {
			t.Errorf("ParseLimits(%q) accepted", bad)
		}
	}
	if _, off, _ := store.ParseLimits("off"); !off {
		t.Error("off not recognised")
	}
}

// A request refused for its client never spends the shared budget
// (DESIGN.md §4.2): one client hammering past its own limit cannot use up
// everyone's allowance. A request refused by the shared budget spends the
// client's token neither.
func TestRateLimitRefusalSpendsNoSharedBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		limits, _, err := store.ParseLimits("report=1/1h:2/1h")
		if err != nil {
			t.Fatal(err)
		}
		s.Limits = limits
		if err := s.Allow(ctx, spiker.ActionReport, "a"); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if err := s.Allow(ctx, spiker.ActionReport, "a"); spiker.ErrorCode(err) != spiker.ETOOMANY {
				t.Fatalf("client a past its limit: %v", err)
			}
		}
		// The shared bucket still holds the second token for client b.
		if err := s.Allow(ctx, spiker.ActionReport, "b"); err != nil {
			t.Fatalf("client b after a was refused: %v", err)
		}
		// Now the shared budget is empty: c is refused, and its own
		// token is kept for later.
		if err := s.Allow(ctx, spiker.ActionReport, "c"); spiker.ErrorCode(err) != spiker.ETOOMANY {
			t.Fatalf("client c with the shared budget spent: %v", err)
		}
		// Half an hour on, the shared bucket has refilled one token and a
		// client bucket half of one: c passes only if it kept its token.
		s.DB.Now = func() time.Time { return time.Now().UTC().Add(31 * time.Minute) }
		if err := s.Allow(ctx, spiker.ActionReport, "c"); err != nil {
			t.Fatalf("client c's token was spent by the shared refusal: %v", err)
		}
	})
}
