package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
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
	// The data officer asks for an export with identities; the
	// supervisor sees the request with its decision.
	var dataSecret, supSecret string
	await(t, async(t, newStaff(t, b.m, "tim.data", spiker.RoleTimData, &dataSecret, nil)), async(t, newStaff(t, b.m, "supervisor.dua", spiker.RoleSupervisor, &supSecret, nil)))
	// The reason is sealed to the supervisors' group: the first supervisor
	// admits the second, as a member does for a new colleague.
	head, err := b.m.Users.Authenticate(t.Context(), "kepala.uptd", "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.m.Users.FindUserByUsername(t.Context(), "supervisor.dua")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.m.Store.AdmitToGroup(t.Context(), head, store.GroupSupervisors, second.ID); err != nil {
		t.Fatal(err)
	}
	officer, sup := b.person(), b.person()
	await(t, async(t, officer.signIn("tim.data", dataSecret, time.Now())), async(t, sup.signIn("supervisor.dua", supSecret, time.Now())))
	officer.open("/staf/statistik")
	officer.do("writing the reason", chromedp.SetValue(chromedp.CSS(`form[action="/staf/statistik/identitas"] textarea[name=reason]`), "Verifikasi data oleh KemenPPPA untuk triwulan ini"))
	if status := officer.submit("requesting identities", `form[action="/staf/statistik/identitas"] button[type=submit]`); status != 200 {
		t.Fatalf("request: HTTP %d", status)
	}
	if text := officer.bodyText(); !strings.Contains(text, "Menunggu persetujuan") {
		t.Fatalf("the request is not listed: %.600s", text)
	}
	sup.open("/staf/statistik#identitas")
	if text := sup.bodyText(); !strings.Contains(text, "Verifikasi data oleh KemenPPPA") || !strings.Contains(text, "Setujui") {
		t.Fatalf("the supervisor does not see the request: %.600s", text)
	}
	officer.screenshots(t, "stats-identity-request")
	sup.screenshots(t, "stats-identity-approve")
	if axe := optionalAxe(t); axe != "" {
		officer.checkAxe("identity export request", axe)
		sup.checkAxe("identity export approval", axe)
		boss.checkAxe("dashboard", axe)
		eval[bool](anon, `document.querySelectorAll("details").forEach(d => d.open = true), true`)
		anon.checkAxe("public statistics", axe)
	}
}
