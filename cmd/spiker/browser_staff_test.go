package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
)

// The back office in Chromium: enrolment with the QR code, the duty
// officer's inbox and reply, the case workflow across roles, break-glass,
// and axe-core on the staff pages. Each person works in a browser context
// of their own (no shared cookies) of the test's one Chromium.

const staffPassword = "tubruk pasar sapi kabut"

var (
	reportPathRE = regexp.MustCompile(`^/staf/laporan/[a-z0-9]+$`)
	casePathRE   = regexp.MustCompile(`^/staf/kasus/([a-z0-9]+)$`)
	enrolLinkRE  = regexp.MustCompile(`/staf/daftar\?t=[A-Za-z0-9_-]+`)
	groupedB32RE = regexp.MustCompile(`^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$`)
)

// person opens a new tab in a new browser context of the same Chromium:
// another person at another computer, with cookies of their own. The tab
// is made by its first action, which may run alongside the other tabs'.
func (b *browser) person() *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel) // before startBrowser's cleanup stops Chromium
	p := *b
	p.ctx = ctx
	return &p
}

// async runs fn in a goroutine, alongside the test; wait returns its error.
// fn must not fail the test itself (no t.Fatal off the test's goroutine),
// nor use a tab the test is using meanwhile. Should the test end first, its
// cleanup waits for fn before Chromium and the portal stop.
func async(t *testing.T, fn func() error) (wait func() error) {
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		err = fn()
	}()
	t.Cleanup(func() { <-done })
	return func() error {
		<-done
		return err
	}
}

// await fails the test with the errors of the waits, after all have ended.
func await(t *testing.T, waits ...func() error) {
	t.Helper()
	var errs []error
	for _, w := range waits {
		errs = append(errs, w())
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// newStaff returns a step that creates a user in region 35.24 with the
// command line and keeps the TOTP secret and (if asked) the enrolment link
// it prints: addStaffWithTOTP without failing the test, so that users can
// be made alongside other work.
func newStaff(t *testing.T, m *Main, name string, role spiker.Role, secret, enrolment *string) func() error {
	return func() error {
		code, stdout, stderr := runCLI(t, "", nil, "user", "add", "--data", m.Config.DataDir, "--username", name, "--role", string(role), "--region", "35.24")
		if code != 0 {
			return fmt.Errorf("user add %s: exit %d: %q", name, code, stderr)
		}
		var err error
		if *secret, err = enrolLink(m, stdout, staffPassword); err != nil {
			return fmt.Errorf("user add %s: %v", name, err)
		}
		if enrolment != nil {
			// An open link of a second, not yet enrolled account (the
			// first one's is spent).
			code, stdout, stderr := runCLI(t, "", nil, "user", "add", "--data", m.Config.DataDir, "--username", name+"-baru", "--role", string(role), "--region", "35.24")
			if *enrolment = enrolLinkRE.FindString(stdout); code != 0 || *enrolment == "" {
				return fmt.Errorf("user add %s-baru printed no enrolment link: %q", name, stderr)
			}
		}
		return nil
	}
}

// fileReport files validAnswers over HTTP as reportOverHTTP does, without
// failing the test.
func fileReport(m *Main) func() error {
	return func() error {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: browserTimeout}
		base := "http://" + m.PublicAddr()
		resp, err := c.Get(base + "/")
		if err != nil {
			return err
		}
		form, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		token := tokenRE.FindSubmatch(form)
		if token == nil {
			return fmt.Errorf("report form: HTTP %d without a token", resp.StatusCode)
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, vs := range validAnswers(string(token[1])) {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		mw.Close()
		resp, err = c.Post(base+"/", mw.FormDataContentType(), &body)
		if err != nil {
			return err
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !receiptRE.Match(page) {
			return fmt.Errorf("filing a report: HTTP %d without a receipt", resp.StatusCode)
		}
		return nil
	}
}

// insertText puts text into a field as one input, as pasting or an input
// method does (Input.insertText): the field has focus and the page sees
// an input event, at one DevTools call instead of two a letter.
func insertText(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.CSS(sel)), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return err
	}))
}

