package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestLoadBenchOverHTTP runs `spiker bench --http` against a serving
// instance filled by `spiker demo`: every step of the mix succeeds and the
// cost floor is printed.
func TestLoadBenchOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		dir := t.TempDir()
		env := map[string]string{"SPIKER_AUTO_MIGRATE": "true"}
		args := append([]string{"demo", "--data", dir, "--reports", "12", "--case-every", "3"}, dbArgs(dbURL)...)
		code, stdout, stderr := runCLI(t, "", env, args...)
		secret := regexp.MustCompile(`demo\.supervisor, password "[^"]+", TOTP secret ([A-Z2-7]+)`).FindStringSubmatch(stdout)
		if code != 0 || secret == nil {
			t.Fatalf("demo: %d %q %q", code, stdout, stderr)
		}
		m, _ := startMain(t, dir, dbURL, func(c *Config) { c.RateLimits = "off" })
		code, stdout, stderr = runCLI(t, "", nil, "bench", "--http", "http://"+m.PublicAddr(), "--concurrency", "1,2", "--requests", "2",
			"--staff-user", "demo.supervisor", "--staff-password", demoPassword, "--staff-totp", secret[1], "--data", dir)
		if code != 0 {
			t.Fatalf("bench --http: %d %q %q", code, stdout, stderr)
		}
		for _, step := range []string{"report form (GET /)", "report submit (POST /)", "follow-up with a receipt", "staff inbox (GET /staf/)", "case view (GET /staf/kasus/…)"} {
			line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(step) + `\s+[\d.]+\s+\S+\s+\S+\s+\S+\s+(\d+)$`).FindStringSubmatch(stdout)
			if line == nil || line[1] != "0" {
				t.Errorf("step %q missing or with errors in\n%s", step, stdout)
			}
		}
		// The staff steps ran at both concurrencies on one sign-in (a TOTP
		// code is refused a second time).
		if n := strings.Count(stdout, "case view (GET /staf/kasus/…)"); n != 2 {
			t.Errorf("the case view was timed %d times, want 2 (1 and 2 at once) in\n%s", n, stdout)
		}
		// 7 before (after one that allocates the arena), 2 between the
		// submissions at 1 at once, 7 after.
		if !strings.Contains(stdout, "cost floor: Argon2id receipt derivation ") || !strings.Contains(stdout, "(median of 16), fsync ") ||
			!strings.Contains(stdout, "report submit less the derivation beside it: ") || !strings.Contains(stdout, "(median of 2 pairs)") {
			t.Errorf("no cost floor in\n%s", stdout)
		}
		// Intake alone, at two concurrencies one after the other.
		code, stdout, stderr = runCLI(t, "", nil, "bench", "--http", "http://"+m.PublicAddr(), "--mix", "intake",
			"--concurrency", "1,2", "--requests", "2", "--data", dir)
		if code != 0 {
			t.Fatalf("bench --http --mix intake: %d %q %q", code, stdout, stderr)
		}
		if strings.Count(stdout, "report submit (POST /)") != 2 || strings.Contains(stdout, "report form (GET /)") ||
			!strings.Contains(stdout, "intake at 1 at once: p99/p50 ") || !strings.Contains(stdout, "intake at 2 at once: p99/p50 ") ||
			!strings.Contains(stdout, "intake ceiling from the floor: ") {
			t.Errorf("the intake mix at 1 and 2 at once printed\n%s", stdout)
		}
	})
}
