package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// The browser tests drive Debian's Chromium (headless, through the DevTools
// protocol) against a real portal on SQLite: the report form with and
// without JavaScript, the follow-up, quick exit, the origin the pages talk
// to, and axe-core's accessibility rules. Without Chromium they are skipped,
// unless SPIKER_TEST_BROWSER=1 (CI) makes a missing browser a failure.

// browserTimeout bounds each browser test, so a hang cannot eat the CI budget.
const browserTimeout = 60 * time.Second

// browserRequired reports whether the browser tests must run (CI).
func browserRequired() bool { return os.Getenv("SPIKER_TEST_BROWSER") == "1" }

// chromiumPath returns Debian's Chromium, or skips (fails in CI) without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the browser tests are skipped")
	}
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if browserRequired() {
		t.Fatal("Chromium is not installed (apt-get install chromium), and SPIKER_TEST_BROWSER=1 requires the browser tests")
	}
	t.Skip("Chromium is not installed: apt-get install chromium (SPIKER_TEST_BROWSER=1 turns this skip into a failure)")
	return ""
}

// exitPage is the neutral site quick exit goes to.
const exitPage = `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Cuaca</title></head>` +
	`<body><h1>Cuaca hari ini</h1><p>Cerah berawan.</p></body></html>`

// exitSite serves exitPage over HTTPS on another port of this machine (the
// portal accepts only an https:// exit address). While held, its answers
// wait, so a test can look at the portal page between the exit and the
// arrival of the neutral page.
type exitSite struct {
	*httptest.Server
	mu   sync.Mutex
	gate chan struct{}
}

func newExitSite(t *testing.T) *exitSite {
	e := &exitSite{}
	e.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		gate := e.gate
		e.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			case <-time.After(browserTimeout):
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, exitPage)
	}))
	// The browser drops connections when it ends; that is no news.
	e.Config.ErrorLog = log.New(io.Discard, "", 0)
	e.StartTLS()
	t.Cleanup(e.Close)
	return e
}

// hold makes the exit site's answers wait until release is called.
func (e *exitSite) hold() (release func()) {
	gate := make(chan struct{})
	e.mu.Lock()
	e.gate = gate
	e.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Lock()
			e.gate = nil
			e.mu.Unlock()
			close(gate)
		})
	}
}

// browser is one Chromium with a fresh profile, one tab, and its own portal.
type browser struct {
	t       *testing.T
	ctx     context.Context // the tab
	m       *Main
	logs    *syncBuffer
	base    string // http://host:port of the portal
	exit    *exitSite
	exitURL string
	view    viewport // the screen the tab emulates, once size is called
}

// startBrowser starts a portal on SQLite whose quick exit goes to a local
// neutral site, and a headless Chromium to drive it.
func startBrowser(t *testing.T, options ...func(*Config)) *browser {
	t.Helper()
	return startBrowserWithin(t, browserTimeout, options...)
}

// startBrowserWithin is startBrowser for a test that may take longer than
// browserTimeout (a walk through many pages): Chromium stops after limit.
func startBrowserWithin(t *testing.T, limit time.Duration, options ...func(*Config)) *browser {
	t.Helper()
	path := chromiumPath(t)
	exit := newExitSite(t)
	exitURL := exit.URL + "/"
	m, logs := startMain(t, t.TempDir(), "", append([]func(*Config){func(c *Config) { c.ExitURL = exitURL }}, options...)...)

	profile, err := os.MkdirTemp("", "spiker-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	timeout, cancelTimeout := context.WithTimeout(context.Background(), limit)
	alloc, cancelAlloc := chromedp.NewExecAllocator(timeout,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is small in containers
		chromedp.Flag("accept-lang", "id-ID,id"),     // the portal's people read Indonesian
		chromedp.IgnoreCertErrors,                    // the exit site's certificate is httptest's
		chromedp.UserDataDir(profile),
		// Taller than any portal page: nothing scrolls, so the sticky quick
		// exit bar never lies over an element a test clicks.
		chromedp.WindowSize(1000, 4200),
	)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // kills Chromium and waits for it
		cancelTimeout()
		os.RemoveAll(profile)
	})
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return &browser{t: t, ctx: tab, m: m, logs: logs, base: "http://" + m.PublicAddr(), exit: exit, exitURL: exitURL}
}