// tryOpen navigates to a path of the portal and returns the HTTP status.
func (b *browser) tryOpen(path string) (int64, error) {
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(b.base+path))
	if err != nil {
		return 0, fmt.Errorf("opening %s: %w", path, err)
	}
	if resp == nil {
		return 0, fmt.Errorf("opening %s: no page loaded", path)
	}
	return resp.Status, nil
}

// open navigates to a path of the portal and returns the HTTP status.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	status, err := b.tryOpen(path)
	if err != nil {
		b.t.Fatal(err)
	}
	return status
}

// path is the path of the page in the tab.
func (b *browser) path() string {
	b.t.Helper()
	loc := b.location()
	if !strings.HasPrefix(loc, b.base+"/") {
		b.t.Fatalf("the tab left the portal: %s", loc)
	}
	return strings.TrimPrefix(loc, b.base)
}

// signIn signs in through the form with the TOTP code of the time at, and
// checks it lands in the back office as that user. It does not fail the
// test, so that several people can sign in at once.
func (b *browser) signIn(name, secret string, at time.Time) func() error {
	return func() error {
		code, err := totp.GenerateCode(secret, at)
		if err != nil {
			return err
		}
		if status, err := b.tryOpen("/staf/masuk"); err != nil || status != 200 {
			return fmt.Errorf("sign-in page of %s: HTTP %d, %v", name, status, err)
		}
		// The name and password come in one input each (typing them key by
		// key costs a second a person); the code is typed.
		if err := chromedp.Do(b.ctx,
			insertText("#username", name),
			insertText("#password", staffPassword),
			chromedp.SendKeys(chromedp.ID("code"), code),
		); err != nil {
			return fmt.Errorf("filling in the sign-in form of %s: %w", name, err)
		}
		resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(`form[action="/staf/masuk"] button[type=submit]`)))
		if err != nil || resp == nil {
			return fmt.Errorf("signing in as %s: %v", name, err)
		}
		type landing struct{ URL, Who, Text string }
		l, err := chromedp.Run(b.ctx, chromedp.Evaluate[landing](`({url: location.href,
			who: (document.querySelector(".bar .who") || {}).innerText || "", text: document.body.innerText.slice(0, 300)})`))
		if err != nil {
			return err
		}
		if resp.Status != 200 || l.URL != b.base+"/staf/" || !strings.HasPrefix(l.Who, name+" ") {
			return fmt.Errorf("signing in as %s: HTTP %d at %s, the bar says %q: %s", name, resp.Status, l.URL, l.Who, l.Text)
		}
		return nil
	}
}

// facts reads a record page's facts list as dt → dd.
func (b *browser) facts() map[string]string {
	b.t.Helper()
	return eval[map[string]string](b, `Object.fromEntries(Array.from(document.querySelectorAll(".facts dt"),
		dt => [dt.innerText.trim(), dt.nextElementSibling ? dt.nextElementSibling.innerText.trim() : ""]))`)
}

// timeline is the text of a page's message or entry list.
func (b *browser) timeline() []string {
	b.t.Helper()
	return eval[[]string](b, `Array.from(document.querySelectorAll(".msgs li .body"), p => p.innerText)`)
}

// openReportFromInbox clicks the only report of the inbox and returns its path.
func (b *browser) openReportFromInbox() string {
	b.t.Helper()
	links := eval[[]string](b, `Array.from(document.querySelectorAll("table.list a"), a => a.getAttribute("href"))`)
	if len(links) != 1 || !reportPathRE.MatchString(links[0]) {
		b.t.Fatalf("the inbox links to %q, want one report: %.500s", links, b.bodyText())
	}
	if status := b.submit("opening the report from the inbox", `table.list a[href="`+links[0]+`"]`); status != 200 {
		b.t.Fatalf("opening the report: HTTP %d: %.300s", status, b.bodyText())
	}
	if p := b.path(); p != links[0] {
		b.t.Fatalf("the inbox link %s led to %s", links[0], p)
	}
	return links[0]
}

