package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// keptForm is what the report form holds, read in the page.
type keptForm struct {
	Role      string `json:"role"`
	Types     string `json:"types"`
	Narrative string `json:"narrative"`
	Danger    string `json:"danger"`
	Kecamatan string `json:"kecamatan"`
	Desa      string `json:"desa"`
	Contact   string `json:"contact"`
	Consent   bool   `json:"consent"`
}

const readForm = `(() => { const f = document.getElementById("lapor"), v = n => (f.querySelector("[name=" + n + "]:checked") || {}).value || "";
	return {role: v("role"), types: Array.from(f.querySelectorAll("[name=types]:checked"), e => e.value).join(","),
		narrative: f.narrative.value, danger: v("danger"), kecamatan: f.kecamatan.value, desa: f.desa.value,
		contact: v("contact"), consent: f.consent.checked}; })()`

// A reporter over the limit (a shared address used it up) gets the form
// back whole with the time to try again; pressing Send once more solves the
// proof of work in the page and the report goes through.
func TestBrowserThrottledReporterKeepsAnswers(t *testing.T) {
	t.Parallel()
	b := startBrowser(t, func(c *Config) { c.RateLimits = "report=1/1h:100/1h"; c.Clock = limitsClock })
	reportOverHTTP(t, b.m) // someone else on the same address
	b.do("opening the report form", chromedp.Navigate(b.base+"/"))
	b.fillReport(true)
	typed := eval[keptForm](b, readForm)
	// The form's history entry is pointed at /aman as it is sent (a
	// navigation of its own to DevTools): wait for the answer's page and
	// read its status from the page's navigation timing.
	b.do("sending the report", chromedp.Click(chromedp.CSS(`#lapor button[type=submit]`)))
	start := time.Now()
	for eval[string](b, `document.readyState === "complete" && document.getElementById("retry-at") ? "yes" : ""`) == "" {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("no wait time after sending: %.400s", b.bodyText())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status := eval[int](b, `performance.getEntriesByType("navigation")[0].responseStatus`); status != 429 {
		t.Fatalf("over the limit: HTTP %d", status)
	}
	text := b.bodyText()
	if !strings.Contains(text, "Coba kirim lagi sekitar pukul 15.30 WIB") {
		t.Errorf("no time to try again: %.600s", text)
	}
	if kept := eval[keptForm](b, readForm); kept != typed {
		t.Errorf("answers lost: typed %+v, got back %+v", typed, kept)
	}
	if typed.Narrative != browserNarrative || typed.Desa != desaCode || !typed.Consent {
		t.Fatalf("the form was not filled: %+v", typed)
	}
	if hidden := eval[bool](b, `document.getElementById("pow-status").hidden`); hidden {
		t.Fatal("pow.js did not offer to send now")
	}
	start = time.Now()
	b.do("sending with the proof of work", chromedp.Click(chromedp.CSS(`#lapor button[type=submit]`)))
	for eval[string](b, `document.readyState === "complete" && document.querySelector(".receipt") ? "yes" : ""`) == "" {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("no receipt after the proof of work: %.400s", b.bodyText())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("proof of work solved and sent in %v", time.Since(start).Round(time.Millisecond))
	if n := countReports(t, b.m); n != 2 {
		t.Errorf("%d reports stored, want 2", n)
	}
}