// do runs the steps in the tab, failing the test with what was being done.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page (through DevTools, so
// it works with the page's scripts switched off and under its CSP).
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %.80s: %v", expr, err)
	}
	return v
}

// submit clicks a submit button and waits for the page it leads to; it
// returns that page's HTTP status.
func (b *browser) submit(what, button string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		b.t.Fatalf("%s: the click loaded no page", what)
	}
	return resp.Status
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// bodyText is the text of the page as a person sees it.
func (b *browser) bodyText() string {
	b.t.Helper()
	return eval[string](b, `document.body ? document.body.innerText : ""`)
}

// waitLocation waits until the tab shows want and has loaded it.
func (b *browser) waitLocation(want string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		loc, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.href : ""`))
		if err == nil && loc == want {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the tab shows %q (%v), want %q", b.location(), err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const (
	browserNarrative = "Suami saya memukul saya kemarin malam di dapur."
	kecamatanCode    = "35.24.22"      // Lamongan
	desaCode         = "35.24.22.1012" // Sukorejo; 35.24.21 and 35.24.24 have a Sukorejo too
)

// optgroupState is what the desa list shows of one kecamatan.
type optgroupState struct {
	K        string `json:"k"`
	Hidden   bool   `json:"hidden"`
	Disabled bool   `json:"disabled"`
	Options  int    `json:"options"`
}

// fillReport answers the report form as a person does, with the mouse and
// the keyboard, and checks the desa list on the way: with JavaScript it
// offers only the chosen kecamatan's desa, without it every kecamatan's.
func (b *browser) fillReport(js bool) {
	b.t.Helper()
	b.do("answering the first questions",
		chromedp.Click(chromedp.CSS(`input[name=role][value=korban]`)),
		chromedp.Click(chromedp.CSS(`input[name=types][value=Fisik]`)),
		chromedp.SendKeys(chromedp.ID("narrative"), browserNarrative),
		chromedp.Click(chromedp.CSS(`input[name=danger][value=tidak]`)),
		// Typing a name into a closed select chooses it (and fires change).
		chromedp.SendKeys(chromedp.ID("kecamatan"), "Lamongan"),
	)
	if k := eval[string](b, `document.getElementById("kecamatan").value`); k != kecamatanCode {
		b.t.Fatalf("kecamatan = %q after typing Lamongan, want %s", k, kecamatanCode)
	}
	groups := eval[[]optgroupState](b, `Array.from(document.querySelectorAll("#desa optgroup"), g =>
		({k: g.dataset.k, hidden: g.hidden, disabled: g.disabled, options: g.querySelectorAll("option").length}))`)
	kecamatans := eval[int](b, `document.querySelectorAll("#kecamatan option[value]:not([value=''])").length`)
	switch {
	case js && (len(groups) != 1 || groups[0].K != kecamatanCode):
		b.t.Fatalf("with JavaScript the desa list holds %+v, want only the chosen kecamatan's", groups)
	case !js && (len(groups) < 2 || len(groups) != kecamatans):
		b.t.Fatalf("without JavaScript the desa list has %d kecamatan groups for %d kecamatan", len(groups), kecamatans)
	}
	for _, g := range groups {
		if g.Options == 0 || g.Hidden || g.Disabled {
			b.t.Errorf("the desa of %s are not offered: %+v", g.K, g)
		}
	}
	if js {
		// Only Lamongan's Sukorejo can be chosen now, though two other
		// kecamatan, listed before it, have a Sukorejo.
		b.do("choosing the desa", chromedp.SendKeys(chromedp.ID("desa"), "Sukorejo"))
	} else {
		// Typing would choose the first Sukorejo of the whole list; a person
		// picks the one under Lamongan from the open list.
		b.do("choosing the desa", chromedp.SetValue(chromedp.ID("desa"), desaCode))
	}
	if d := eval[string](b, `document.getElementById("desa").value`); d != desaCode {
		b.t.Fatalf("desa = %q, want %s", d, desaCode)
	}

	// The contact details are asked only when contact is wanted (with
	// JavaScript; without it they are always there).
	contactHidden := func() bool { return eval[bool](b, `document.querySelector(".contact").hidden`) }
	b.do("wanting contact", chromedp.Click(chromedp.CSS(`input[name=contact][value=ya]`)))
	if contactHidden() {
		b.t.Error("the contact details are hidden while contact is wanted")
	}
	b.do("not wanting contact", chromedp.Click(chromedp.CSS(`input[name=contact][value=tidak]`)))
	if contactHidden() != js {
		b.t.Errorf("contact details hidden = %v with contact refused, want %v (JavaScript %v)", contactHidden(), js, js)
	}
	b.do("consenting", chromedp.Click(chromedp.CSS(`input[name=consent]`)))
}

var receiptAttrRE = regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)

// submitReport sends the filled form and returns the receipt it shows.
func (b *browser) submitReport() string {
	b.t.Helper()
	// The form's history entry is pointed at /aman as it is sent, which
	// DevTools reports as a navigation of its own: wait for the receipt
	// page instead of the click's response.
	b.do("sending the report", chromedp.Click(chromedp.CSS(`#lapor button[type=submit]`)))
	b.waitLocation(b.base + "/tanda-terima")
	receipt := eval[string](b, `(document.querySelector(".receipt") || {getAttribute: () => ""}).getAttribute("aria-label") || ""`)
	if !receiptAttrRE.MatchString(receipt) {
		b.t.Fatalf("no receipt of 16 digits in 4 groups: %q; page: %.400s", receipt, b.bodyText())
	}
	shown := eval[string](b, `document.querySelector(".receipt").innerText`)
	if strings.Join(strings.Fields(shown), " ") != receipt {
		b.t.Fatalf("the receipt shows %q, its label says %q", shown, receipt)
	}
	if loc := b.location(); loc != b.base+"/tanda-terima" {
		b.t.Errorf("the receipt page is at %s", loc)
	}
	return receipt
}