// openCase opens a case from the report page in the tab and returns the
// case's path.
func (b *browser) openCase(summary string) string {
	b.t.Helper()
	b.do("writing the case summary", insertText("#summary", summary))
	if status := b.submit("opening a case", `form[action$="/kasus"] button[type=submit]`); status != 200 {
		b.t.Fatalf("opening a case: HTTP %d: %.300s", status, b.bodyText())
	}
	p := b.path()
	if !casePathRE.MatchString(p) {
		b.t.Fatalf("opening a case led to %s: %.300s", p, b.bodyText())
	}
	if got := b.facts()["Ringkasan kasus"]; got != summary {
		b.t.Fatalf("the new case shows the summary %q, want %q", got, summary)
	}
	return p
}

// optionalAxe returns axe-core for the pages a test passes on its way, when
// SPIKER_AXE_JS is set (as in CI); without it those checks are left out.
func optionalAxe(t *testing.T) string {
	t.Helper()
	if os.Getenv("SPIKER_AXE_JS") == "" {
		return ""
	}
	return axeSource(t)
}

func TestBrowserStaffEnrolment(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	code, stdout, stderr := runCLI(t, "", nil, "user", "add", "--data", b.m.Config.DataDir, "--username", "konselor.baru", "--role", "konselor_piket")
	link := enrolLinkRE.FindString(stdout)
	if code != 0 || link == "" {
		t.Fatalf("user add: exit %d, no enrolment link in %q", code, stderr)
	}
	if status := b.open(link); status != 200 {
		t.Fatalf("enrolment page: HTTP %d: %.300s", status, b.bodyText())
	}

	// The QR code is drawn by the portal and loads under its CSP.
	type imgState struct {
		Src, Alt          string
		Complete, Visible bool
		Width, Height     int
	}
	qr := eval[imgState](b, `(() => {
		const i = document.querySelector("main img");
		if (!i) return {src: ""};
		const r = i.getBoundingClientRect();
		return {src: i.getAttribute("src"), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight,
			alt: i.alt, visible: r.width > 0 && r.height > 0};
	})()`)
	if !strings.HasPrefix(qr.Src, "/staf/daftar/qr?t=") || !qr.Complete || qr.Width == 0 || qr.Width != qr.Height || !qr.Visible || qr.Alt == "" {
		t.Fatalf("the QR code did not load: %+v", qr)
	}

	shown := eval[string](b, `(document.querySelector("code.secret") || {}).innerText || ""`)
	if !groupedB32RE.MatchString(shown) {
		t.Fatalf("the secret for typing is %q, want base32 in groups of 4", shown)
	}
	secret := strings.ReplaceAll(shown, " ", "")
	otp, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("the shown secret is no TOTP secret: %v", err)
	}

	// A wrong code: the page again, with the error and the same secret
	// (the app already holds it); the link still works.
	b.do("typing the password and a wrong code", insertText("#password", staffPassword), insertText("#password2", staffPassword),
		chromedp.SendKeys(chromedp.ID("code"), "000000"))
	if status := b.submit("enrolling with a wrong code", `form[action="/staf/daftar"] button[type=submit]`); status != 401 {
		t.Fatalf("wrong code: HTTP %d", status)
	}
	if e := eval[string](b, `(document.querySelector(".err[role=alert]") || {}).innerText || ""`); !strings.Contains(e, "salah") {
		t.Fatalf("wrong code: no error shown: %.300s", b.bodyText())
	}
	if again := eval[string](b, `(document.querySelector("code.secret") || {}).innerText || ""`); again != shown {
		t.Fatalf("the secret changed after a wrong code: %q, was %q", again, shown)
	}

	b.do("choosing the password and typing the code", insertText("#password", staffPassword), insertText("#password2", staffPassword),
		chromedp.SendKeys(chromedp.ID("code"), otp))
	if status := b.submit("finishing the enrolment", `form[action="/staf/daftar"] button[type=submit]`); status != 200 {
		t.Fatalf("enrolment: HTTP %d: %.300s", status, b.bodyText())
	}
	if p := b.path(); p != "/staf/" {
		t.Fatalf("enrolment landed on %s: %.300s", p, b.bodyText())
	}
	if h := eval[string](b, `(document.querySelector("main h1") || {}).innerText || ""`); h != "Kotak masuk laporan" {
		t.Fatalf("after enrolment the page is %q: %.300s", h, b.bodyText())
	}
	if who := eval[string](b, `(document.querySelector(".bar .who") || {}).innerText || ""`); !strings.HasPrefix(who, "konselor.baru ") {
		t.Fatalf("after enrolment the bar says %q", who)
	}
	// The link is spent, also for whoever finds it later.
	if status, _ := get(t, b.base+link); status != 404 {
		t.Fatalf("the enrolment link works twice: HTTP %d", status)
	}
}

