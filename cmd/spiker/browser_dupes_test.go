package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
)

// TestBrowserDuplicateHintAndSearch: two reports from the same number; the
// duty officer's report page says so and links the other, on a phone and
// a laptop; the inbox's search by number lists both. With SPIKER_AXE_JS
// both pages pass axe; with SPIKER_SCREENSHOTS they are saved.
func TestBrowserDuplicateHintAndSearch(t *testing.T) {
	t.Parallel()
	axe := optionalAxe(t)
	b := startBrowser(t)
	var secret string
	await(t,
		async(t, newStaff(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, &secret, nil)),
		async(t, fileReport(b.m)),
	)
	await(t, async(t, fileReport(b.m)), async(t, b.signIn("konselor.satu", secret, time.Now())))
	shot := func(name string, w, h int64) {
		t.Helper()
		dir := os.Getenv("SPIKER_SCREENSHOTS")
		if dir == "" {
			return
		}
		b.do("resizing to "+name, chromedp.EmulateViewport(w, h))
		img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	b.do("a phone", chromedp.EmulateViewport(390, 844))
	if status := b.open("/staf/"); status != 200 {
		t.Fatalf("the inbox: HTTP %d", status)
	}
	links := eval[[]string](b, `Array.from(document.querySelectorAll("table.list a"), a => a.getAttribute("href"))`)
	if len(links) != 2 {
		t.Fatalf("the inbox links to %q, want two reports", links)
	}
	if status := b.open(links[0]); status != 200 {
		t.Fatalf("the report: HTTP %d", status)
	}
	hint := eval[string](b, `(document.querySelector("section.dupes") || {}).innerText || ""`)
	if !strings.Contains(hint, "Nomor telepon yang sama dengan") {
		t.Fatalf("the report page has no duplicate hint: %.500s", b.bodyText())
	}
	if hrefs := eval[[]string](b, `Array.from(document.querySelectorAll("section.dupes a"), a => a.getAttribute("href"))`); len(hrefs) != 1 || hrefs[0] != links[1] {
		t.Fatalf("the hint links to %q, want the other report %s", hrefs, links[1])
	}
	if axe != "" {
		b.checkAxe("report page with a duplicate hint", axe)
	}
	shot("dupes-1-report-phone", 390, 844)
	shot("dupes-2-report-laptop", 1280, 800)
	if status := b.submit("following the hint", `section.dupes a`); status != 200 || b.path() != links[1] {
		t.Fatalf("following the hint: HTTP %d at %s", status, b.path())
	}

	b.open("/staf/")
	b.do("typing the number", insertText("#number", "+62 812-3456-7890"))
	if status := b.submit("searching", `form[action="/staf/cari-identitas"] button[type=submit]`); status != 200 {
		t.Fatalf("search: HTTP %d: %.300s", status, b.bodyText())
	}
	found := eval[[]string](b, `Array.from(document.querySelectorAll("ul.found a"), a => a.getAttribute("href"))`)
	if len(found) != 2 || !strings.Contains(strings.Join(found, " "), links[0]) || !strings.Contains(strings.Join(found, " "), links[1]) {
		t.Fatalf("the search found %q, want both reports %q", found, links)
	}
	if v := eval[string](b, `document.querySelector("#number").value`); v != "" {
		t.Errorf("the search page keeps the number in its form: %q", v)
	}
	if axe != "" {
		b.checkAxe("search results", axe)
	}
	shot("dupes-3-search-laptop", 1280, 800)
	shot("dupes-4-search-phone", 390, 844)
}