// storedRegion returns the region of the only stored report.
func storedRegion(t *testing.T, m *Main) string {
	t.Helper()
	if n := countReports(t, m); n != 1 {
		t.Fatalf("%d reports stored, want 1", n)
	}
	var code string
	m.DB.View(context.Background(), func(tx *sqldb.Tx) error {
		return tx.Get(context.Background(), `SELECT region_code FROM reports`, nil, &code)
	})
	return code
}

func TestBrowserReportWithJavaScript(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	b.do("opening the report form", chromedp.Navigate(b.base+"/"))
	if ran := eval[bool](b, `!!document.getElementById("desa") && document.querySelectorAll("#desa optgroup").length == 0`); !ran {
		t.Fatal("report.js did not run: the desa list is missing or offers desa before a kecamatan is chosen")
	}
	b.fillReport(true)
	b.submitReport()
	if code := storedRegion(t, b.m); code != desaCode {
		t.Fatalf("stored region %q, want %s", code, desaCode)
	}
}

func TestBrowserReportWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	b.do("opening the report form", chromedp.Navigate(b.base+"/"))
	b.fillReport(false)
	b.submitReport()
	if code := storedRegion(t, b.m); code != desaCode {
		t.Fatalf("stored region %q, want %s", code, desaCode)
	}
}

// reportOverHTTP files a report without the browser and returns its receipt.
func reportOverHTTP(t *testing.T, m *Main) string {
	t.Helper()
	p := newPortal(t, m)
	_, form := p.get("/")
	resp, page := p.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
	r := receiptRE.FindStringSubmatch(page)
	if resp.StatusCode != 200 || r == nil {
		t.Fatalf("report over HTTP: %d", resp.StatusCode)
	}
	return r[1]
}

