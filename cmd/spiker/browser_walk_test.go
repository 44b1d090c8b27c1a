package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
)

// TestBrowserWalkthrough walks one case through the national standard in
// Chromium, each person in a browser context of their own: a reporter
// files on a phone; the duty counsellor identifies the report and opens a
// case; the supervisor names the case manager from the list of colleagues;
// the case manager records consent, the victim (SIMFONI fields), the
// assessment, the plan, a service and the police report of this TPKS case,
// moves the steps in order and refers the victim to a hospital; the
// hospital's partner (on a phone) accepts and records the service; the
// case manager asks to close, cannot approve their own request, and the
// supervisor closes the case. Every page passes axe (with SPIKER_AXE_JS)
// and is saved on a phone and a laptop with SPIKER_SCREENSHOTS=DIR.
func TestBrowserWalkthrough(t *testing.T) {
	t.Parallel()
	start := time.Now()
	walkStart = start
	axe := optionalAxe(t)
	limit := walkTimeout
	if os.Getenv("SPIKER_SCREENSHOTS") != "" {
		limit *= 2 // two full-page pictures of each page, some 8000 pixels tall
	}
	b := startBrowserWithin(t, limit)
	ctx := context.Background()
	const (
		summary = "Kekerasan seksual dan fisik oleh suami; korban di rumah ibunya."
		outcome = "Visum et repertum dilakukan; luka di lengan dirawat."
	)

	// The office's people and the hospital are made, and each person signs
	// in on their own screen, while the reporter files. The case manager
	// also holds the supervisor role (a coordinator, as in a small office),
	// so the rule that nobody approves their own closure is what stops
	// them, not a missing permission.
	officer, sup, manager, partner := b.person(), b.person(), b.person(), b.person()
	var rsud spiker.Agency
	onScreen := func(p *browser, name string, v viewport, secret *string) error {
		if err := p.signIn(name, *secret, time.Now())(); err != nil {
			return err
		}
		p.view = v
		return chromedp.Do(p.ctx, chromedp.EmulateViewport(v.w, v.h))
	}
	officerIn := async(t, func() error {
		var secret string
		if err := netUser(t, b.m, "konselor.piket", spiker.RoleKonselorPiket, "35.24", "", &secret)(); err != nil {
			return err
		}
		return onScreen(officer, "konselor.piket", laptop, &secret)
	})
	var supIn func() error
	managerIn := async(t, func() error {
		// The head of the office enrols first and admits the coordinator
		// to the supervisors' key, as a member does.
		var sSecret, mSecret string
		if err := netUser(t, b.m, "kepala.uptd", spiker.RoleSupervisor, "35.24", "", &sSecret)(); err != nil {
			return err
		}
		supIn = async(t, func() error { return onScreen(sup, "kepala.uptd", laptop, &sSecret) })
		if err := netUser(t, b.m, "manajer.satu", spiker.RoleManajerKasus+","+spiker.RoleSupervisor, "35.24", "", &mSecret)(); err != nil {
			return err
		}
		head, err := b.m.Users.Authenticate(ctx, "kepala.uptd", staffPassword)
		if err != nil {
			return err
		}
		coordinator, err := b.m.Users.FindUserByUsername(ctx, "manajer.satu")
		if err != nil {
			return err
		}
		if err := b.m.Store.AdmitToGroup(ctx, head, store.GroupSupervisors, coordinator.ID); err != nil {
			return err
		}
		return onScreen(manager, "manajer.satu", laptop, &mSecret)
	})
	partnerIn := async(t, func() error {
		if err := netUser(t, b.m, "admin.it", spiker.RoleAdmin, "35.24", "", nil)(); err != nil {
			return err
		}
		admin, err := b.m.Users.Authenticate(ctx, "admin.it", staffPassword)
		if err != nil {
			return err
		}
		rsud = spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}, Contact: "IGD 0322-321718"}
		if err := (store.NetworkService{Store: b.m.Store}).SaveAgency(ctx, admin, &rsud); err != nil {
			return err
		}
		var secret string
		if err := netUser(t, b.m, "dokter.rsud", spiker.RoleMitra, "35.24", rsud.ID, &secret)(); err != nil {
			return err
		}
		return onScreen(partner, "dokter.rsud", phone, &secret)
	})

	// 1. The reporter, on a phone, files on the public form.
	reporter := b
	reporter.size(phone)
	if status := reporter.open("/"); status != 200 {
		t.Fatalf("the report form: HTTP %d", status)
	}
	reporter.step(axe, "walk-01-report-form", "Laporkan")
	reporter.fillReportQuickly()
	reporter.submitReport()
	reporter.step(axe, "walk-02-receipt", "Simpan nomor ini")
	await(t, officerIn)

	// 2. The duty counsellor finds the report in the inbox, identifies it
	// and opens a case, and lands on a page that says what comes next.
	if status := officer.open("/staf/"); status != 200 {
		t.Fatalf("the inbox: HTTP %d", status)
	}
	officer.step(axe, "walk-03-inbox", "Kotak masuk laporan", "Sukorejo", "baru")
	officer.openReportFromInbox()
	officer.step(axe, "walk-04-report", "Identifikasi", "Fisik, Seksual", browserNarrative)
	identify := `form[action$="/identifikasi"]`
	officer.do("identifying the report",
		chromedp.SetValue(chromedp.CSS(identify+` select[name=jenis_kasus]`), "KTP"),
		chromedp.SetValue(chromedp.CSS(identify+` select[name=risiko]`), "tinggi"),
		chromedp.SetValue(chromedp.CSS(identify+` select[name=kewenangan]`), "daerah"))
	if status := officer.submit("saving the identification", identify+` button[type=submit]`); status != 200 {
		t.Fatalf("identification: HTTP %d: %.300s", status, officer.bodyText())
	}
	if f := officer.facts()["Identifikasi"]; f != "Kekerasan terhadap perempuan (KTP) · Risiko tinggi · Kewenangan daerah" {
		t.Fatalf("the identified report shows %q", f)
	}
	officer.step(axe, "walk-05-identified", "Buka kasus")
	casePath := officer.openCase(summary)
	officer.step(axe, "walk-06-case-opened", "Langkah berikutnya: supervisor menugaskan manajer kasus")
	caseNumber := strings.TrimSpace(strings.TrimPrefix(eval[string](officer, `document.querySelector("main h1").innerText`), "Kasus"))

	// 3. The supervisor puts the case manager on the case, from the list.
	await(t, managerIn, supIn)
	if status := sup.open(casePath); status != 200 {
		t.Fatalf("the supervisor opening the case: HTTP %d", status)
	}
	if !eval[bool](sup, `(() => { const s = document.querySelector('form[action$="/tim"] select[name=user]');
		const o = [...s.options].find(o => o.text.startsWith('manajer.satu ·')); if (!o) return false; s.value = o.value; return true })()`) {
		t.Fatalf("manajer.satu is not among the colleagues offered: %q", eval[string](sup, `document.querySelector('form[action$="/tim"] select').innerText`))
	}
	if status := sup.submit("adding the case manager to the team", `form[action$="/tim"] button[type=submit]`); status != 200 {
		t.Fatalf("assigning: HTTP %d: %.300s", status, sup.bodyText())
	}
	if status := sup.submit("naming the case manager", `form[action$="/tim/manajer"][data-user="manajer.satu"] button[type=submit]`); status != 200 {
		t.Fatalf("naming the case manager: HTTP %d: %.300s", status, sup.bodyText())
	}
	if f := sup.facts()["Manajer kasus"]; f != "manajer.satu" {
		t.Fatalf("the case manager shown is %q", f)
	}
	sup.step(axe, "walk-07-manager-named", "Tim kasus", "Manajer kasus")

	// 4. The case manager finds the case among their own.
	if status := manager.open("/staf/kasus?saya=ya"); status != 200 {
		t.Fatalf("the manager's cases: HTTP %d", status)
	}
	manager.step(axe, "walk-08-my-cases", caseNumber, "Lamongan")
	if n := eval[int](manager, `document.querySelectorAll('main a[href="`+casePath+`"]').length`); n != 1 {
		t.Fatalf("the manager's cases link %d times to the case: %.500s", n, manager.bodyText())
	}
	if status := manager.submit("opening the case from the list", `main a[href="`+casePath+`"]`); status != 200 {
		t.Fatalf("the manager opening the case: HTTP %d: %.300s", status, manager.bodyText())
	}
	manager.step(axe, "walk-09-case-manager", caseNumber, summary)

	// The victim, with her consent, in SIMFONI's terms; sexual violence
	// makes the case a TPKS case, with its police-report clock.
	victimForm := `form[action="` + casePath + `/korban"]`
	manager.openDetails(victimForm, "Tambah korban")
	if ticked := eval[[]string](manager, `Array.from(document.querySelectorAll('`+victimForm+` input[name=violence_types]:checked'), i => i.value)`); strings.Join(ticked, ",") != "Fisik,Seksual" {
		t.Fatalf("the victim form is not prefilled with the report's types: %q", ticked)
	}
	manager.do("recording the victim",
		insertText(victimForm+` input[name=age]`, "30"),
		chromedp.SetValue(chromedp.CSS(victimForm+` select[name=sex]`), "Perempuan"),
		chromedp.SetValue(chromedp.CSS(victimForm+` select[name=education]`), "SLTA"),
		chromedp.SetValue(chromedp.CSS(victimForm+` select[name=marital]`), "Kawin Tercatat"),
		chromedp.SetValue(chromedp.CSS(victimForm+` select[name=occupation]`), "Ibu Rumah Tangga"),
		chromedp.SetValue(chromedp.CSS(victimForm+` select[name=place]`), "Rumah Tangga"),
		chromedp.Click(chromedp.CSS(victimForm+` input[name=kdrt]`)),
		chromedp.Click(chromedp.CSS(victimForm+` input[name=sexual_forms]`)),
		chromedp.Click(chromedp.CSS(victimForm+` input[name=consent][value=korban]`)),
	)
	manager.screenshot("walk-10-victim-form")
	if status := manager.submit("saving the victim", victimForm+` button[type=submit]`); status != 200 {
		t.Fatalf("the victim: HTTP %d: %.500s", status, manager.bodyText())
	}
	victims := manager.tableRows("table.list:has(caption)")
	if len(victims) != 1 || victims[0][1] != "Perempuan" || !strings.Contains(victims[0][3], "Seksual") || victims[0][6] != "oleh korban" {
		t.Fatalf("the victims listed: %q", victims)
	}
	if f := manager.facts()["TPKS"]; !strings.HasPrefix(f, "ya") {
		t.Fatalf("the victim's sexual violence did not make the case TPKS: %q", f)
	}
	if clock := eval[string](manager, `(document.querySelector("p.clock") || {}).innerText || ""`); !policeDueRE.MatchString(clock) {
		t.Fatalf("the police-report clock reads %q, want its date in full", clock)
	}
	manager.step(axe, "walk-11-victim", "Kasus TPKS: laporan ke polisi wajib paling lambat")

	// Assessment, a plan item with its date, a service; the police report.
	due := time.Now().In(officeZone).AddDate(0, 0, 14).Format(time.DateOnly)
	for _, e := range []struct{ kind, category, due, body, shown string }{
		{"asesmen", "Biopsikososial", "", "Korban cemas, sulit tidur; aman di rumah ibunya.", "Asesmen"},
		{"rencana", "Kesehatan", due, "Visum et repertum dan perawatan luka.", "Rencana intervensi"},
		{"layanan", "Pendampingan", "", "Mendampingi korban ke Unit PPA Polres.", "Layanan diberikan"},
	} {
		form := `form[action$="/catatan"]`
		manager.do("writing the "+e.kind,
			chromedp.SetValue(chromedp.CSS(form+` select[name=kind]`), e.kind),
			chromedp.SetValue(chromedp.CSS(form+` select[name=category]`), e.category),
			chromedp.SetValue(chromedp.CSS(form+` input[name=due_date]`), e.due),
			insertText("#entry", e.body))
		if status := manager.submit("saving the "+e.kind, form+` button[type=submit]`); status != 200 {
			t.Fatalf("the %s: HTTP %d: %.300s", e.kind, status, manager.bodyText())
		}
		found := false
		for _, got := range manager.caseEntries() {
			found = found || got.Body == e.body && strings.Contains(got.Who, e.shown+" · "+e.category)
		}
		if !found {
			t.Fatalf("the timeline lacks the %s: %+v", e.kind, manager.caseEntries())
		}
	}
	if status := manager.submit("recording the police report", `form[action$="/lapor-polisi"] button[type=submit]`); status != 200 {
		t.Fatalf("the police report: HTTP %d: %.300s", status, manager.bodyText())
	}
	today := idDate(time.Now().In(officeZone))
	if f := manager.facts()["TPKS"]; f != "ya · dilaporkan ke polisi "+today {
		t.Fatalf("the police report is not shown: %q", f)
	}
	manager.step(axe, "walk-12-plan-service-police", "Asesmen · Biopsikososial", "Rencana intervensi · Kesehatan", "dilaporkan ke polisi")

	// The steps, one after another: skipping one needs a reason.
	stepForm := `form[action$="/langkah"]`
	if status := func() int64 {
		manager.do("skipping to pelaksanaan", chromedp.SetValue(chromedp.CSS(stepForm+` select[name=step]`), "pelaksanaan"))
		return manager.submit("skipping a step", stepForm+` button[type=submit]`)
	}(); status != 422 || !strings.Contains(manager.bodyText(), "alasan") {
		t.Fatalf("skipping a step without a reason: HTTP %d: %.300s", status, manager.bodyText())
	}
	manager.step(axe, "walk-13-step-skip-refused", "alasan")
	from := manager.facts()["Langkah"]
	for _, st := range []string{"identifikasi", "asesmen", "rencana intervensi", "pelaksanaan"} {
		if from == st {
			continue
		}
		manager.do("choosing "+st, chromedp.SetValue(chromedp.CSS(stepForm+` select[name=step]`), st))
		if status := manager.submit("moving to "+st, stepForm+` button[type=submit]`); status != 200 {
			t.Fatalf("moving to %s from %s: HTTP %d: %.300s", st, from, status, manager.bodyText())
		}
		if from = manager.facts()["Langkah"]; from != st {
			t.Fatalf("after moving to %s the step shown is %q", st, from)
		}
	}

	// The referral to the hospital.
	refForm := `form[action="` + casePath + `/rujukan"]`
	manager.openDetails(refForm, "Rujuk ke lembaga mitra")
	manager.do("filling in the referral",
		chromedp.SetValue(chromedp.CSS(refForm+` select[name=agency]`), rsud.ID),
		chromedp.SetValue(chromedp.CSS(refForm+` select[name=service]`), "Kesehatan"),
		chromedp.SetValue(chromedp.CSS(refForm+` input[name=due_date]`), due),
		insertText(refForm+` textarea[name=needs]`, "Visum et repertum dan perawatan luka."),
		chromedp.Click(chromedp.CSS(refForm+` input[name=consent][value=korban]`)))
	if status := manager.submit("sending the referral", refForm+` button[type=submit]`); status != 200 {
		t.Fatalf("the referral: HTTP %d: %.500s", status, manager.bodyText())
	}
	if rows := manager.sectionRows("rujukan"); len(rows) != 1 || rows[0][0] != rsud.Name || rows[0][3] != "Terkirim, menunggu jawaban" {
		t.Fatalf("the referrals listed: %q", rows)
	}
	manager.step(axe, "walk-14-referral-sent", "Terkirim, menunggu jawaban", "pelaksanaan")

	// 5. The partner, on a phone, accepts and records the service.
	await(t, partnerIn)
	if status := partner.open("/staf/rujukan"); status != 200 {
		t.Fatalf("the partner's referrals: HTTP %d", status)
	}
	partner.step(axe, "walk-15-partner-list", "Kesehatan", "Terkirim, menunggu jawaban")
	if status := partner.submit("opening the referral", `table.list a[href^="/staf/rujukan/"]`); status != 200 {
		t.Fatalf("the partner opening the referral: HTTP %d", status)
	}
	partner.step(axe, "walk-16-partner-referral", "Rujukan: Kesehatan", "Visum et repertum dan perawatan luka.")
	if status := partner.submit("accepting", `form[action$="/terima"] button[type=submit]`); status != 200 {
		t.Fatalf("accepting: HTTP %d: %.300s", status, partner.bodyText())
	}
	partner.step(axe, "walk-17-partner-accepted", "Diterima, sedang dilayani")
	partner.do("recording the service", insertText("#outcome", outcome))
	if status := partner.submit("completing", `form[action$="/selesai"] button[type=submit]`); status != 200 {
		t.Fatalf("completing: HTTP %d: %.300s", status, partner.bodyText())
	}
	if f := partner.facts(); f["Status"] != "Selesai" || f["Hasil layanan"] != today+": "+outcome {
		t.Fatalf("after completing the partner sees %q", f)
	}
	partner.step(axe, "walk-18-partner-done", "Selesai", outcome)

	// 6. The case manager sees the outcome and asks to close; the
	// request is theirs, so they cannot approve it.
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the manager reopening the case: HTTP %d", status)
	}
	if rows := manager.sectionRows("rujukan"); len(rows) != 1 || rows[0][3] != "Selesai" || rows[0][4] != today+": "+outcome {
		t.Fatalf("after the service the referrals read %q", rows)
	}
	manager.do("writing the closure note", insertText("#cnote", "Layanan selesai; korban aman dan didampingi keluarga."))
	if status := manager.submit("requesting closure", `form[action$="/minta-tutup"] button[type=submit]`); status != 200 {
		t.Fatalf("requesting closure: HTTP %d: %.300s", status, manager.bodyText())
	}
	if st := manager.facts()["Status"]; st != "penutupan diminta" {
		t.Fatalf("after the request the status is %q", st)
	}
	manager.step(axe, "walk-19-closure-requested", "penutupan diminta", "Selesai", "Anda yang meminta penutupan kasus ini")
	if n := eval[int](manager, `document.querySelectorAll('form[action$="/setujui-tutup"]').length`); n != 0 {
		t.Fatalf("the requester is offered %d approval forms", n)
	}
	// The server refuses it too: an approval form made by hand.
	eval[bool](manager, `(() => {
		const f = document.createElement("form"); f.method = "post"; f.action = location.pathname + "/setujui-tutup";
		const c = document.createElement("input"); c.type = "hidden"; c.name = "csrf"; c.value = document.querySelector("input[name=csrf]").value;
		const b = document.createElement("button"); b.type = "submit"; b.id = "own-approve"; b.textContent = "setujui";
		f.append(c, b); document.querySelector("main").append(f); return true;
	})()`)
	if status := manager.submit("approving their own request", `#own-approve`); status != 409 {
		t.Fatalf("the requester approving their own closure: HTTP %d: %.300s", status, manager.bodyText())
	}
	manager.step(axe, "walk-20-own-approval-refused", "Anda sendiri yang mengajukan permintaan ini; persetujuannya harus dari supervisor lain.")
	if status := manager.submit("going back to the case", `main a[href="`+casePath+`"]`); status != 200 || manager.facts()["Status"] != "penutupan diminta" {
		t.Fatalf("back to the case after the refusal: HTTP %d: %.300s", status, manager.bodyText())
	}

	// 7. The supervisor approves; the case is closed.
	if status := sup.open(casePath); status != 200 {
		t.Fatalf("the supervisor reopening the case: HTTP %d", status)
	}
	sup.do("writing the approval note", insertText("#anote", "Disetujui kepala UPTD."))
	if status := sup.submit("approving the closure", `form[action$="/setujui-tutup"] button[type=submit]`); status != 200 {
		t.Fatalf("approving: HTTP %d: %.300s", status, sup.bodyText())
	}
	if f := sup.facts(); f["Status"] != "ditutup" || f["Langkah"] != "terminasi" {
		t.Fatalf("the closed case shows %q", f)
	}
	sup.step(axe, "walk-21-closed", "ditutup", "Disetujui kepala UPTD.")
	t.Logf("the walk took %v", time.Since(start).Round(100*time.Millisecond))
}

