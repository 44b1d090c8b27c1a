package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/spikerperak/spiker"
)

// The retention settings (with an error) and the case page's legal hold
// pass axe, and work in a browser.
func TestBrowserRetention(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	b := startBrowser(t)
	officer, sup, admin := b, b.person(), b.person()
	var kSecret, sSecret, aSecret string
	await(t,
		async(t, newStaff(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, &kSecret, nil)),
		async(t, newStaff(t, b.m, "kepala.uptd", spiker.RoleSupervisor, &sSecret, nil)),
		async(t, newStaff(t, b.m, "admin", spiker.RoleAdmin, &aSecret, nil)),
		async(t, fileReport(b.m)),
	)
	await(t, officer.signIn("konselor.satu", kSecret, time.Now()), sup.signIn("kepala.uptd", sSecret, time.Now()), admin.signIn("admin", aSecret, time.Now()))
	officer.openReportFromInbox()
	casePath := officer.openCase("KDRT fisik")

	if status := sup.open(casePath); status != 200 {
		t.Fatalf("case page: HTTP %d", status)
	}
	sup.checkAxe("case page with the legal hold form", axe)
	sup.do("writing the hold's reason", insertText("#hold-reason", "Perkara 12/Pid.Sus/2026/PN Lmg"))
	if status := sup.submit("putting a legal hold", `form[action$="/tahan"] button[type=submit]`); status != 200 {
		t.Fatalf("putting a legal hold: HTTP %d", status)
	}
	if text := sup.bodyText(); !strings.Contains(text, "Ditahan karena proses hukum") || !strings.Contains(text, "Perkara 12/Pid.Sus/2026/PN Lmg") {
		t.Fatalf("the hold is not shown: %.500s", text)
	}
	sup.checkAxe("case page under legal hold", axe)

	if status := admin.open("/staf/pengaturan"); status != 200 {
		t.Fatalf("settings page: HTTP %d", status)
	}
	admin.checkAxe("settings page", axe)
	admin.do("entering too short a retention", chromedp.Evaluate[chromedp.Void](`document.querySelector("#r-not_case_days").value = "10"`))
	if status := admin.submit("saving the retention", `form[action="/staf/pengaturan/retensi"] button[type=submit]`); status != 422 {
		t.Fatalf("saving a retention out of range: HTTP %d", status)
	}
	if !strings.Contains(admin.bodyText(), "Isi antara 30 dan 3650 hari.") {
		t.Fatal("the retention's error is not shown")
	}
	admin.checkAxe("settings page with an error", axe)
}
