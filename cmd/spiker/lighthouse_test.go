package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestLighthouse audits the two pages a reporter meets first, `/` and
// `/cek`, with Lighthouse's mobile profile (a mid-range phone on a slow 4G
// link, simulated): performance, accessibility and best practices must each
// score 1.0. It runs when SPIKER_LIGHTHOUSE names the lighthouse command
// (.ci/run installs it and runs this test without the race detector, which
// would slow the server it measures).
func TestLighthouse(t *testing.T) {
	bin := os.Getenv("SPIKER_LIGHTHOUSE")
	if bin == "" {
		t.Skip("SPIKER_LIGHTHOUSE is not set (.ci/run sets it)")
	}
	m, _ := startMain(t, t.TempDir(), "")
	base := "http://" + m.PublicAddr()
	for _, page := range []string{"/", "/cek"} {
		// Performance is measured on a shared machine: a run that another
		// process slowed (total blocking time), or in which Lighthouse
		// itself failed, is run again after a pause, up to five times, as
		// Lighthouse's guidance on variability advises; the other categories
		// do not depend on timing and must hold in every completed run.
		const attempts = 5
		for attempt := 1; ; attempt++ {
			perf, failed, err := lighthouseRun(t, bin, base+page)
			if err == nil && perf == 1 {
				break
			}
			if attempt == attempts {
				t.Errorf("%s: performance scores %.2f in %d runs (%v), want 1.0; audits below 1: %s", page, perf, attempts, err, failed)
				break
			}
			t.Logf("%s: performance %.2f (%s; %v); running again", page, perf, failed, err)
			time.Sleep(10 * time.Second)
		}
	}
}

// lighthouseRun audits one page; accessibility and best practices below 1.0
// fail the test; it returns the performance score and the audits below 1,
// or the error of a run Lighthouse could not complete.
func lighthouseRun(t *testing.T, bin, url string) (float64, string, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.CommandContext(t.Context(), bin, url,
		"--output=json", "--output-path="+out, "--quiet", "--form-factor=mobile",
		"--only-categories=performance,accessibility,best-practices",
		"--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync")
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromiumPath(t))
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, "", fmt.Errorf("lighthouse %s: %v: %.2000s", url, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return 0, "", err
	}
	var report struct {
		Categories map[string]struct{ Score float64 } `json:"categories"`
		Audits     map[string]struct {
			Score        *float64 `json:"score"`
			Mode         string   `json:"scoreDisplayMode"`
			DisplayValue string   `json:"displayValue"`
		} `json:"audits"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	var failed []string
	for id, a := range report.Audits {
		// The back/forward cache is refused on purpose: every page is
		// no-store, so that Back after quick exit cannot bring one back.
		if a.Score != nil && *a.Score < 1 && a.Mode != "informative" && a.Mode != "manual" && id != "bf-cache" {
			failed = append(failed, id+" "+a.DisplayValue)
		}
	}
	sort.Strings(failed)
	for _, c := range []string{"performance", "accessibility", "best-practices"} {
		t.Logf("%s %s: %.2f", url, c, report.Categories[c].Score)
	}
	for _, c := range []string{"accessibility", "best-practices"} {
		if score := report.Categories[c].Score; score < 1 {
			t.Errorf("%s: %s scores %.2f, want 1.0; audits below 1: %s", url, c, score, strings.Join(failed, "; "))
		}
	}
	return report.Categories["performance"].Score, strings.Join(failed, "; "), nil
}
