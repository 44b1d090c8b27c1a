package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
)

// TestBrowserWorkload opens the supervisors' workload pages (a kecamatan's
// and the regency's) and an
// officer's home page in Chromium at laptop size, late on the month's last
// day; both pass axe. With SPIKER_SCREENSHOTS both are saved.
func TestBrowserWorkload(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	clock := clockAt(time.Date(2026, 3, 31, 23, 40, 0, 0, spiker.TimeZone("35.24")))
	b := startBrowser(t, func(c *Config) { c.Clock = clock.Now })
	supA, _, managerA, supKab := workloadFixture(t, b.m, clock)
	manager, boss := b.person(), b.person()
	await(t, async(t, b.signIn("supervisor.a", supA, clock.Now())), async(t, manager.signIn("manajer.a", managerA, clock.Now())),
		async(t, boss.signIn("kepala.uptd", supKab, clock.Now())))

	b.do("laptop", chromedp.EmulateViewport(1366, 900))
	if status := b.open("/staf/beban-kerja"); status != 200 {
		t.Fatalf("workload page: HTTP %d", status)
	}
	if body := b.bodyText(); !strings.Contains(body, "Kelebihan beban") || !strings.Contains(body, "manajer.a") {
		t.Fatalf("workload page: %.800s", body)
	}
	b.checkAxe("workload", axe)
	shot(t, b, "workload-laptop")

	// The regency's view: a team per kecamatan and the regency office.
	boss.do("laptop", chromedp.EmulateViewport(1366, 900))
	if status := boss.open("/staf/beban-kerja"); status != 200 {
		t.Fatalf("regency workload page: HTTP %d", status)
	}
	boss.checkAxe("regency workload", axe)
	shot(t, boss, "workload-regency-laptop")

	manager.do("laptop", chromedp.EmulateViewport(1366, 900))
	if status := manager.open("/staf/"); status != 200 {
		t.Fatalf("home page: HTTP %d", status)
	}
	if body := manager.bodyText(); !strings.Contains(body, "Beban kerja saya") {
		t.Fatalf("home page: %.800s", body)
	}
	manager.checkAxe("my workload", axe)
	shotScreen(t, manager, "workload-mine-laptop")
}