// openFollowup enters the receipt on /cek and returns the HTTP status of
// the page that follows.
func (b *browser) openFollowup(receipt string) int64 {
	b.t.Helper()
	b.do("opening the follow-up", chromedp.Navigate(b.base+"/cek"), chromedp.SendKeys(chromedp.ID("receipt"), receipt))
	return b.submit("entering the receipt", `form[action="/cek"] button[type=submit]`)
}

func TestBrowserFollowup(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	receipt := reportOverHTTP(t, b.m)

	// A wrong receipt: the message stands right above the field.
	if status := b.openFollowup("1111 2222 3333 4444"); status != 401 {
		t.Fatalf("wrong receipt: HTTP %d", status)
	}
	type errState struct {
		Text, Next string
		Visible    bool
		Gap        float64
	}
	e := eval[errState](b, `(() => {
		const e = document.getElementById("e-receipt"), f = document.getElementById("receipt");
		if (!e || !f) return {text: "", next: "", visible: false, gap: -1};
		const er = e.getBoundingClientRect(), fr = f.getBoundingClientRect();
		return {text: e.innerText, next: e.nextElementSibling ? e.nextElementSibling.id : "",
			visible: er.width > 0 && er.height > 0, gap: fr.top - er.bottom};
	})()`)
	if !strings.Contains(e.Text, "tidak cocok dengan laporan mana pun") || e.Next != "receipt" || !e.Visible || e.Gap < 0 || e.Gap > 40 {
		t.Fatalf("wrong receipt: the error next to the field is %+v", e)
	}

	// The right receipt opens the conversation; the address bar never holds it.
	if status := b.openFollowup(receipt); status != 200 {
		t.Fatalf("right receipt: HTTP %d: %.300s", status, b.bodyText())
	}
	if loc := b.location(); loc != b.base+"/cek" {
		t.Fatalf("the follow-up is at %s", loc)
	}
	if s := eval[string](b, `(document.querySelector(".status") || {}).innerText || ""`); s != "Laporan Anda sudah diterima dan menunggu dibaca petugas piket." {
		t.Fatalf("status %q", s)
	}
	const msg = "Saya sudah aman di rumah ibu."
	b.do("writing a message", chromedp.SendKeys(chromedp.ID("body"), msg))
	if status := b.submit("sending the message", `form:has(#body) button[type=submit]`); status != 200 {
		t.Fatalf("sending the message: HTTP %d", status)
	}
	if ok := eval[string](b, `(document.querySelector(".ok") || {}).innerText || ""`); ok != "Terkirim. Petugas akan membacanya." {
		t.Errorf("no confirmation after sending: %q", ok)
	}
	msgs := eval[[]string](b, `Array.from(document.querySelectorAll(".msgs li .body"), p => p.innerText)`)
	if len(msgs) != 1 || msgs[0] != msg {
		t.Fatalf("conversation %q, want the message %q", msgs, msg)
	}
	if loc := b.location(); strings.Contains(loc, strings.ReplaceAll(receipt, " ", "")) || strings.Contains(loc, url.QueryEscape(receipt)) {
		t.Fatalf("the receipt is in the address: %s", loc)
	}
}

// keluarCount is how many quick exit beacons the portal has answered.
func (b *browser) keluarCount() int {
	return strings.Count(b.logs.String(), `route="POST /keluar"`)
}

// snapshot is what the portal page holds, as a MutationObserver reports it.
type snapshot struct {
	URL, Title string
	HTML       int // length of the body's HTML
	Fields     int
}