func TestBrowserStaffAnswersReport(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)

	// The officer comes on duty while the reporter, in the first tab, files
	// through the form.
	officer := b.person()
	onDuty := async(t, func() error {
		var secret string
		if err := newStaff(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, &secret, nil)(); err != nil {
			return err
		}
		status, err := officer.tryOpen("/staf/")
		if err != nil {
			return err
		}
		if loc, err := chromedp.Run(officer.ctx, chromedp.Location()); err != nil || status != 200 || loc != b.base+"/staf/masuk" {
			return fmt.Errorf("the inbox without a session: HTTP %d at %s (%v)", status, loc, err)
		}
		return officer.signIn("konselor.satu", secret, time.Now())()
	})
	if status := b.open("/"); status != 200 {
		t.Fatalf("report form: HTTP %d", status)
	}
	b.fillReport(true)
	receipt := b.submitReport()
	await(t, onDuty)

	if status := officer.open("/staf/"); status != 200 {
		t.Fatalf("the inbox: HTTP %d", status)
	}
	if text := officer.bodyText(); !strings.Contains(text, "Sukorejo") {
		t.Fatalf("the inbox does not show the report's desa: %.500s", text)
	}
	reportPath := officer.openReportFromInbox()
	if n := eval[string](officer, `(document.querySelector(".narrative") || {}).innerText || ""`); n != browserNarrative {
		t.Fatalf("the report shows %q, want the reporter's words", n)
	}

	const reply = "Ibu, kami dari UPTD PPA. Apakah Ibu aman sekarang?"
	officer.do("writing the reply", insertText("#body", reply))
	if status := officer.submit("sending the reply", `form[action$="/balas"] button[type=submit]`); status != 200 {
		t.Fatalf("reply: HTTP %d: %.300s", status, officer.bodyText())
	}
	if p := officer.path(); p != reportPath {
		t.Errorf("after the reply the officer is at %s, want the report", p)
	}
	if msgs := officer.timeline(); len(msgs) != 1 || msgs[0] != reply {
		t.Fatalf("the report's conversation is %q, want the reply", msgs)
	}

	// The reporter sees it on the follow-up.
	if status := b.openFollowup(receipt); status != 200 {
		t.Fatalf("follow-up: HTTP %d: %.300s", status, b.bodyText())
	}
	if msgs := b.timeline(); len(msgs) != 1 || msgs[0] != reply {
		t.Fatalf("the reporter's conversation is %q, want the officer's reply", msgs)
	}
}

