package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// TestBrowserMonthlyReport opens the monthly report page as the head of
// the Dinas (its month and region form and the download links), takes its
// screenshots and runs axe-core on it.
func TestBrowserMonthlyReport(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	var secret string
	await(t, async(t, newStaff(t, b.m, "kepala.dinas", spiker.RolePimpinan, &secret, nil)))
	boss := b.person()
	await(t, async(t, boss.signIn("kepala.dinas", secret, time.Now())))
	if status := boss.open("/staf/statistik/bulanan?bulan=2026-10"); status != 200 {
		t.Fatalf("monthly report page: HTTP %d", status)
	}
	text := boss.bodyText()
	for _, want := range []string{"Laporan bulanan", "Oktober 2026", "PDF", "XLSX", "hari kerja pertama"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the page lacks %q: %.600s", want, text)
		}
	}
	if href := eval[string](boss, `document.querySelector("a[href^='/staf/statistik/bulanan.pdf']").getAttribute("href")`); href != "/staf/statistik/bulanan.pdf?bulan=2026-10" {
		t.Fatalf("PDF link %q", href)
	}
	boss.screenshots(t, "monthly-report-page")
	if axe := optionalAxe(t); axe != "" {
		boss.checkAxe("monthly report page", axe)
	}
}
