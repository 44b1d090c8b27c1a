package spiker

import (
	"strings"
	"testing"
	"time"
)

func TestParseHashes(t *testing.T) {
	a, b := strings.Repeat("ab", 32), strings.Repeat("0F", 32)
	got, ok := ParseHashes(a + ",\n" + b + " ")
	if !ok || len(got) != 2 || got[1] != strings.ToLower(b) {
		t.Fatalf("two hashes: %v %v", got, ok)
	}
	for _, bad := range []string{"abc", a + "0", strings.Repeat("zz", 32), a + " xyz"} {
		if _, ok := ParseHashes(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if got, ok := ParseHashes("  "); !ok || len(got) != 0 {
		t.Errorf("empty: %v %v", got, ok)
	}
}

// TestTakedownRequestDeadline: 2 × 24 h from sending, amber 12 hours
// before (the last quarter), done once answered or once the item is over.
func TestTakedownRequestDeadline(t *testing.T) {
	sent := time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC) // 23:30 WIB on New Year's Eve
	q := TakedownRequest{SentAt: sent, Status: RequestSent}
	d := q.Deadline()
	if !d.Due.Equal(sent.Add(48*time.Hour)) || !d.Amber().Equal(sent.Add(36*time.Hour)) {
		t.Fatalf("due %v amber %v", d.Due, d.Amber())
	}
	for at, want := range map[time.Duration]string{35 * time.Hour: LimitOK, 36 * time.Hour: LimitAmber, 48 * time.Hour: LimitRed} {
		if got := d.State(sent.Add(at)); got != want {
			t.Errorf("after %v: %s, want %s", at, got, want)
		}
	}
	for _, st := range []string{RequestRemoved, RequestRefused, RequestNoAnswer} {
		q.Status = st
		if q.Deadline().State(sent.Add(49*time.Hour)) != LimitDone {
			t.Errorf("%s does not stop the clock", st)
		}
	}
	q.Status, q.ItemDone = RequestProcessing, true
	if q.Deadline().State(sent.Add(49*time.Hour)) != LimitDone {
		t.Error("a removed item does not stop the clock")
	}
}

func TestTakedownValidate(t *testing.T) {
	ok := Takedown{Platform: "facebook", URL: "https://facebook.com/x", Status: TakedownOpen}
	if err := ok.Validate("2026-12-04"); err != nil {
		t.Fatal(err)
	}
	update := Takedown{ID: "x", Platform: "facebook", Status: TakedownRemoved, OutcomeOn: "2026-12-04"}
	if err := update.Validate("2026-12-04"); err != nil {
		t.Fatalf("an update keeping the URL: %v", err)
	}
	update.OutcomeOn = "2026-12-05"
	if ErrorFields(update.Validate("2026-12-04"))["td_outcome_on"] != "takedown.err.future" {
		t.Fatal("an outcome tomorrow")
	}
	for _, u := range []string{"", "javascript:alert(1)", "https://", "contoh.com/x", "https://x.example/" + strings.Repeat("a", MaxURL)} {
		bad := ok
		bad.URL = u
		if ErrorFields(bad.Validate("2026-12-04"))["td_url"] != "takedown.err.url" {
			t.Errorf("URL %.40q accepted", u)
		}
	}
}