// walkTimeout bounds the walk: about twenty pages, each checked by axe,
// by five people; on a busy machine it takes longer than one page's test.
const walkTimeout = 2 * browserTimeout

// policeDueRE is the TPKS police-report clock with its date in full.
var policeDueRE = regexp.MustCompile(`^Kasus TPKS: laporan ke polisi wajib paling lambat \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) \d{4}, \d\d:\d\d WIB$`)

// walkStart is when the walk began, for the timings it logs with -v.
var walkStart time.Time

// viewport is a screen size the walk uses.
type viewport struct {
	name string
	w, h int64
}

var (
	phone  = viewport{"phone", 390, 844}
	laptop = viewport{"laptop", 1366, 900}
)

// size emulates a phone's or a laptop's screen in the tab.
func (b *browser) size(v viewport) {
	b.t.Helper()
	b.do("resizing to a "+v.name, chromedp.EmulateViewport(v.w, v.h))
	b.view = v
}

// step checks the page in the tab: it shows every want (Indonesian text a
// person reads), passes axe when axe is given, and is saved as name.
func (b *browser) step(axe, name string, want ...string) {
	b.t.Helper()
	began := time.Now()
	text := b.bodyText()
	for _, w := range want {
		if !strings.Contains(text, w) {
			b.t.Fatalf("%s: the page does not show %q: %.1500s", name, w, text)
		}
	}
	// Nothing makes the page scroll sideways, on a phone or a laptop (a
	// table or a form wider than the screen hides its end).
	for _, v := range []viewport{phone, laptop} {
		b.do("resizing to a "+v.name, chromedp.EmulateViewport(v.w, v.h))
		if wide := eval[[]string](b, `innerWidth < document.documentElement.scrollWidth ? Array.from(document.querySelectorAll("main *"))
			.filter(e => e.getBoundingClientRect().right > innerWidth && !(e.parentElement && e.parentElement.getBoundingClientRect().right > innerWidth))
			.slice(0, 3).map(e => e.outerHTML.slice(0, 300)) : []`); len(wide) > 0 {
			b.t.Errorf("%s: the page is wider than a %s's %d pixels, first because of %q", name, v.name, v.w, wide)
		}
	}
	b.size(b.view)
	if axe != "" {
		b.checkAxe(name, axe)
	}
	b.screenshot(name)
	if testing.Verbose() {
		b.t.Logf("%s checked in %v (at %v)", name, time.Since(began).Round(10*time.Millisecond), time.Since(walkStart).Round(10*time.Millisecond))
	}
}