// quickExit triggers quick exit and checks what a person sees: a blank page
// at once, the beacon that ends the follow-up session, and the neutral site
// in the tab. Meanwhile the neutral site's answer is held back, so the
// portal's page is still the one in the tab when it is looked at. (DevTools
// answers no command to a tab in the middle of a navigation to another
// site, so a MutationObserver installed before the trigger reports the
// page's state through a binding instead.)
func (b *browser) quickExit(what string, trigger chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	from := b.location()
	beacons := b.keluarCount()
	if _, err := chromedp.Call(b.ctx, runtime.AddBinding, runtime.AddBindingParams{Name: "spikerSnapshot"}); err != nil {
		b.t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	snapshots := chromedp.Events(wait, runtime.BindingCalled)
	b.do("watching the page", chromedp.Evaluate[chromedp.Void](`new MutationObserver(() => spikerSnapshot(JSON.stringify({
		url: location.href, title: document.title, html: document.body ? document.body.innerHTML.length : 0,
		fields: document.querySelectorAll("input, textarea, select").length}))).observe(document, {subtree: true, childList: true, characterData: true, attributes: true})`))
	release := b.exit.hold()
	defer release()
	b.do(what, trigger)
	var last *snapshot
	for ev, err := range snapshots {
		if err != nil {
			if last == nil {
				b.t.Fatalf("%s: the page did not change (%v)", what, err)
			}
			b.t.Fatalf("%s: the page was not blanked at once; last seen: %+v (%v)", what, *last, err)
		}
		if ev.Name != "spikerSnapshot" {
			continue
		}
		last = new(snapshot)
		if err := json.Unmarshal([]byte(ev.Payload), last); err != nil {
			b.t.Fatal(err)
		}
		// Before leaving, the entry is pointed at the neutral /aman.
		if last.URL != from && last.URL != b.base+"/aman" {
			b.t.Fatalf("%s: the tab left %s for %s while the exit site was held", what, from, last.URL)
		}
		if last.HTML == 0 && last.Title == "" && last.Fields == 0 {
			break
		}
	}
	cancel()
	for start := time.Now(); b.keluarCount() == beacons; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			b.t.Fatalf("%s: no beacon reached POST /keluar", what)
		}
	}
	release()
	b.waitLocation(b.exitURL)
	if text := b.bodyText(); !strings.Contains(text, "Cuaca hari ini") {
		b.t.Fatalf("%s: the exit site shows %q", what, text)
	}
}

