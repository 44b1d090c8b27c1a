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

// TestBrowserCaseCorrections corrects a victim in Chromium: the edit form
// has no name or NIK field until "show identity", then has them with the
// real values; the correction needs its reason, lands in the history, and
// the page passes axe with every form open.
func TestBrowserCaseCorrections(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	b := startBrowser(t)
	ctx := context.Background()
	var mSecret string
	await(t,
		async(t, netUser(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24", "", nil)),
		async(t, netUser(t, b.m, "kepala.uptd", spiker.RoleSupervisor, "35.24", "", nil)),
		async(t, netUser(t, b.m, "manajer.satu", spiker.RoleManajerKasus, "35.24", "", &mSecret)),
		async(t, fileReport(b.m)),
	)
	manager := b
	signedIn := async(t, manager.signIn("manajer.satu", mSecret, time.Now()))
	officer, sup := netActor(t, b.m, "konselor.satu"), netActor(t, b.m, "kepala.uptd")
	caseID, _ := netCase(t, b.m, officer, sup, "manajer.satu", "KDRT fisik.")
	cs := store.CaseService{Store: b.m.Store}
	victim := &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Consent: spiker.ConsentByVictim,
		Name: "Siti Aminah", NIK: "3524015508940002"}
	if err := cs.AddVictim(ctx, sup, caseID, victim); err != nil {
		t.Fatal(err)
	}
	if err := cs.AddPerpetrator(ctx, sup, caseID, &spiker.CasePerpetrator{VictimID: victim.ID, Sex: "Laki-laki", Relationship: "Suami/Istri", Name: "Bejo Santoso"}); err != nil {
		t.Fatal(err)
	}
	await(t, signedIn)

	casePath := "/staf/kasus/" + caseID
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("case page: HTTP %d", status)
	}
	victimForm := `form[action="` + casePath + `/ubah/korban"]`
	if n := eval[int](manager, `document.querySelectorAll('`+victimForm+` input[name=name], `+victimForm+` input[name=nik]').length`); n != 0 {
		t.Fatalf("the masked edit form has %d identity fields", n)
	}
	if v := eval[string](manager, `document.querySelector('`+victimForm+` select[name=place]').value`); v != "Rumah Tangga" {
		t.Fatalf("the edit form is not prefilled: place %q", v)
	}
	manager.do("opening every correction form", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`))
	manager.checkAxe("case page with the correction forms", axe)
	manager.screenshots(t, "case-corrections")

	if status := manager.submit("showing the identity", `form[action$="/identitas"] button[type=submit]`); status != 200 {
		t.Fatalf("reveal: HTTP %d", status)
	}
	if v := eval[string](manager, `document.querySelector('`+victimForm+` input[name=name]').value`); v != "Siti Aminah" {
		t.Fatalf("the revealed edit form's name: %q", v)
	}
	manager.do("correcting the name and the categories", chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.querySelector('`+victimForm+`');
		f.closest("details").open = true;
		f.querySelector("input[name=name]").value = "Siti Aminah Rahma";
		f.querySelector('input[name=violence_types][value="Psikis"]').checked = true;
	})()`))
	// Without a reason the browser's own check stops the form.
	if eval[bool](manager, `document.querySelector('`+victimForm+`').checkValidity()`) ||
		!eval[bool](manager, `document.querySelector('`+victimForm+` textarea[name=correction_reason]').validity.valueMissing`) {
		t.Fatal("the correction form can be sent without a reason")
	}
	manager.do("writing the reason", insertText(victimForm+` textarea[name=correction_reason]`, "Nama lengkap sesuai KTP"))
	if status := manager.submit("saving the correction", victimForm+` button[type=submit]`); status != 200 {
		t.Fatalf("correction: HTTP %d: %.300s", status, manager.bodyText())
	}
	body := manager.bodyText()
	history := body[strings.Index(body, "Riwayat perubahan"):]
	if !strings.Contains(history, "manajer.satu") || !strings.Contains(history, "Nama lengkap sesuai KTP") || !strings.Contains(history, "S. A. → S. A. R.") ||
		!strings.Contains(history, "Fisik → Fisik, Psikis") || strings.Contains(history, "Siti") {
		t.Fatalf("the history: %.600s", history)
	}
	manager.screenshots(t, "case-history")
}

// screenshots saves the page on a phone and a laptop when
// SPIKER_SCREENSHOTS names a directory.
func (b *browser) screenshots(t *testing.T, name string) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"laptop", 1366, 900}} {
		b.do("resizing", chromedp.EmulateViewport(size.w, size.h))
		img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