// screenshot saves the page on a phone and a laptop when SPIKER_SCREENSHOTS
// names a directory, and returns the tab to its size.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, v := range []viewport{phone, laptop} {
		b.do("resizing to a "+v.name, chromedp.EmulateViewport(v.w, v.h))
		img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, v.name)), img, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	if b.view.w != 0 {
		b.size(b.view)
	}
}

// tableRows returns the cells' text, row by row, of the first table
// matching sel.
func (b *browser) tableRows(sel string) [][]string {
	b.t.Helper()
	return eval[[][]string](b, fmt.Sprintf(`(() => {
		const t = document.querySelector(%q);
		return t ? Array.from(t.tBodies[0].rows, r => Array.from(r.cells, c => c.innerText.trim())) : [];
	})()`, sel))
}

// fillReportQuickly answers the report form with the mouse and whole
// inputs: physical and sexual violence, in Sukorejo, Lamongan, without
// contact. (fillReport types the kecamatan into its list, which a busy
// machine can slow past the list's type-ahead pause; that typing is
// TestBrowserReportWithJavaScript's subject, not the walk's.)
func (b *browser) fillReportQuickly() {
	b.t.Helper()
	b.do("answering the report form",
		chromedp.Click(chromedp.CSS(`input[name=role][value=korban]`)),
		chromedp.Click(chromedp.CSS(`input[name=types][value=Fisik]`)),
		chromedp.Click(chromedp.CSS(`input[name=types][value=Seksual]`)),
		insertText("#narrative", browserNarrative),
		chromedp.Click(chromedp.CSS(`input[name=danger][value=tidak]`)),
		chromedp.SetValue(chromedp.ID("kecamatan"), kecamatanCode),
		// As choosing from the list does: the page offers that kecamatan's desa.
		chromedp.Evaluate[chromedp.Void](`document.getElementById("kecamatan").dispatchEvent(new Event("change", {bubbles: true}))`),
		chromedp.SetValue(chromedp.ID("desa"), desaCode),
		chromedp.Click(chromedp.CSS(`input[name=contact][value=tidak]`)),
		chromedp.Click(chromedp.CSS(`input[name=consent]`)),
	)
	if d := eval[string](b, `document.getElementById("desa").value`); d != desaCode {
		b.t.Fatalf("desa = %q, want %s", d, desaCode)
	}
}
