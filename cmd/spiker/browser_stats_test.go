package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// TestBrowserStatistics opens the dashboard as the head of the Dinas and
// the public page as anyone, at a laptop and a phone size, and runs
// axe-core on both.
func TestBrowserStatistics(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	statsFixture(t, b.m, 6)
	var secret string
	await(t, async(t, newStaff(t, b.m, "kepala.dinas", spiker.RolePimpinan, &secret, nil)))
	boss := b.person()
	await(t, async(t, boss.signIn("kepala.dinas", secret, time.Now())))
	if status := boss.open("/staf/statistik"); status != 200 {
		t.Fatalf("dashboard: HTTP %d", status)
	}
	text := boss.bodyText()
	for _, want := range []string{"Kasus per bulan", "Korban per jenis kekerasan", "Seksual", "Tanggapan pertama"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the dashboard lacks %q: %.600s", want, text)
		}
	}
	if n := eval[int](boss, `document.querySelectorAll("figure.stat svg").length`); n < 8 {
		t.Fatalf("%d charts", n)
	}
	if n := eval[int](boss, `document.querySelectorAll("figure.stat table").length`); n != eval[int](boss, `document.querySelectorAll("figure.stat svg").length`) {
		t.Fatal("a chart without its table")
	}
	anon := b.person()
	if status := anon.open("/statistik"); status != 200 {
		t.Fatalf("public page: HTTP %d", status)
	}
	if text := anon.bodyText(); !strings.Contains(text, "6 kasus") || !strings.Contains(text, "<5") {
		t.Fatalf("public page: %.500s", text)
	}
	if axe := optionalAxe(t); axe != "" {
		boss.checkAxe("dashboard", axe)
		eval[bool](anon, `document.querySelectorAll("details").forEach(d => d.open = true), true`)
		anon.checkAxe("public statistics", axe)
	}
}
