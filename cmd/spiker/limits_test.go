package main

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/pow"
	"github.com/spikerperak/spiker/internal/sqldb"
)

var challengeRE = regexp.MustCompile(`name="pow_challenge" value="([^"]+)"`)

// limitsClock is 14.30 WIB on 3 December 2026.
func limitsClock() time.Time { return time.Date(2026, 12, 3, 7, 30, 0, 0, time.UTC) }

// keptAnswers checks that a form page still holds every answer typed.
func keptAnswers(t *testing.T, page string, v url.Values) {
	t.Helper()
	page = html.UnescapeString(page)
	for _, want := range []string{v.Get("narrative"), `value="` + v.Get("place") + `"`, `value="` + v.Get("number") + `"`,
		`value="` + v.Get("times") + `"`, `value="` + v.Get("note") + `"`, `value="` + v.Get("date") + `"`, `value="` + v.Get("age") + `"`,
		`value="35.24.22" selected`, `value="35.24.22.1012" selected`, `name="consent" value="ya" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("the answer %.80q is gone from the form", want)
		}
	}
}

// A reporter over the limit gets the form back whole, with the time to try
// again on the regency's clock and Retry-After; a solved proof of work sends
// it at once, and only once; a forged one does not.
func TestPortalThrottledFormKept(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.RateLimits = "report=2/1h:100/1h"; c.Clock = limitsClock })
	p := newPortal(t, m)
	var answers url.Values
	var page string
	for i := range 3 {
		_, form := p.get("/")
		answers = validAnswers(tokenRE.FindStringSubmatch(form)[1])
		r, body := p.report(answers, nil)
		page = body
		if i < 2 && r.StatusCode != 200 {
			t.Fatalf("report %d: %d", i, r.StatusCode)
		}
		if i == 2 && (r.StatusCode != 429 || r.Header.Get("Retry-After") != "1800") {
			t.Fatalf("third report: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
		}
	}
	if !strings.Contains(page, "Coba kirim lagi sekitar pukul 15.00 WIB") {
		t.Errorf("no time to try again:\n%s", page)
	}
	keptAnswers(t, page, answers)
	if n := countReports(t, m); n != 2 {
		t.Fatalf("%d reports stored", n)
	}
	c := challengeRE.FindStringSubmatch(page)
	if c == nil {
		t.Fatal("no proof-of-work challenge offered")
	}
	// The same answers, with a wrong nonce: still the wait.
	forged := url.Values{}
	for k, v := range answers {
		forged[k] = v
	}
	forged.Set("pow_challenge", c[1])
	forged.Set("pow_nonce", "1")
	if pow.LeadingZeros(c[1], "1") < pow.DefaultBits {
		if r, _ := p.post("/", forged, nil); r.StatusCode != 429 {
			t.Errorf("forged proof: %d", r.StatusCode)
		}
	}
	solved := forged
	solved.Set("pow_nonce", pow.Solve(c[1]))
	r, receipt := p.report(solved, nil)
	if r.StatusCode != 200 || receiptRE.FindStringSubmatch(receipt) == nil {
		t.Fatalf("solved proof: %d", r.StatusCode)
	}
	// The same proof on a new report is spent.
	_, form := p.get("/")
	again := validAnswers(tokenRE.FindStringSubmatch(form)[1])
	again.Set("pow_challenge", c[1])
	again.Set("pow_nonce", solved.Get("pow_nonce"))
	if r, _ := p.post("/", again, nil); r.StatusCode != 429 {
		t.Errorf("proof spent twice: %d", r.StatusCode)
	}
	if n := countReports(t, m); n != 3 {
		t.Errorf("%d reports stored, want 3", n)
	}
}

// fillDisk makes the SQLite database as full as a full disk would: its
// writer is one connection, and its pages are capped there.
func fillDisk(t *testing.T, m *Main) {
	t.Helper()
	ctx := context.Background()
	if err := m.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var pages int
		if err := tx.Get(ctx, `PRAGMA page_count`, nil, &pages); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `PRAGMA max_page_count = `+strconv.Itoa(pages))
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// A full disk answers with the form whole, not an error page.
func TestPortalFullDiskKeepsAnswers(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	p := newPortal(t, m)
	_, form := p.get("/")
	answers := validAnswers(tokenRE.FindStringSubmatch(form)[1])
	answers.Set("narrative", strings.Repeat("Cerita panjang yang diketik dengan susah payah. ", 400)+"Selesai.")
	fillDisk(t, m)
	r, page := p.post("/", answers, nil)
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(page, "Semua jawaban Anda masih ada di bawah") {
		t.Fatalf("full disk: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	keptAnswers(t, page, answers)
}

// Walk-in intake on a full disk: the officer's form comes back whole too.
func TestWalkInFullDiskKeepsAnswers(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	secret := addStaffWithTOTP(t, m, "fokal.penuh", spiker.RoleFokalDesa, "35.24.22.1012")
	p := newPortal(t, m)
	csrf := signIn(t, p, "fokal.penuh", secret, m.Clock.Now())
	_, form := p.get("/staf/lapor")
	answers := validAnswers(tokenRE.FindStringSubmatch(form)[1])
	answers.Set("csrf", csrf)
	answers.Set("report_channel", string(spiker.ChannelLangsung))
	answers.Set("narrative", strings.Repeat("Ibu itu datang ke balai desa dan bercerita. ", 400)+"Selesai.")
	fillDisk(t, m)
	r, page := p.post("/staf/lapor", answers, nil)
	if r.StatusCode != 503 || !strings.Contains(page, "Semua jawaban Anda masih ada di bawah") {
		t.Fatalf("walk-in on a full disk: %d\n%.2000s", r.StatusCode, page)
	}
	keptAnswers(t, page, answers)
}

// /cek over the receipt limit names when to try again and sends Retry-After.
func TestFollowupThrottleWaitTime(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.RateLimits = "receipt=1/10m:100/1m"; c.Clock = limitsClock })
	p := newPortal(t, m)
	p.post("/cek", url.Values{"receipt": {"1234 5678 9012 3456"}}, nil)
	r, page := p.post("/cek", url.Values{"receipt": {"1234 5678 9012 3456"}}, nil)
	if r.StatusCode != 429 || r.Header.Get("Retry-After") != "600" || !strings.Contains(page, "Coba lagi sekitar pukul 14.40 WIB") {
		t.Fatalf("throttled /cek: %d %q\n%s", r.StatusCode, r.Header.Get("Retry-After"), page)
	}
}