func TestBrowserStaffCaseWorkflow(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	var kSecret, sSecret, mSecret string
	await(t,
		async(t, newStaff(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, &kSecret, nil)),
		async(t, newStaff(t, b.m, "kepala.uptd", spiker.RoleSupervisor, &sSecret, nil)),
		async(t, newStaff(t, b.m, "manajer.satu", spiker.RoleManajerKasus, &mSecret, nil)),
		async(t, fileReport(b.m)),
	)
	officer, sup, manager := b, b.person(), b.person()
	now := time.Now()
	await(t,
		async(t, officer.signIn("konselor.satu", kSecret, now)),
		async(t, sup.signIn("kepala.uptd", sSecret, now)),
		async(t, manager.signIn("manajer.satu", mSecret, now)),
	)

	if status := officer.open("/staf/"); status != 200 {
		t.Fatalf("the inbox: HTTP %d", status)
	}
	officer.openReportFromInbox()
	casePath := officer.openCase("KDRT fisik; korban sementara di rumah ibunya.")

	// The supervisor puts the manager on the case, chosen from the list.
	if status := sup.open(casePath); status != 200 {
		t.Fatalf("supervisor opening the case: HTTP %d", status)
	}
	if !eval[bool](sup, `(() => { const s = document.querySelector('form[action$="/tim"] select[name=user]');
		const o = [...s.options].find(o => o.text.startsWith('manajer.satu ·')); if (!o) return false; s.value = o.value; return true })()`) {
		t.Fatal("manajer.satu is not among the eligible colleagues")
	}
	if status := sup.submit("assigning the manager", `form[action$="/tim"] button[type=submit]`); status != 200 {
		t.Fatalf("assign: HTTP %d: %.300s", status, sup.bodyText())
	}
	if team := eval[string](sup, `document.querySelector('#tim + table').innerText`); !strings.Contains(team, "manajer.satu") {
		t.Fatalf("the case team is %q after assigning manajer.satu", team)
	}
	if status := sup.submit("naming the case manager", `form[action$="/tim/manajer"][data-user="manajer.satu"] button[type=submit]`); status != 200 {
		t.Fatalf("naming the case manager: HTTP %d: %.300s", status, sup.bodyText())
	}
	if f := sup.facts()["Manajer kasus"]; f != "manajer.satu" {
		t.Fatalf("the case manager shown is %q", f)
	}
	// The team list passes axe, on a phone too; with SPIKER_SCREENSHOTS it is saved.
	if axe := optionalAxe(t); axe != "" {
		sup.checkAxe("the case page with its team", axe)
	}
	if dir := os.Getenv("SPIKER_SCREENSHOTS"); dir != "" {
		for _, v := range []struct {
			name string
			w, h int64
		}{{"case-team-phone", 390, 844}, {"case-team-laptop", 1366, 900}} {
			sup.do("resizing to "+v.name, chromedp.EmulateViewport(v.w, v.h))
			img, err := chromedp.Run(sup.ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, v.name+".png"), img, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The manager records an assessment and a service, and asks to close.
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the assigned manager opening the case: HTTP %d: %.300s", status, manager.bodyText())
	}
	entries := []struct{ kind, category, body string }{
		{"asesmen", "Biopsikososial", "Korban cemas, sulit tidur."},
		{"layanan", "Kesehatan", "Visum di RSUD Dr. Soegiri."},
	}
	for i, e := range entries {
		manager.do("writing the "+e.kind+" entry",
			chromedp.SetValue(chromedp.CSS(`form[action$="/catatan"] select[name=kind]`), e.kind),
			chromedp.SetValue(chromedp.CSS(`form[action$="/catatan"] select[name=category]`), e.category),
			insertText("#entry", e.body),
		)
		chosen := eval[[]string](manager, `["kind", "category"].map(n => document.querySelector('form[action$="/catatan"] select[name=' + n + ']').value)`)
		if len(chosen) != 2 || chosen[0] != e.kind || chosen[1] != e.category {
			t.Fatalf("the selects hold %q, want %s/%s", chosen, e.kind, e.category)
		}
		if status := manager.submit("saving the "+e.kind+" entry", `form[action$="/catatan"] button[type=submit]`); status != 200 {
			t.Fatalf("entry %s: HTTP %d: %.300s", e.kind, status, manager.bodyText())
		}
		if p := manager.path(); p != casePath {
			t.Fatalf("after the entry the manager is at %s", p)
		}
		tl := manager.timeline()
		if len(tl) != i+1 || !strings.Contains(strings.Join(tl, "\n"), e.body) {
			t.Fatalf("after the %s entry the timeline is %q", e.kind, tl)
		}
		if who := eval[string](manager, `Array.from(document.querySelectorAll(".msgs li .who"), p => p.innerText).join("\n")`); !strings.Contains(who, e.category) {
			t.Fatalf("the timeline does not name the category %s: %q", e.category, who)
		}
	}
	if n := eval[int](manager, `document.querySelectorAll('form[action$="/setujui-tutup"]').length`); n != 0 {
		t.Fatal("the manager is offered to approve the closure")
	}
	manager.do("writing the closure note", insertText("#cnote", "Layanan selesai, korban aman."))
	if status := manager.submit("requesting closure", `form[action$="/minta-tutup"] button[type=submit]`); status != 200 {
		t.Fatalf("request closure: HTTP %d: %.300s", status, manager.bodyText())
	}
	if st := manager.facts()["Status"]; st != spiker.CaseClosureRequested {
		t.Fatalf("after the request the status is %q", st)
	}

	// The supervisor approves.
	if status := sup.open(casePath); status != 200 {
		t.Fatalf("supervisor reopening the case: HTTP %d", status)
	}
	sup.do("writing the approval note", insertText("#anote", "disetujui kepala"))
	if status := sup.submit("approving the closure", `form[action$="/setujui-tutup"] button[type=submit]`); status != 200 {
		t.Fatalf("approve closure: HTTP %d: %.300s", status, sup.bodyText())
	}
	f := sup.facts()
	if f["Status"] != spiker.CaseClosed || f["Langkah"] != "terminasi" {
		t.Fatalf("the closed case shows status %q, step %q; facts %q", f["Status"], f["Langkah"], f)
	}
	if text := sup.bodyText(); !strings.Contains(text, "disetujui kepala") || !strings.Contains(text, entries[1].body) {
		t.Fatalf("the closed case page lacks the approval or the entries: %.800s", text)
	}
	if n := eval[int](sup, `document.querySelectorAll('form[action$="/catatan"], form[action$="/tim"], form[action$="/setujui-tutup"]').length`); n != 0 {
		t.Fatalf("the closed case still offers %d forms to change it", n)
	}

	// The supervisor takes the manager off the case, with a reason.
	sup.do("opening the removal form", chromedp.Click(chromedp.CSS(`details[data-user="manajer.satu"] summary`)))
	sup.do("writing the reason", insertText(`form[data-user="manajer.satu"][action$="/tim/keluarkan"] input[name=remove_reason]`, "Dipindah ke kasus lain"))
	if status := sup.submit("removing the manager", `form[data-user="manajer.satu"][action$="/tim/keluarkan"] button[type=submit]`); status != 200 {
		t.Fatalf("removal: HTTP %d: %.300s", status, sup.bodyText())
	}
	if team := eval[string](sup, `document.querySelector('#tim + table').innerText`); strings.Contains(team, "manajer.satu") {
		t.Fatalf("the team after removal: %q", team)
	}
	if status := manager.open(casePath); status != 403 {
		t.Fatalf("the removed manager opening the case: HTTP %d", status)
	}
}

func TestBrowserStaffBreakGlass(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	var kSecret, sSecret, mSecret string
	await(t,
		async(t, newStaff(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, &kSecret, nil)),
		async(t, newStaff(t, b.m, "kepala.uptd", spiker.RoleSupervisor, &sSecret, nil)),
		async(t, newStaff(t, b.m, "manajer.dua", spiker.RoleManajerKasus, &mSecret, nil)),
		async(t, fileReport(b.m)),
	)
	manager, sup := b, b.person()
	now := time.Now()
	signedIn := []func() error{async(t, manager.signIn("manajer.dua", mSecret, now)), async(t, sup.signIn("kepala.uptd", sSecret, now))}

	// Meanwhile the duty officer opens the case over HTTP.
	officer := newPortal(t, b.m)
	oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
	_, inbox := officer.get("/staf/")
	link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)
	if link == nil {
		t.Fatalf("no report in the inbox: %.500s", inbox)
	}
	resp, _ := officer.post(link[1]+"/kasus", url.Values{"csrf": {oc}, "summary": {"KDRT"}}, nil)
	casePath := resp.Header.Get("Location")
	m := casePathRE.FindStringSubmatch(casePath)
	if resp.StatusCode != 303 || m == nil {
		t.Fatalf("opening the case: %d %q", resp.StatusCode, casePath)
	}
	caseID := m[1]
	await(t, signedIn...)

	// The manager, not on the case, gets the form instead of a dead end.
	if status := manager.open(casePath); status != 403 {
		t.Fatalf("a manager off the case: HTTP %d: %.300s", status, manager.bodyText())
	}
	if n := eval[int](manager, `document.querySelectorAll('form[action="/staf/kasus/`+caseID+`/break-glass"] textarea#reason').length`); n != 1 {
		t.Fatalf("no break-glass form: %.500s", manager.bodyText())
	}
	if strings.Contains(manager.bodyText(), "KDRT") {
		t.Fatal("the refusal shows the case summary")
	}
	axe := optionalAxe(t)
	if axe != "" {
		manager.checkAxe("break-glass request page", axe)
	}
	// The browser itself holds back too short a reason.
	manager.do("typing a short reason", insertText("#reason", "perlu"))
	if short := eval[bool](manager, `document.getElementById("reason").validity.tooShort`); !short {
		t.Error("a reason of 5 letters passes the form's check")
	}
	const reason = "Korban datang malam ini; konselor kasus tidak bisa dihubungi."
	manager.do("stating the reason", chromedp.Evaluate[chromedp.Void](`document.getElementById("reason").value = ""`), insertText("#reason", reason))
	if status := manager.submit("asking for the case", `form[action$="/break-glass"] button[type=submit]`); status != 200 {
		t.Fatalf("break-glass request: HTTP %d: %.300s", status, manager.bodyText())
	}
	if ok := eval[string](manager, `(document.querySelector(".ok[role=status]") || {}).innerText || ""`); !strings.Contains(ok, "Permintaan terkirim") {
		t.Fatalf("no confirmation of the request: %.300s", manager.bodyText())
	}
	if status := manager.open(casePath); status != 403 {
		t.Fatalf("the case opens before approval: HTTP %d", status)
	}

	// The supervisor sees who asks and why, and approves.
	if status := sup.open("/staf/"); status != 200 {
		t.Fatalf("supervisor home: HTTP %d", status)
	}
	type bgRow struct{ Who, Reason, Action string }
	rows := eval[[]bgRow](sup, `Array.from(document.querySelectorAll("main table.list")).filter(t =>
		t.querySelector('form[action$="/break-glass/setujui"]') || t.innerText.includes("dibuka sampai")).flatMap(t =>
		Array.from(t.querySelectorAll("tbody tr"), r => ({who: r.cells[1].innerText, reason: r.cells[2].innerText, action: r.cells[3].innerText})))`)
	if len(rows) != 1 || rows[0].Who != "manajer.dua" || rows[0].Reason != reason {
		t.Fatalf("the supervisor sees the requests %+v, want manajer.dua's with the reason", rows)
	}
	if axe != "" {
		sup.checkAxe("supervisor home with a break-glass request", axe)
	}
	approve := `form[action="/staf/kasus/` + caseID + `/break-glass/setujui"] button[type=submit]`
	if status := sup.submit("approving the request", approve); status != 200 {
		t.Fatalf("approve: HTTP %d: %.300s", status, sup.bodyText())
	}
	if p := sup.path(); p != "/staf/" {
		t.Errorf("after approving the supervisor is at %s", p)
	}
	if n := eval[int](sup, `document.querySelectorAll('`+approve+`').length`); n != 0 || !strings.Contains(sup.bodyText(), "dibuka sampai") {
		t.Fatalf("the request still waits after approval: %.500s", sup.bodyText())
	}

	// Now the manager can open the case.
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the manager after approval: HTTP %d: %.300s", status, manager.bodyText())
	}
	if got := manager.facts()["Ringkasan kasus"]; got != "KDRT" {
		t.Fatalf("the opened case shows summary %q: %.300s", got, manager.bodyText())
	}

	entries, err := b.m.Audit.ListAudit(context.Background(), 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// The log keeps the request and the opening, never the reason (it is
	// sealed to the supervisors, who read it on their home page above).
	var requested, opened bool
	for _, e := range entries {
		switch e.Action {
		case "case.break_glass_request":
			requested = requested || e.Actor == "manajer.dua" && e.RecordID == caseID
		case "case.break_glass_open":
			opened = opened || e.Actor == "kepala.uptd" && e.RecordID == caseID
		}
		if strings.Contains(e.Reason, reason) {
			t.Errorf("the break-glass reason is in the audit log: %+v", e)
		}
	}
	if !requested || !opened {
		t.Fatalf("audit: request logged %v, opening logged %v; log %+v", requested, opened, entries)
	}
}

