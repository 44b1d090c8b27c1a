package main

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// receivedText is what the receipt page says when it shows no number.
const receivedText = "Laporan Anda sudah diterima"

// digitsRE finds anything like a receipt in a page's text.
var digitsRE = regexp.MustCompile(`\d{4}\D{0,3}\d{4}\D{0,3}\d{4}\D{0,3}\d{4}`)

// The report form answers with a redirect (Post/Redirect/Get); the receipt
// page shows the receipt to the submitting browser for the window only.
// Quick exit, the window's end or another browser leave "received"
// without the number; a resubmitted form stores nothing new; a form token
// older than a day stores nothing and shows no receipt.
func TestReceiptAfterRedirect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		clk := &movableClock{}
		m, _ := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.Clock = clk.Now })
		p := newPortal(t, m)
		_, form := p.get("/")
		token := tokenRE.FindStringSubmatch(form)[1]
		resp, page := p.post("/", validAnswers(token), nil)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/tanda-terima" || digitsRE.MatchString(page) {
			t.Fatalf("the form's POST: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		var cookie string
		for _, c := range resp.Cookies() {
			if c.Name == "spiker_tt" {
				cookie = c.Raw
				if !c.HttpOnly || c.SameSite != 3 || c.Domain != "" || c.MaxAge != 900 || strings.Contains(c.Value, token) {
					t.Fatalf("receipt cookie: %s", c.Raw)
				}
			}
		}
		if cookie == "" {
			t.Fatal("no receipt cookie")
		}
		resp, page = p.get("/tanda-terima")
		receipt := receiptRE.FindStringSubmatch(page)
		if resp.StatusCode != 200 || receipt == nil || resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(page, "paling lambat 1 jam") {
			t.Fatalf("receipt page: %d %v %.400s", resp.StatusCode, receipt, page)
		}
		// Another browser, without the cookie, sees no number.
		if _, other := newPortal(t, m).get("/tanda-terima"); !strings.Contains(other, receivedText) || digitsRE.MatchString(other) {
			t.Fatalf("another browser: %.300s", other)
		}
		// Quick exit's beacon ends it; reload and resubmission then show
		// "received", and no second report is stored.
		p.post("/keluar", nil, nil)
		for _, step := range []func() string{
			func() string { _, s := p.get("/tanda-terima"); return s },
			func() string { _, s := p.report(validAnswers(token), nil); return s },
		} {
			if s := step(); !strings.Contains(s, receivedText) || digitsRE.MatchString(s) {
				t.Fatalf("after quick exit: %.300s", s)
			}
		}
		if n := countReports(t, m); n != 1 {
			t.Fatalf("%d reports after the resubmission", n)
		}

		// The window: a second report's receipt shows until it ends.
		_, form = p.get("/")
		token2 := tokenRE.FindStringSubmatch(form)[1]
		if _, page := p.report(validAnswers(token2), nil); !receiptRE.MatchString(page) {
			t.Fatal("no receipt for the second report")
		}
		clk.Add(spiker.ReceiptWindow + time.Second)
		for _, step := range []func() string{
			func() string { _, s := p.get("/tanda-terima"); return s },
			func() string { _, s := p.report(validAnswers(token2), nil); return s },
		} {
			if s := step(); !strings.Contains(s, receivedText) || digitsRE.MatchString(s) {
				t.Fatalf("after the window: %.300s", s)
			}
		}
		// A form issued more than a day ago stores nothing and echoes none
		// of its answers, complete or not: a fresh form says it was not sent.
		_, form = p.get("/")
		old := tokenRE.FindStringSubmatch(form)[1]
		clk.Add(spiker.FormTokenLife + time.Minute)
		incomplete := validAnswers(old)
		incomplete.Del("consent")
		for i, v := range []url.Values{validAnswers(old), incomplete, validAnswers(old)} {
			var files map[string][]byte
			if i == 2 { // with a file over the limit, the answers are not echoed either
				files = map[string][]byte{"foto.jpg": bytes.Repeat([]byte{0xff}, 11<<20)}
			}
			resp, s := p.post("/", v, files)
			if resp.StatusCode != 409 || !strings.Contains(s, "tidak kami simpan") || strings.Contains(s, "Saya dipukul suami") ||
				strings.Contains(s, `value="`+old+`"`) || digitsRE.MatchString(s) || countReports(t, m) != 2 {
				t.Fatalf("an expired form: %d, %d reports, %.300s", resp.StatusCode, countReports(t, m), s)
			}
		}
	})
}
