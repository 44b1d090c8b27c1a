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

// TestBrowserCaseProtections opens a case with a protection order ending
// in two days, a restitusi, a risk assessment and two versions of the
// safety plan in Chromium: the order is marked as ending soon with its end
// date in full; the risk form proposes a level from the answers before
// anything is saved; the page passes axe with every form open.
func TestBrowserCaseProtections(t *testing.T) {
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
	signedIn := async(t, b.signIn("manajer.satu", mSecret, time.Now()))
	officer, sup, manager := netActor(t, b.m, "konselor.satu"), netActor(t, b.m, "kepala.uptd"), netActor(t, b.m, "manajer.satu")
	caseID, _ := netCase(t, b.m, officer, sup, "manajer.satu", "KDRT fisik.")
	cs := store.CaseService{Store: b.m.Store}
	today := time.Now().In(spiker.TimeZone(""))
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	for _, o := range []*spiker.ProtectionOrder{
		{Kind: spiker.OrderTemporary, Issuer: "kepolisian", StartsOn: day(-11), EndsOn: day(2), Status: spiker.OrderActive, Notes: "Polres Lamongan, unit PPA."},
		{Kind: spiker.OrderRestriction, Issuer: "pengadilan", StartsOn: day(-3), EndsOn: day(90), Status: spiker.OrderActive},
	} {
		if err := cs.SaveProtectionOrder(ctx, manager, caseID, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := cs.SaveRestitution(ctx, manager, caseID, &spiker.Restitution{RequestedOn: day(-20), AmountRequested: 25_000_000, DecidedOn: day(-2),
		AmountDecided: 15_000_000, Payment: "dibayar_sebagian", Notes: "Cicilan pertama diterima."}); err != nil {
		t.Fatal(err)
	}
	answers := map[string]bool{}
	for _, q := range spiker.RiskQuestions {
		answers[q.ID] = q.ID == "serumah" || q.ID == "meningkat"
	}
	if err := cs.AssessRisk(ctx, manager, caseID, &spiker.RiskAssessment{Answers: answers, Chosen: "tinggi", Reason: "Pelaku baru keluar dari tahanan."}); err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"payung", "payung biru"} {
		if err := cs.SaveSafetyPlan(ctx, manager, caseID, &spiker.SafetyPlan{SafeContacts: "Bu Lurah, 0812-0000-0000", SafePlace: "Rumah adik di Babat",
			CodeWord: word, EscapePlan: "Lewat pintu belakang saat pelaku bekerja.", KeepReady: "KTP, KK, akta anak, obat", MustNotKnow: "Keluarga pelaku"}); err != nil {
			t.Fatal(err)
		}
	}
	await(t, signedIn)

	casePath := "/staf/kasus/" + caseID
	if status := b.open(casePath); status != 200 {
		t.Fatalf("case page: HTTP %d", status)
	}
	current := eval[string](b, `document.querySelector("section[aria-labelledby=perlindungan] ul.cards").innerText`)
	if !strings.Contains(current, "berakhir "+longDateID(today.AddDate(0, 0, 2))) || !strings.Contains(current, "segera berakhir") ||
		!strings.Contains(current, "berakhir "+longDateID(today.AddDate(0, 0, 90))) {
		t.Fatalf("the protections in force: %q", current)
	}
	if n := eval[int](b, `document.querySelectorAll("section[aria-labelledby=perlindungan] li.card.ending").length`); n != 1 {
		t.Fatalf("%d orders marked as ending soon, want 1", n)
	}
	b.checkAxe("case page with its protections", axe)
	b.sectionShots(t, "case-protection")
	b.do("opening every form", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`))
	b.checkAxe("case page with the protection forms", axe)
	b.sectionShots(t, "case-protection-forms")

	// The risk form proposes from the answers; nothing is saved yet.
	b.do("answering the risk questions", chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.querySelector('form[action$="/risiko#risiko"]');
		f.closest("details").open = true;
		f.querySelectorAll('input[type=radio][value=tidak]').forEach(r => r.checked = true);
		f.querySelector('input[name=risk_cekik][value=ya]').checked = true;
	})()`))
	if status := b.submit("asking for the proposal", `form[action$="/risiko#risiko"] button[name=step]`); status != 200 {
		t.Fatalf("proposal: HTTP %d", status)
	}
	proposal := eval[string](b, `document.querySelector("section[aria-labelledby=risiko] p.ok").innerText`)
	if !strings.Contains(proposal, "Risiko tinggi") {
		t.Fatalf("the proposal: %q", proposal)
	}
	if n := eval[int](b, `(() => { const r = document.getElementById("risiko").closest("section"); return r.querySelectorAll("details ol li").length })()`); n != 0 {
		t.Fatalf("a proposal was saved as an assessment (%d in the history)", n)
	}
	b.checkAxe("case page with the risk proposal", axe)
	b.sectionShots(t, "case-risk-proposal")
}

// sectionShots saves each protection section of the case page on a phone
// and a laptop when SPIKER_SCREENSHOTS names a directory.
func (b *browser) sectionShots(t *testing.T, name string) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"laptop", 1366, 900}} {
		b.do("resizing", chromedp.EmulateViewport(size.w, size.h))
		for _, section := range []string{"perlindungan", "risiko", "rencana-aman"} {
			img, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS(`section[aria-labelledby="`+section+`"]`)))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-"+section+"-"+size.name+".png"), img, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
