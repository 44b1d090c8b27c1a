package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
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
		out := filepath.Join(t.TempDir(), "report.json")
		cmd := exec.CommandContext(t.Context(), bin, base+page,
			"--output=json", "--output-path="+out, "--quiet", "--form-factor=mobile",
			"--only-categories=performance,accessibility,best-practices",
			"--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync")
		cmd.Env = append(os.Environ(), "CHROME_PATH="+chromiumPath(t))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("lighthouse %s: %v\n%s", page, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
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
			score := report.Categories[c].Score
			t.Logf("%s %s: %.2f", page, c, score)
			if score < 1 {
				t.Errorf("%s: %s scores %.2f, want 1.0; audits below 1: %s", page, c, score, strings.Join(failed, "; "))
			}
		}
	}
}