func TestBrowserStaffAccessibility(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	b := startBrowser(t)
	officer, admin := b, b.person()
	var kSecret, aSecret, enrolment string
	await(t,
		async(t, newStaff(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, &kSecret, nil)),
		async(t, newStaff(t, b.m, "admin", spiker.RoleAdmin, &aSecret, &enrolment)),
		async(t, fileReport(b.m)),
	)
	// The admin's enrolment link shows the enrolment page (the admin then
	// signs in with the secret the command printed, as a user may).
	enrolPage := async(t, func() error {
		if status, err := admin.tryOpen(enrolment); err != nil || status != 200 {
			return fmt.Errorf("enrolment page: HTTP %d, %v", status, err)
		}
		return nil
	})

	if status := officer.open("/staf/masuk"); status != 200 {
		t.Fatalf("sign-in page: HTTP %d", status)
	}
	officer.checkAxe("staff sign-in page", axe)
	officer.do("signing in with a wrong code",
		insertText("#username", "konselor.satu"),
		insertText("#password", staffPassword),
		chromedp.SendKeys(chromedp.ID("code"), "000000"))
	if status := officer.submit("signing in with a wrong code", `form[action="/staf/masuk"] button[type=submit]`); status != 401 {
		t.Fatalf("wrong code: HTTP %d", status)
	}
	if e := eval[string](officer, `(document.querySelector(".err[role=alert]") || {}).innerText || ""`); e == "" {
		t.Fatalf("wrong code: no error shown: %.300s", officer.bodyText())
	}
	officer.checkAxe("staff sign-in page with an error", axe)
	await(t, enrolPage)
	admin.checkAxe("enrolment page", axe)

	adminIn := async(t, func() error {
		if err := admin.signIn("admin", aSecret, time.Now())(); err != nil {
			return err
		}
		if status, err := admin.tryOpen("/staf/pengguna"); err != nil || status != 200 {
			return fmt.Errorf("users page: HTTP %d, %v", status, err)
		}
		return nil
	})
	await(t, officer.signIn("konselor.satu", kSecret, time.Now()))
	officer.checkAxe("inbox", axe)
	officer.openReportFromInbox()
	officer.checkAxe("report page", axe)
	officer.openCase("KDRT fisik")
	officer.checkAxe("case page", axe)

	// The users page, with every user's change forms open (closed, they
	// are not rendered, and axe would check less).
	await(t, adminIn)
	admin.do("opening every user's forms", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`))
	if n := eval[int](admin, `document.querySelectorAll("details[open] form").length`); n < 4 {
		t.Fatalf("the users page shows %d change forms, want those of both users", n)
	}
	admin.checkAxe("users page", axe)
}