// typeSecrets types into the report form and leaves traces in both
// storages of the portal's origin, as a page might.
func (b *browser) typeSecrets() {
	b.t.Helper()
	b.do("typing into the report form",
		chromedp.SendKeys(chromedp.ID("narrative"), browserNarrative),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("draft", "x"); localStorage.setItem("draft", "x")`),
	)
	if n := eval[int](b, `sessionStorage.length + localStorage.length`); n != 2 {
		b.t.Fatalf("could not store test values: %d items", n)
	}
}

// checkForgotten checks, on a page of the portal's origin in the same tab,
// that nothing typed or stored before the exit is left.
func (b *browser) checkForgotten(what string) {
	b.t.Helper()
	if !strings.HasPrefix(b.location(), b.base+"/") {
		b.t.Fatalf("%s: not on the portal: %s", what, b.location())
	}
	if n := eval[int](b, `sessionStorage.length + localStorage.length`); n != 0 {
		b.t.Errorf("%s: %d items left in the portal's sessionStorage/localStorage", what, n)
	}
	if strings.Contains(b.bodyText(), browserNarrative) || eval[bool](b, `Array.from(document.querySelectorAll("textarea, input"), f => f.value).some(v => v.includes("Suami saya"))`) {
		b.t.Errorf("%s: the typed text is back", what)
	}
}

// historyURLs returns the URLs of the tab's history.
func (b *browser) historyURLs() []string {
	b.t.Helper()
	h, err := chromedp.Run(b.ctx, chromedp.NavigationEntries())
	if err != nil {
		b.t.Fatal(err)
	}
	var urls []string
	for _, e := range h.Entries {
		urls = append(urls, e.URL)
	}
	return urls
}

// back goes back in the tab's history, as the Back button does, and returns
// the address it arrives at. (chromedp.NavigateBack sends the same
// Page.navigateToHistoryEntry but then waits for a load event, which never
// comes when Chromium restores the page from its back-forward cache.)
func (b *browser) back() string {
	b.t.Helper()
	h, err := chromedp.Run(b.ctx, chromedp.NavigationEntries())
	if err != nil {
		b.t.Fatal(err)
	}
	if h.CurrentIndex <= 0 || int(h.CurrentIndex) >= len(h.Entries) {
		b.t.Fatalf("nothing to go back to: entry %d of %d", h.CurrentIndex, len(h.Entries))
	}
	prev := h.Entries[h.CurrentIndex-1]
	if _, err := chromedp.Call(b.ctx, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: prev.ID}); err != nil {
		b.t.Fatalf("going back: %v", err)
	}
	b.waitLocation(prev.URL)
	return b.location()
}

// pressShift presses and releases Shift as a person does.
func pressShift(ctx context.Context, t *chromedp.Target) error {
	for _, p := range []input.DispatchKeyEventParams{
		{Type: input.DispatchKeyEventTypeRawKeyDown, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, NativeVirtualKeyCode: 16, Modifiers: 8, Location: 1},
		{Type: input.DispatchKeyEventTypeKeyUp, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, NativeVirtualKeyCode: 16, Location: 1},
	} {
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
			return err
		}
	}
	return nil
}

func TestBrowserQuickExit(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)

	// The button: from the form (reached from another portal page), with
	// text typed and things stored.
	b.do("opening the report form", chromedp.Navigate(b.base+"/tentang"), chromedp.Navigate(b.base+"/"))
	b.do("pressing Tab", chromedp.KeyEvent("\t"))
	if first := eval[string](b, `document.activeElement.id`); first != "keluar" {
		t.Errorf("the first Tab goes to %q, want the quick exit", first)
	}
	b.typeSecrets()
	b.quickExit("clicking quick exit", chromedp.Click(chromedp.ID("keluar")))
	for _, u := range b.historyURLs() {
		if u == b.base+"/" {
			t.Fatalf("the report form is still in the history: %q", b.historyURLs())
		}
	}
	if back := b.back(); back != b.base+"/tentang" {
		t.Fatalf("Back went to %s, want the page before the form", back)
	}
	b.checkForgotten("after Back")

	// Shift three times, after typing in the form, outside the field.
	b.do("opening the report form", chromedp.Navigate(b.base+"/"))
	b.typeSecrets()
	b.do("leaving the field", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	b.do("pressing Shift once", chromedp.Func(pressShift))
	if b.location() != b.base+"/" || !strings.Contains(eval[string](b, `document.getElementById("narrative").value`), "Suami saya") {
		t.Fatal("one Shift already left the form")
	}
	b.quickExit("pressing Shift three times", chromedp.Steps(chromedp.Func(pressShift), chromedp.Func(pressShift)))
	if back := b.back(); back != b.base+"/tentang" {
		t.Fatalf("Back after Shift ×3 went to %s, want the page before the form", back)
	}
	b.do("opening another portal page", chromedp.Navigate(b.base+"/aman"))
	b.checkForgotten("after Shift ×3")

	// Quick exit ends an open follow-up session.
	receipt := reportOverHTTP(t, b.m)
	if status := b.openFollowup(receipt); status != 200 || eval[int](b, `document.querySelectorAll(".status").length`) != 1 {
		t.Fatalf("follow-up: HTTP %d: %.300s", status, b.bodyText())
	}
	b.quickExit("quick exit from the follow-up", chromedp.Click(chromedp.ID("keluar")))
	b.do("opening the follow-up again", chromedp.Navigate(b.base+"/cek"))
	if eval[int](b, `document.querySelectorAll(".status, .msgs, #body").length`) != 0 || eval[int](b, `document.querySelectorAll("input[name=receipt]").length`) != 1 {
		t.Fatalf("the follow-up session survived quick exit: %.300s", b.bodyText())
	}
}

func TestBrowserStaysOnOrigin(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/cek", "/aman", "/tentang", "/"} {
		b.do("opening "+path, chromedp.Navigate(b.base+path))
	}
	b.fillReport(true)
	receipt := b.submitReport()
	if status := b.openFollowup(receipt); status != 200 {
		t.Fatalf("follow-up: HTTP %d", status)
	}

	mu.Lock()
	defer mu.Unlock()
	host := b.m.PublicAddr()
	seen := map[string]bool{}
	for _, r := range requests {
		if strings.HasPrefix(r, "data:") {
			continue // made inside the browser (e.g. the date field's icon); never on the network
		}
		u, err := url.Parse(r)
		if err != nil || u.Host != host || u.Scheme != "http" {
			t.Errorf("a request left the portal's origin: %s", r)
			continue
		}
		seen[u.Path] = true
	}
	for _, want := range []string{"/", "/cek", "/aman", "/tentang", "/static/app.css", "/static/exit.js", "/static/report.js"} {
		if !seen[want] {
			t.Errorf("no request for %s was seen (of %d): the check may not be watching", want, len(requests))
		}
	}
}

// axeViolation is one failed axe-core rule.
type axeViolation struct {
	ID, Impact, Help, HelpURL, Target, HTML string
	Nodes                                   int
}

// runAxe runs axe-core on the page in the tab and returns the violations.
func (b *browser) runAxe(axe string) []axeViolation {
	b.t.Helper()
	b.do("loading axe-core", chromedp.Evaluate[chromedp.Void](axe))
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpURL: v.helpUrl, nodes: v.nodes.length,
			target: v.nodes.length ? v.nodes[0].target.map(String).join(" ") : "",
			html: v.nodes.length ? v.nodes[0].html : ""})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("running axe-core: %v", err)
	}
	return v
}

// checkAxe fails the test on serious and critical violations of the page.
func (b *browser) checkAxe(page, axe string) {
	b.t.Helper()
	for _, v := range b.runAxe(axe) {
		msg := fmt.Sprintf("%s: axe %s (%s): %s; %d element(s), first %s: %s (%s)", page, v.ID, v.Impact, v.Help, v.Nodes, v.Target, v.HTML, v.HelpURL)
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
		} else {
			b.t.Log(msg)
		}
	}
}

// axeSource reads axe.min.js from SPIKER_AXE_JS (installed by .ci/run).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("SPIKER_AXE_JS")
	if path == "" {
		if browserRequired() {
			t.Fatal("SPIKER_AXE_JS is not set: .ci/run installs axe-core and sets it")
		}
		t.Skip("SPIKER_AXE_JS is not set: npm install --prefix DIR axe-core@4.14.1 and set it to DIR/node_modules/axe-core/axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		t.Fatalf("SPIKER_AXE_JS: %v", err)
	}
	return string(b)
}

func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	b := startBrowser(t)
	b.do("opening the report form", chromedp.Navigate(b.base+"/"))
	b.checkAxe("report form", axe)
	b.fillReport(true)
	receipt := b.submitReport()
	b.checkAxe("receipt page", axe)
	b.hideReceipt()
	b.checkAxe("report received page", axe)
	b.do("opening the safety page", chromedp.Navigate(b.base+"/aman"))
	b.checkAxe("safety page", axe)
	b.do("opening the follow-up", chromedp.Navigate(b.base+"/cek"))
	b.checkAxe("follow-up start page", axe)
	if status := b.openFollowup("1111 2222 3333 4444"); status != 401 {
		t.Fatalf("wrong receipt: HTTP %d", status)
	}
	b.checkAxe("follow-up start page with an error", axe)
	if status := b.openFollowup(receipt); status != 200 {
		t.Fatalf("follow-up: HTTP %d", status)
	}
	b.checkAxe("follow-up conversation page", axe)
}
