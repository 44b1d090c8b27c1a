package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
)

// TestBrowserOfficeCategories adds a local category in Chromium as the
// administrator (laptop) and records a child victim under it on a phone,
// with an AMPK category and the victim's desa chosen by name; both pages
// pass axe. With SPIKER_SCREENSHOTS the admin page (laptop) and the victim
// form (phone) are saved.
func TestBrowserOfficeCategories(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	b := startBrowser(t)
	ctx := context.Background()
	var aSecret, mSecret string
	await(t,
		async(t, netUser(t, b.m, "admin.it", spiker.RoleAdmin, "35.24", "", &aSecret)),
		async(t, netUser(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24", "", nil)),
		async(t, netUser(t, b.m, "kepala.uptd", spiker.RoleSupervisor, "35.24", "", nil)),
		async(t, netUser(t, b.m, "manajer.satu", spiker.RoleManajerKasus, "35.24", "", &mSecret)),
		async(t, fileReport(b.m)),
	)
	admin, manager := b, b.person()
	await(t, async(t, admin.signIn("admin.it", aSecret, time.Now())), async(t, manager.signIn("manajer.satu", mSecret, time.Now())))
	officer, sup := netActor(t, b.m, "konselor.satu"), netActor(t, b.m, "kepala.uptd")
	caseID, _ := netCase(t, b.m, officer, sup, "manajer.satu", "Perundungan di sekolah.")

	// The administrator adds a category.
	admin.do("laptop", chromedp.EmulateViewport(1366, 900))
	if status := admin.open("/staf/kategori"); status != 200 {
		t.Fatalf("categories page: HTTP %d", status)
	}
	admin.do("naming the category", insertText(`#cn`, "Kekerasan di Sekolah"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#cs").value = "Psikis"`))
	if status := admin.submit("adding the category", `form[action="/staf/kategori"] button[type=submit]`); status != 200 {
		t.Fatalf("adding: HTTP %d", status)
	}
	if body := admin.bodyText(); !strings.Contains(body, "Kategori tersimpan.") || !strings.Contains(body, "Kekerasan di Sekolah") {
		t.Fatalf("after adding: %.500s", body)
	}
	admin.do("opening a change form", chromedp.Evaluate[chromedp.Void](`document.querySelector("table.list details").open = true`))
	admin.checkAxe("local categories", axe)
	shot(t, admin, "categories-laptop")

	// The case manager records a child victim on a phone.
	casePath := "/staf/kasus/" + caseID
	manager.do("phone", chromedp.EmulateViewport(390, 844))
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("case page: HTTP %d", status)
	}
	addForm := `form[action="` + casePath + `/korban"]`
	manager.do("opening the victim form", chromedp.Evaluate[chromedp.Void](`document.querySelector('`+addForm+`').closest("details").open = true`))
	desa := b.m.Regions.Children("35.24.22")[0]
	manager.do("filling the victim", chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.querySelector('`+addForm+`');
		f.querySelector("select[name=sex]").value = "Laki-laki";
		f.querySelector("input[name=age]").value = "13";
		f.querySelector('input[name=violence_types][value="Psikis"]').checked = true;
		for (const c of f.querySelectorAll("input[name=office_categories]")) {
			if (c.parentElement.textContent.includes("Kekerasan di Sekolah") || c.value === "perundungan") c.checked = true;
		}
		f.querySelector("select[name=ampk]").value = "`+spiker.AMPKCategories[8]+`";
		f.querySelector("select[name=victim_desa]").value = "`+desa.Code+`";
		f.querySelector('input[name=consent][value="wali"]').checked = true;
	})()`))
	if got := eval[string](manager, `document.querySelector('`+addForm+` select[name=victim_desa]').selectedOptions[0].textContent`); got != desa.Name {
		t.Fatalf("the desa is chosen by name: %q", got)
	}
	manager.checkAxe("victim form", axe)
	shot(t, manager, "victim-form-phone")
	// The new fields as the phone shows them, one screen.
	manager.do("scrolling to the categories", chromedp.Evaluate[chromedp.Void](`document.querySelector('`+addForm+` input[name=office_categories]').closest("fieldset").scrollIntoView()`))
	shotScreen(t, manager, "victim-categories-phone")
	if status := manager.submit("saving the victim", addForm+` button[type=submit]`); status != 200 {
		t.Fatalf("victim: HTTP %d: %.300s", status, manager.bodyText())
	}
	c, err := store.CaseService{Store: b.m.Store}.FindCase(ctx, sup, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Victims) != 1 || len(c.Victims[0].OfficeCategories) != 2 || c.Victims[0].AMPK != spiker.AMPKCategories[8] || c.Victims[0].DesaCode != desa.Code {
		t.Fatalf("the victim saved: %+v", c.Victims)
	}
	if body := manager.bodyText(); !strings.Contains(body, "Anak korban kekerasan fisik dan/atau psikis") || !strings.Contains(body, "Kekerasan di Sekolah") {
		t.Fatalf("the case page does not show the categories: %.800s", body)
	}
	manager.do("scrolling to the record", chromedp.Evaluate[chromedp.Void](`document.querySelector("table.list").scrollIntoView()`))
	shotScreen(t, manager, "victim-record-phone")
}

// shot saves a full-page screenshot at the current size when
// SPIKER_SCREENSHOTS names a directory.
func shot(t *testing.T, b *browser, name string) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		return
	}
	img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
		t.Fatal(err)
	}
}

// shotScreen saves what the screen shows now, when SPIKER_SCREENSHOTS
// names a directory.
func shotScreen(t *testing.T, b *browser, name string) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		return
	}
	img, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
		t.Fatal(err)
	}
}
