package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
)

// The network around a case, in Chromium: a referral from the case page to
// a partner agency that sees only its packet and records the service; a
// visit a field officer carries out from a phone; a report a Fokal Desa
// files for a villager who walked in; and a meeting the reporter asks for
// on follow-up and the case manager confirms. Setup that is not the
// subject of a test (users, the report, opening the case) goes through the
// command line and the store; the subject goes through the pages.

// netUser returns a step that creates a user with the command line, in a
// region of the regency (a kecamatan, a desa) and, for a partner, of an
// agency, and keeps the TOTP secret it prints: newStaff for the roles that
// work in one place or for one agency. It does not fail the test, so users
// can be made alongside other work.
func netUser(t *testing.T, m *Main, name string, role spiker.Role, region, agency string, secret *string) func() error {
	return func() error {
		args := []string{"user", "add", "--data", m.Config.DataDir, "--username", name, "--role", string(role), "--region", region}
		if agency != "" {
			args = append(args, "--agency", agency)
		}
		code, stdout, stderr := runCLI(t, "", nil, args...)
		if code != 0 {
			return fmt.Errorf("user add %s: exit %d: %q", name, code, stderr)
		}
		s, err := enrolLink(m, stdout, staffPassword)
		if err != nil {
			return fmt.Errorf("user add %s: %v", name, err)
		}
		if secret != nil {
			*secret = s
		}
		return nil
	}
}

// netActor signs a user in to the store, for setup done through Go.
func netActor(t *testing.T, m *Main, name string) *spiker.Actor {
	t.Helper()
	a, err := m.Users.Authenticate(context.Background(), name, staffPassword)
	if err != nil {
		t.Fatalf("authenticating %s: %v", name, err)
	}
	return a
}

// netOnlyReport returns the id and region of the only stored report.
func netOnlyReport(t *testing.T, m *Main) (id, region string) {
	t.Helper()
	if n := countReports(t, m); n != 1 {
		t.Fatalf("%d reports stored, want 1", n)
	}
	ctx := context.Background()
	if err := m.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT id, region_code FROM reports`, nil, &id, &region)
	}); err != nil {
		t.Fatal(err)
	}
	return id, region
}

// netCase opens a case from the only report as the duty officer does, and
// puts the case manager on it as the supervisor does (which also gives the
// manager the report's key, for the reporter's messages). It returns the
// case's and the report's ids.
func netCase(t *testing.T, m *Main, officer, sup *spiker.Actor, manager, summary string) (caseID, reportID string) {
	t.Helper()
	ctx := context.Background()
	reportID, region := netOnlyReport(t, m)
	c := &spiker.Case{RegionCode: region, ReportIDs: []string{reportID}, Content: spiker.CaseContent{Summary: summary}}
	if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
		t.Fatalf("opening the case: %v", err)
	}
	u, err := m.Users.FindUserByUsername(ctx, manager)
	if err != nil {
		t.Fatal(err)
	}
	if err := (store.CaseService{Store: m.Store}).Assign(ctx, sup, c.ID, u.ID); err != nil {
		t.Fatalf("assigning %s: %v", manager, err)
	}
	return c.ID, reportID
}

// sectionRows returns the cells' text, row by row, of the list table that
// follows the heading with the given id (before the next heading): the
// case page's referrals ("rujukan") or visits ("kunjungan").
func (b *browser) sectionRows(heading string) [][]string {
	b.t.Helper()
	return eval[[][]string](b, fmt.Sprintf(`(() => {
		let e = document.getElementById(%q);
		while (e && (e = e.nextElementSibling) && e.tagName !== "H2") {
			if (e.matches("table.list")) return Array.from(e.tBodies[0].rows, r => Array.from(r.cells, c => c.innerText.trim()));
		}
		return [];
	})()`, heading))
}

// listRows returns the cells' text of the page's first list table.
func (b *browser) listRows() [][]string {
	b.t.Helper()
	return eval[[][]string](b, `(() => {
		const t = document.querySelector("main table.list");
		return t ? Array.from(t.tBodies[0].rows, r => Array.from(r.cells, c => c.innerText.trim())) : [];
	})()`)
}

// netEntry is one entry of the case page's timeline.
type netEntry struct{ Who, Body, Href string }

// caseEntries reads the case page's timeline: who and what, and where an
// entry's text links to (a service given through a referral).
func (b *browser) caseEntries() []netEntry {
	b.t.Helper()
	return eval[[]netEntry](b, `Array.from(document.querySelectorAll(".msgs li"), li => ({
		who: (li.querySelector(".who") || {}).innerText || "", body: (li.querySelector(".body") || {}).innerText || "",
		href: ((li.querySelector(".body a") || {getAttribute: () => ""}).getAttribute("href")) || ""}))`)
}

// fieldValue is the value of a form field.
func (b *browser) fieldValue(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).value || ""`, sel))
}

// staffDownload fetches a back-office path with the tab's staff session
// cookie, as a download from that browser does.
func (b *browser) staffDownload(path string) (*http.Response, []byte) {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", b.base+path, nil)
	for _, c := range res.Cookies {
		if c.Name == "spiker_staf" {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	if len(req.Cookies()) != 1 {
		b.t.Fatalf("the tab holds no staff session cookie: %d cookies", len(res.Cookies))
	}
	resp, err := (&http.Client{Timeout: browserTimeout}).Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, body
}

// openDetails opens the folded section that holds form, checking that its
// summary reads summary, as a person clicks the line they are looking for.
func (b *browser) openDetails(form, summary string) {
	b.t.Helper()
	sel := `details:has(` + form + `) > summary`
	if got := eval[string](b, fmt.Sprintf(`(document.querySelector('%s') || {}).innerText || ""`, sel)); strings.TrimSpace(got) != summary {
		b.t.Fatalf("the section with %s is %q, want %q", form, got, summary)
	}
	b.do("opening "+summary, chromedp.Click(chromedp.CSS(sel)))
	if !eval[bool](b, fmt.Sprintf(`document.querySelector('%s').parentElement.open`, sel)) {
		b.t.Fatalf("clicking %q does not open the section", summary)
	}
}

// tickByLabel ticks the checkbox of the form whose label reads label, as a
// person finds a colleague's name in the list of who goes.
func (b *browser) tickByLabel(form, label string) {
	b.t.Helper()
	value := eval[string](b, fmt.Sprintf(`(() => {
		const l = Array.from(document.querySelectorAll('%s label.opt')).find(l => l.innerText.trim() === %q);
		return l ? l.querySelector("input[type=checkbox]").value : "";
	})()`, form, label))
	if value == "" {
		b.t.Fatalf("the form offers no %q to tick: %.800s", label, eval[string](b, fmt.Sprintf(`document.querySelector('%s').innerText`, form)))
	}
	box := form + ` input[type=checkbox][value="` + value + `"]`
	b.do("ticking "+label, chromedp.Click(chromedp.CSS(box)))
	if !eval[bool](b, fmt.Sprintf(`document.querySelector('%s').checked`, box)) {
		b.t.Fatalf("%s is not ticked", label)
	}
}

// dayNamesID names the days as the pages do: in Indonesian, Sunday first.
var dayNamesID = []string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}

// officeZone is the regency's time zone: forms are read and times shown in it.
var officeZone = spiker.TimeZone("35.24")

// flatText joins a text's lines and spaces, for text a PDF or a page wraps.
func flatText(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestBrowserNetworkReferral(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	ctx := context.Background()
	const (
		summary     = "KDRT fisik; korban sementara di rumah ibunya."
		victimName  = "Siti Aminah"
		nik         = "3524015508940002"
		perpetrator = "Bejo Santoso"
		needs       = "Visum et repertum dan perawatan luka di lengan kiri."
		outcome     = "Visum dilakukan; luka dirawat, kontrol seminggu lagi."
	)

	// The office's people and a report first, all at once. The admin adds
	// two partner agencies, and each gets its first user (who is admitted to
	// the agency's key by being the first).
	var mSecret, pSecret, qSecret string
	var rsud, polres spiker.Agency
	await(t,
		async(t, netUser(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24", "", nil)),
		async(t, netUser(t, b.m, "kepala.uptd", spiker.RoleSupervisor, "35.24", "", nil)),
		async(t, netUser(t, b.m, "manajer.satu", spiker.RoleManajerKasus, "35.24", "", &mSecret)),
		async(t, fileReport(b.m)),
		async(t, func() error {
			if err := netUser(t, b.m, "admin.it", spiker.RoleAdmin, "35.24", "", nil)(); err != nil {
				return err
			}
			admin, err := b.m.Users.Authenticate(ctx, "admin.it", staffPassword)
			if err != nil {
				return err
			}
			agencies := store.NetworkService{Store: b.m.Store}
			rsud = spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}, Contact: "IGD 0322-321718"}
			polres = spiker.Agency{Name: "Unit PPA Polres Lamongan", Type: "Unit PPA Polres", RegionCode: "35.24", Services: []string{"Penegakan Hukum"}}
			if err := errors.Join(agencies.SaveAgency(ctx, admin, &rsud), agencies.SaveAgency(ctx, admin, &polres)); err != nil {
				return err
			}
			return errors.Join(
				netUser(t, b.m, "dokter.rsud", spiker.RoleMitra, "35.24", rsud.ID, &pSecret)(),
				netUser(t, b.m, "penyidik.ppa", spiker.RoleMitra, "35.24", polres.ID, &qSecret)())
		}),
	)

	// They sign in while the case is set up: opened by the duty officer,
	// the manager assigned, the victim recorded with her name and NIK, and
	// the alleged perpetrator by name.
	manager, partner, other := b, b.person(), b.person()
	now := time.Now()
	signedIn := []func() error{
		async(t, manager.signIn("manajer.satu", mSecret, now)),
		async(t, partner.signIn("dokter.rsud", pSecret, now)),
		async(t, other.signIn("penyidik.ppa", qSecret, now)),
	}
	officer, sup := netActor(t, b.m, "konselor.satu"), netActor(t, b.m, "kepala.uptd")
	caseID, reportID := netCase(t, b.m, officer, sup, "manajer.satu", summary)
	cs := store.CaseService{Store: b.m.Store}
	victim := &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Fisik"}, Consent: spiker.ConsentByVictim, Name: victimName, NIK: nik}
	if err := cs.AddVictim(ctx, sup, caseID, victim); err != nil {
		t.Fatal(err)
	}
	if err := cs.AddPerpetrator(ctx, sup, caseID, &spiker.CasePerpetrator{VictimID: victim.ID, Sex: "Laki-laki", Relationship: "Suami/Istri", Name: perpetrator}); err != nil {
		t.Fatal(err)
	}
	await(t, signedIn...)

	// The case manager refers the victim to the hospital from the case page,
	// keeping the packet the service needs by default.
	casePath := "/staf/kasus/" + caseID
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the manager opening the case: HTTP %d: %.300s", status, manager.bodyText())
	}
	refForm := `form[action="` + casePath + `/rujukan"]`
	due := time.Now().In(officeZone).AddDate(0, 0, 7)
	dueDate := due.Format(time.DateOnly)
	// Shown in full, as Indonesian forms write dates.
	dueShown := fmt.Sprintf("%d %s %d", due.Day(), []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}[due.Month()-1], due.Year())
	manager.openDetails(refForm, "Rujuk ke lembaga mitra")
	manager.do("filling in the referral",
		chromedp.SendKeys(chromedp.CSS(refForm+` select[name=agency]`), "RSUD"),
		chromedp.SendKeys(chromedp.CSS(refForm+` select[name=service]`), "Kesehatan"),
		chromedp.SetValue(chromedp.CSS(refForm+` input[name=due_date]`), dueDate),
		insertText(refForm+` textarea[name=needs]`, needs),
		chromedp.Click(chromedp.CSS(refForm+` input[name=consent][value=korban]`)),
	)
	if got := []string{manager.fieldValue(refForm + ` select[name=agency]`), manager.fieldValue(refForm + ` select[name=service]`), manager.fieldValue(refForm + ` input[name=due_date]`)}; !slices.Equal(got, []string{rsud.ID, "Kesehatan", dueDate}) {
		t.Fatalf("the referral form holds agency, service, due date %q; want the RSUD (%s), Kesehatan, %s", got, rsud.ID, dueDate)
	}
	if def := eval[bool](manager, `document.querySelector('`+refForm+` input[name=fields_mode][value=bawaan]').checked && !document.querySelector('`+refForm+` input[name=fields]:checked')`); !def {
		t.Fatal("the referral form does not keep the default packet (Isian bawaan) unless changed")
	}
	if status := manager.submit("sending the referral", refForm+` button[type=submit]`); status != 200 {
		t.Fatalf("sending the referral: HTTP %d: %.500s", status, manager.bodyText())
	}
	if p := manager.path(); p != casePath {
		t.Fatalf("after the referral the manager is at %s: %.300s", p, manager.bodyText())
	}
	rows := manager.sectionRows("rujukan")
	if len(rows) != 1 || len(rows[0]) != 5 || rows[0][0] != rsud.Name || rows[0][1] != "Kesehatan" || rows[0][2] != dueShown || rows[0][3] != "Terkirim, menunggu jawaban" {
		t.Fatalf("the case page lists the referrals %q, want one to %s, Kesehatan, due %s, sent", rows, rsud.Name, dueShown)
	}
	refPath := eval[string](manager, `document.querySelector('table.list a[href^="/staf/rujukan/"]').getAttribute("href")`)
	refID := strings.TrimPrefix(refPath, "/staf/rujukan/")
	if len(refID) != 26 {
		t.Fatalf("the referral's link is %q", refPath)
	}

	// The partner finds it in the agency's referrals and opens it.
	if status := partner.submit("opening the agency's referrals", `nav a[href="/staf/rujukan"]`); status != 200 {
		t.Fatalf("the partner's referrals: HTTP %d: %.300s", status, partner.bodyText())
	}
	if rows := partner.listRows(); len(rows) != 1 || len(rows[0]) != 4 || rows[0][1] != "Kesehatan" || rows[0][2] != dueShown || rows[0][3] != "Terkirim, menunggu jawaban" {
		t.Fatalf("the partner's referrals are %q, want the one sent", rows)
	}
	if text := partner.bodyText(); strings.Contains(text, victimName) || strings.Contains(text, summary) {
		t.Fatalf("the partner's list shows case content: %.500s", text)
	}
	if status := partner.submit("opening the referral", `table.list a[href="`+refPath+`"]`); status != 200 {
		t.Fatalf("the partner opening the referral: HTTP %d: %.300s", status, partner.bodyText())
	}
	type item struct{ Label, Value string }
	packet := eval[[]item](partner, `Array.from(document.querySelectorAll(".packet dt"), dt => ({label: dt.innerText.trim(), value: dt.nextElementSibling.innerText.trim()}))`)
	var labels []string
	for _, it := range packet {
		labels = append(labels, it.Label)
	}
	// Kesehatan's defaults: who the victim is and what is needed.
	if want := []string{"Nama korban", "Umur korban", "Jenis kelamin", "Disabilitas dan akomodasi", "Kebutuhan"}; !slices.Equal(labels, want) {
		t.Fatalf("the packet shows %q, want %q", labels, want)
	}
	if packet[0].Value != victimName || !strings.HasPrefix(packet[1].Value, "30 tahun") || packet[2].Value != "Perempuan" || packet[4].Value != needs {
		t.Fatalf("the packet reads %+v", packet)
	}
	page := eval[string](partner, `document.documentElement.outerHTML`)
	for _, never := range []string{nik, perpetrator, summary, "Suami/Istri"} {
		if strings.Contains(page, never) {
			t.Errorf("the partner's referral page carries %q, which the packet does not hold", never)
		}
	}

	// The partner accepts, gives the service, and records it.
	if status := partner.submit("accepting the referral", `form[action="`+refPath+`/terima"] button[type=submit]`); status != 200 {
		t.Fatalf("accepting: HTTP %d: %.300s", status, partner.bodyText())
	}
	if st := partner.facts()["Status"]; st != "Diterima, sedang dilayani" || partner.path() != refPath {
		t.Fatalf("after accepting the partner is at %s, status %q", partner.path(), st)
	}
	serviceDate := time.Now().In(officeZone).Format(time.DateOnly)
	partner.do("recording the service",
		chromedp.SetValue(chromedp.CSS(`form[action="`+refPath+`/selesai"] input[name=service_date]`), serviceDate),
		insertText("#outcome", outcome))
	if status := partner.submit("completing the referral", `form[action="`+refPath+`/selesai"] button[type=submit]`); status != 200 {
		t.Fatalf("completing: HTTP %d: %.300s", status, partner.bodyText())
	}
	// The service date is written in full, as the pages write dates.
	serviceShown := idDate(time.Now().In(officeZone))
	if f := partner.facts(); f["Status"] != "Selesai" || f["Hasil layanan"] != serviceShown+": "+outcome {
		t.Fatalf("after completing the partner sees %q", f)
	}

	// The case manager sees the service delivered: the referral done with
	// its outcome, and an entry in the timeline that points to it.
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the manager reopening the case: HTTP %d", status)
	}
	if rows := manager.sectionRows("rujukan"); len(rows) != 1 || len(rows[0]) != 5 || rows[0][3] != "Selesai" || rows[0][4] != serviceShown+": "+outcome {
		t.Fatalf("after the service the case page lists the referrals %q", rows)
	}
	var delivered bool
	for _, e := range manager.caseEntries() {
		delivered = delivered || strings.Contains(e.Who, "Layanan diberikan · Kesehatan") && e.Body == "Diberikan oleh lembaga mitra melalui rujukan" && e.Href == refPath
	}
	if !delivered {
		t.Fatalf("the timeline does not show the service delivered through the referral: %+v", manager.caseEntries())
	}

	// The partner reaches the referral and nothing else: not the case, not
	// the report, not a guessed referral; another agency's partner does not
	// reach this one.
	if status := partner.open(casePath); status != 403 || strings.Contains(partner.bodyText(), summary) {
		t.Errorf("the partner opening the case: HTTP %d: %.300s", status, partner.bodyText())
	}
	if status := partner.open("/staf/laporan/" + reportID); status != 403 {
		t.Errorf("the partner opening the report: HTTP %d", status)
	}
	guess := make([]byte, 26)
	rand.Read(guess)
	for i := range guess {
		guess[i] = "abcdefghijklmnopqrstuvwxyz234567"[guess[i]%32]
	}
	if status := partner.open("/staf/rujukan/" + string(guess)); status != 404 {
		t.Errorf("the partner opening a guessed referral: HTTP %d", status)
	}
	if status := other.open(refPath); status != 403 || strings.Contains(other.bodyText(), victimName) {
		t.Errorf("another agency's partner opening the referral: HTTP %d: %.300s", status, other.bodyText())
	}
	if resp, _ := other.staffDownload(refPath + "/surat"); resp.StatusCode != 403 {
		t.Errorf("another agency's partner downloading the letter: HTTP %d", resp.StatusCode)
	}
	if status := other.open("/staf/rujukan"); status != 200 || len(other.listRows()) != 0 {
		t.Errorf("another agency's partner lists %q (HTTP %d)", other.listRows(), status)
	}

	// The staff API, with the partner's own token (the code of the next
	// time step: each code signs in once).
	api := apiClient{t, b.base}
	otpCode, _ := totp.GenerateCode(pSecret, time.Now().Add(30*time.Second))
	code, out, _ := api.call("POST", "/api/v1/staff/session", map[string]string{"username": "dokter.rsud", "password": staffPassword, "otp": otpCode}, nil)
	token, _ := out["token"].(string)
	if code != 200 || token == "" {
		t.Fatalf("the partner's API session: %d %v", code, out)
	}
	bearer := map[string]string{"Authorization": "Bearer " + token}
	code, out, _ = api.call("GET", "/api/v1/staff/referrals", nil, bearer)
	list, _ := out["referrals"].([]any)
	if code != 200 || len(list) != 1 {
		t.Fatalf("the partner's referrals over the API: %d %v", code, out)
	}
	if first, _ := list[0].(map[string]any); first["id"] != refID || first["packet"] != nil {
		t.Fatalf("the API lists %v, want the referral without its packet", list[0])
	}
	code, out, _ = api.call("GET", "/api/v1/staff/referrals/"+refID, nil, bearer)
	items, _ := out["packet"].([]any)
	var fields []string
	got := map[string]string{}
	for _, it := range items {
		m, _ := it.(map[string]any)
		f, _ := m["field"].(string)
		v, _ := m["value"].(string)
		fields, got[f] = append(fields, f), v
	}
	if want := []string{spiker.PacketVictimName, spiker.PacketVictimAge, spiker.PacketVictimSex, spiker.PacketDisability, spiker.PacketNeeds}; code != 200 || !slices.Equal(fields, want) {
		t.Fatalf("the API's packet has the fields %q (HTTP %d), want exactly %q", fields, code, want)
	}
	if got[spiker.PacketVictimName] != victimName || got[spiker.PacketNeeds] != needs {
		t.Fatalf("the API's packet reads %q", got)
	}
	if code, out, _ := api.call("GET", "/api/v1/staff/cases/"+caseID, nil, bearer); code != 403 {
		t.Errorf("the partner reading the case over the API: %d %v", code, out)
	}

	// The letter the partner downloads (as that browser would, with its
	// session): the packet in a letter, nothing more.
	resp, pdf := partner.staffDownload(refPath + "/surat")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("the letter: HTTP %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text, err := lettertest.Text(pdf)
	if err != nil {
		t.Fatalf("reading the letter: %v", err)
	}
	flat := flatText(text)
	for _, want := range []string{"SURAT RUJUKAN", victimName, needs, rsud.Name} {
		if !strings.Contains(flat, want) {
			t.Errorf("the letter lacks %q: %s", want, flat)
		}
	}
	for _, never := range []string{nik, perpetrator, summary} {
		if strings.Contains(flat, never) {
			t.Errorf("the letter carries %q", never)
		}
	}
}

func TestBrowserNetworkFieldVisit(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	const (
		summary  = "KDRT fisik; korban belum mau datang ke kantor."
		place    = "Rumah ibu korban, Jl. Mawar 12 RT 02/RW 03, pagar hijau"
		askFor   = "Bu Sumiati (ibu korban); sebut 'dari posyandu'"
		safety   = "Suami korban pulang kerja jam 13.00; jangan parkir di depan rumah."
		findings = "Korban aman di rumah ibunya, luka memar mulai sembuh."
		next     = "Antar ke puskesmas hari Senin."
	)
	var mSecret, fSecret string
	await(t,
		async(t, netUser(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24", "", nil)),
		async(t, netUser(t, b.m, "kepala.uptd", spiker.RoleSupervisor, "35.24", "", nil)),
		async(t, netUser(t, b.m, "manajer.satu", spiker.RoleManajerKasus, "35.24", "", &mSecret)),
		async(t, netUser(t, b.m, "petugas.sukorejo", spiker.RolePetugasLapangan, kecamatanCode, "", &fSecret)),
		async(t, fileReport(b.m)),
	)

	// The field officer works from a phone.
	manager, field := b, b.person()
	now := time.Now()
	signedIn := []func() error{
		async(t, manager.signIn("manajer.satu", mSecret, now)),
		async(t, func() error {
			if err := chromedp.Do(field.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
				return err
			}
			return field.signIn("petugas.sukorejo", fSecret, now)()
		}),
	}
	caseID, _ := netCase(t, b.m, netActor(t, b.m, "konselor.satu"), netActor(t, b.m, "kepala.uptd"), "manajer.satu", summary)
	casePath := "/staf/kasus/" + caseID
	await(t, signedIn...)

	// The case manager schedules an outreach visit from the case page.
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the manager opening the case: HTTP %d: %.300s", status, manager.bodyText())
	}
	visitForm := `form[action="` + casePath + `/kunjungan"]`
	day := time.Now().In(officeZone).AddDate(0, 0, 1)
	date := day.Format(time.DateOnly)
	manager.openDetails(visitForm, "Jadwalkan kunjungan atau pertemuan")
	manager.do("filling in the visit",
		chromedp.SendKeys(chromedp.CSS(visitForm+` select[name=kind]`), "Penjangkauan"),
		chromedp.SetValue(chromedp.CSS(visitForm+` input[name=date]`), date),
		chromedp.SetValue(chromedp.CSS(visitForm+` input[name=time]`), "10:30"),
		chromedp.SendKeys(chromedp.CSS(visitForm+` select[name=place_kind]`), "Tempat lain"),
		chromedp.SendKeys(chromedp.CSS(visitForm+` select[name=region]`), "Sukorejo"),
		insertText("#vplace", place),
		insertText(visitForm+` input[name=ask_for]`, askFor),
		insertText("#vsafe", safety),
	)
	// The officers offered are the kecamatan's; the manager ticks the one
	// who goes.
	manager.tickByLabel(visitForm, "petugas.sukorejo")
	chosen := []string{manager.fieldValue(visitForm + ` select[name=kind]`), manager.fieldValue(visitForm + ` select[name=place_kind]`), manager.fieldValue(visitForm + ` select[name=region]`)}
	if !slices.Equal(chosen, []string{spiker.VisitOutreach, "lainnya", desaCode}) {
		t.Fatalf("the visit form holds kind, place kind, region %q", chosen)
	}
	if status := manager.submit("scheduling the visit", visitForm+` button[type=submit]`); status != 200 {
		t.Fatalf("scheduling: HTTP %d: %.500s", status, manager.bodyText())
	}
	shownAt := idDate(day) + ", 10:30 WIB"
	rows := manager.sectionRows("kunjungan")
	if p := manager.path(); p != casePath || len(rows) != 1 || len(rows[0]) != 5 || rows[0][0] != shownAt || !strings.Contains(rows[0][2], place) ||
		rows[0][3] != "petugas.sukorejo" || rows[0][4] != "Dijadwalkan" {
		t.Fatalf("after scheduling the manager is at %s, the visits are %q", p, rows)
	}

	// The field officer finds the visit on the phone and opens it.
	axe := optionalAxe(t)
	noSideScroll := func(what string) {
		t.Helper()
		if w := eval[int](field, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s scrolls sideways on a 390 px phone: %d px wide", what, w)
		}
	}
	if status := field.submit("opening the visits", `nav a[href="/staf/kunjungan"]`); status != 200 {
		t.Fatalf("the field officer's visits: HTTP %d: %.300s", status, field.bodyText())
	}
	noSideScroll("the visit list")
	cards := eval[[]string](field, `Array.from(document.querySelectorAll(".cards .card"), c => c.innerText)`)
	if len(cards) != 1 || !strings.Contains(cards[0], shownAt) || !strings.Contains(cards[0], "Penjangkauan (kunjungan) · Tempat lain · Sukorejo, Lamongan") ||
		!strings.Contains(cards[0], "Dijadwalkan") || strings.Contains(cards[0], place) {
		t.Fatalf("the visit list shows %q (the place itself only on the visit's page)", cards)
	}
	if !strings.Contains(cards[0], dayNamesID[day.Weekday()]+", "+shownAt) {
		t.Errorf("the visit list shows %q, want the day named in Indonesian: %s, %s", cards[0], dayNamesID[day.Weekday()], shownAt)
	}
	if axe != "" {
		field.checkAxe("visit list (phone)", axe)
	}
	if status := field.submit("opening the visit", `.cards a[href^="/staf/kunjungan/"]`); status != 200 {
		t.Fatalf("opening the visit: HTTP %d: %.300s", status, field.bodyText())
	}
	visitPath := field.path()
	f := field.facts()
	if !strings.Contains(f["Waktu"], shownAt) || !strings.Contains(f["Tempat"], "Tempat lain · Sukorejo, Lamongan") || !strings.Contains(f["Tempat"], place) ||
		f["Menemui siapa / tanda pengenal"] != askFor || f["Catatan keamanan"] != safety {
		t.Fatalf("the visit page shows %q", f)
	}
	if f["Waktu"] != dayNamesID[day.Weekday()]+", "+shownAt {
		t.Errorf("the visit's time reads %q, want %s, %s", f["Waktu"], dayNamesID[day.Weekday()], shownAt)
	}
	if strings.Contains(field.bodyText(), summary) {
		t.Fatal("the visit page shows the case summary to the field officer")
	}

	// At the phone's size: nothing scrolls sideways, and the outcome's
	// choices and the button are big enough for a thumb (44 px).
	noSideScroll("the visit page")
	type target struct {
		Text   string
		Height float64
	}
	targets := eval[[]target](field, `Array.from(document.querySelectorAll('form[action$="/hasil"] label.opt, form[action$="/hasil"] button[type=submit]'),
		e => ({text: e.innerText.trim(), height: e.getBoundingClientRect().height}))`)
	if len(targets) != len(spiker.VisitOutcomes)+1 {
		t.Fatalf("the outcome form has the targets %+v", targets)
	}
	for _, tg := range targets {
		if tg.Height < 44 {
			t.Errorf("%q is %.1f px tall on a phone, want at least 44", tg.Text, tg.Height)
		}
	}
	if axe != "" {
		field.checkAxe("visit page with the outcome form (phone)", axe)
	}

	// The officer records the outcome, tapping the label.
	field.do("choosing Bertemu", chromedp.Click(chromedp.CSS(`form[action$="/hasil"] label.opt:has(input[value=bertemu])`)))
	if !eval[bool](field, `document.querySelector('input[name=outcome][value=bertemu]').checked`) {
		t.Fatal("tapping the label Bertemu does not choose it")
	}
	field.do("writing the findings", insertText("#findings", findings), insertText("#next", next))
	if status := field.submit("saving the outcome", `form[action$="/hasil"] button[type=submit]`); status != 200 {
		t.Fatalf("saving the outcome: HTTP %d: %.300s", status, field.bodyText())
	}
	if f := field.facts(); field.path() != visitPath || f["Hasil"] != "Bertemu" || f["Temuan"] != findings || f["Langkah berikutnya"] != next {
		t.Fatalf("after saving the officer is at %s and sees %q", field.path(), f)
	}
	noSideScroll("the visit page with its result")
	if axe != "" {
		field.checkAxe("visit page with the result (phone)", axe)
	}

	// Going on the visit opens the visit, not the case.
	if status := field.open(casePath); status != 403 || strings.Contains(field.bodyText(), summary) {
		t.Errorf("the field officer opening the case: HTTP %d: %.300s", status, field.bodyText())
	}

	// The case manager sees what was found.
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the manager reopening the case: HTTP %d", status)
	}
	rows = manager.sectionRows("kunjungan")
	if len(rows) != 1 || len(rows[0]) != 5 || !strings.HasPrefix(rows[0][4], "Bertemu") || !strings.Contains(rows[0][4], findings) || !strings.Contains(rows[0][4], "Langkah berikutnya: "+next) {
		t.Fatalf("after the visit the case page lists %q", rows)
	}
}

func TestBrowserNetworkWalkIn(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	var dSecret string
	await(t,
		async(t, netUser(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24", "", nil)),
		async(t, netUser(t, b.m, "fokal.sukorejo", spiker.RoleFokalDesa, desaCode, "", &dSecret)),
	)
	fokal, reporter := b, b.person()
	await(t, async(t, fokal.signIn("fokal.sukorejo", dSecret, time.Now())))

	// A villager walks in; the Fokal Desa asks the public form's questions
	// and files the report on her behalf.
	if status := fokal.submit("opening Lapor langsung", `nav a[href="/staf/lapor"]`); status != 200 {
		t.Fatalf("the walk-in form: HTTP %d: %.300s", status, fokal.bodyText())
	}
	fokal.do("choosing how the report came", chromedp.SendKeys(chromedp.ID("report_channel"), "datang langsung"))
	if ch := fokal.fieldValue("#report_channel"); ch != string(spiker.ChannelLangsung) {
		t.Fatalf("the channel is %q, want %s", ch, spiker.ChannelLangsung)
	}
	fokal.fillReport(true)
	if status := fokal.submit("filing the report", `form[action="/staf/lapor"] button[type=submit]`); status != 200 {
		t.Fatalf("filing: HTTP %d: %.500s", status, fokal.bodyText())
	}
	receipt := eval[string](fokal, `(document.querySelector(".receipt") || {getAttribute: () => ""}).getAttribute("aria-label") || ""`)
	if !receiptAttrRE.MatchString(receipt) || flatText(eval[string](fokal, `document.querySelector(".receipt").innerText`)) != receipt {
		t.Fatalf("no receipt of 16 digits in 4 groups to hand over: %q; page: %.400s", receipt, fokal.bodyText())
	}
	digits := strings.ReplaceAll(receipt, " ", "")

	// The filer's list shows the report's status, nothing of it.
	if status := fokal.submit("opening my reports", `main a[href="/staf/laporan-saya"]`); status != 200 {
		t.Fatalf("my reports: HTTP %d", status)
	}
	statusWas := func(want ...string) {
		t.Helper()
		rows := fokal.listRows()
		if len(rows) != 1 || len(rows[0]) != 4 || rows[0][1] != string(spiker.ChannelLangsung) || rows[0][2] != "Sukorejo, Lamongan" {
			t.Fatalf("the filer's list is %q", rows)
		}
		if !slices.ContainsFunc(want, func(w string) bool { return strings.Contains(rows[0][3], w) }) {
			t.Fatalf("the filed report's status reads %q, want one of %q", rows[0][3], want)
		}
	}
	statusWas("baru", "menunggu dibaca petugas")

	// The duty officer answers and opens a case from it.
	reportID, region := netOnlyReport(t, b.m)
	if region != desaCode {
		t.Fatalf("the walk-in report is stored in %s, want %s", region, desaCode)
	}
	officer := netActor(t, b.m, "konselor.satu")
	const reply = "Ibu, kami dari UPTD PPA. Besok petugas kami datang ke balai desa."
	if err := (store.ReportService{Store: b.m.Store}).Reply(context.Background(), officer, reportID, reply); err != nil {
		t.Fatal(err)
	}
	if err := b.m.Cases.OpenCase(context.Background(), officer, &spiker.Case{RegionCode: region, ReportIDs: []string{reportID}, Content: spiker.CaseContent{Summary: "KDRT fisik"}}); err != nil {
		t.Fatal(err)
	}
	if status := fokal.open("/staf/laporan-saya"); status != 200 {
		t.Fatalf("my reports again: HTTP %d", status)
	}
	statusWas("menjadi kasus", "sedang ditangani")
	page := eval[string](fokal, `document.documentElement.outerHTML`)
	for _, never := range []string{browserNarrative, reply, digits, receipt} {
		if strings.Contains(page, never) {
			t.Errorf("the filer's list shows %q", never)
		}
	}
	if status := fokal.open("/staf/laporan/" + reportID); status != 403 || strings.Contains(fokal.bodyText(), browserNarrative) {
		t.Errorf("the Fokal Desa opening the report: HTTP %d: %.300s", status, fokal.bodyText())
	}

	// The villager follows up with the receipt and reads the reply.
	if status := reporter.openFollowup(receipt); status != 200 {
		t.Fatalf("follow-up with the walk-in receipt: HTTP %d: %.300s", status, reporter.bodyText())
	}
	if st := eval[string](reporter, `(document.querySelector(".status") || {}).innerText || ""`); st != "Laporan Anda sedang ditangani petugas." {
		t.Errorf("the follow-up status is %q", st)
	}
	if msgs := reporter.timeline(); len(msgs) != 1 || msgs[0] != reply {
		t.Fatalf("the follow-up conversation is %q, want the reply", msgs)
	}
}

func TestBrowserNetworkMeetingRequest(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	const (
		place = "Warung Bu Sri dekat balai desa"
		when  = "Kamis jam 10 pagi"
	)
	// The reporter files through the public form while the office's people
	// are made.
	var mSecret string
	users := []func() error{
		async(t, netUser(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24", "", nil)),
		async(t, netUser(t, b.m, "kepala.uptd", spiker.RoleSupervisor, "35.24", "", nil)),
		async(t, netUser(t, b.m, "manajer.satu", spiker.RoleManajerKasus, "35.24", "", &mSecret)),
	}
	reporter, manager := b, b.person()
	if status := reporter.open("/"); status != 200 {
		t.Fatalf("report form: HTTP %d", status)
	}
	reporter.fillReport(true)
	receipt := reporter.submitReport()
	await(t, users...)
	signedIn := async(t, manager.signIn("manajer.satu", mSecret, time.Now()))

	// On follow-up the reporter asks to meet, names a safe place and a
	// time, and ends the session.
	if status := reporter.openFollowup(receipt); status != 200 {
		t.Fatalf("follow-up: HTTP %d: %.300s", status, reporter.bodyText())
	}
	reporter.do("asking to meet", insertText("#mplace", place), insertText("#mwhen", when))
	if status := reporter.submit("sending the meeting request", `form:has(#mplace) button[type=submit]`); status != 200 {
		t.Fatalf("meeting request: HTTP %d: %.300s", status, reporter.bodyText())
	}
	if ok := eval[string](reporter, `(document.querySelector(".ok") || {}).innerText || ""`); ok != "Terkirim. Petugas akan membacanya." {
		t.Fatalf("no confirmation of the meeting request: %q; page: %.300s", ok, reporter.bodyText())
	}
	if status := reporter.submit("ending the follow-up", `form[action="/cek/selesai"] button[type=submit]`); status != 200 {
		t.Fatalf("ending the follow-up: HTTP %d", status)
	}

	// A case is opened from the report and the manager put on it.
	caseID, _ := netCase(t, b.m, netActor(t, b.m, "konselor.satu"), netActor(t, b.m, "kepala.uptd"), "manajer.satu", "KDRT fisik")
	casePath := "/staf/kasus/" + caseID
	await(t, signedIn)
	if status := manager.open(casePath); status != 200 {
		t.Fatalf("the manager opening the case: HTTP %d: %.300s", status, manager.bodyText())
	}
	request := eval[string](manager, `(Array.from(document.querySelectorAll(".alert")).find(a => a.innerText.includes("Pelapor meminta bertemu")) || {}).innerText || ""`)
	if !strings.Contains(request, place) || !strings.Contains(request, when) {
		t.Fatalf("the case page does not show the reporter's request to meet: %q; page: %.800s", request, manager.bodyText())
	}

	// The manager answers it: a face-to-face meeting at the place the
	// reporter proposed (the address left empty, to be taken from the
	// request), shown to the reporter as confirmed.
	visitForm := `form[action="` + casePath + `/kunjungan"]`
	day := time.Now().In(officeZone).AddDate(0, 0, 1)
	manager.openDetails(visitForm, "Jadwalkan kunjungan atau pertemuan")
	answers := eval[[]string](manager, `Array.from(document.querySelectorAll('`+visitForm+` select[name=request] option'), o => o.value).filter(v => v)`)
	if len(answers) != 1 {
		t.Fatalf("the form offers %q as requests to answer, want the one", answers)
	}
	manager.do("filling in the meeting",
		chromedp.SendKeys(chromedp.CSS(visitForm+` select[name=kind]`), "Pertemuan"),
		chromedp.SetValue(chromedp.CSS(visitForm+` input[name=date]`), day.Format(time.DateOnly)),
		chromedp.SetValue(chromedp.CSS(visitForm+` input[name=time]`), "10:00"),
		chromedp.SetValue(chromedp.CSS(visitForm+` select[name=request]`), answers[0]),
		chromedp.SetValue(chromedp.CSS(visitForm+` select[name=reporter_status]`), spiker.ReporterConfirmed),
		chromedp.SendKeys(chromedp.CSS(visitForm+` select[name=place_kind]`), "Tempat aman"),
	)
	if chosen := []string{manager.fieldValue(visitForm + ` select[name=kind]`), manager.fieldValue(visitForm + ` select[name=place_kind]`), manager.fieldValue("#vplace")}; !slices.Equal(chosen, []string{spiker.VisitMeeting, "tempat_aman", ""}) {
		t.Fatalf("the meeting form holds kind, place kind, address %q", chosen)
	}
	manager.tickByLabel(visitForm, "manajer.satu")
	if status := manager.submit("scheduling the meeting", visitForm+` button[type=submit]`); status != 200 {
		t.Fatalf("scheduling the meeting: HTTP %d: %.500s", status, manager.bodyText())
	}
	shownAt := idDate(day) + ", 10:00 WIB"
	rows := manager.sectionRows("kunjungan")
	if manager.path() != casePath || len(rows) != 1 || len(rows[0]) != 5 || rows[0][0] != shownAt ||
		!strings.Contains(rows[0][1], "Pertemuan tatap muka") || !strings.Contains(rows[0][1], "Ditampilkan ke pelapor: dikonfirmasi") ||
		!strings.HasPrefix(rows[0][2], "Tempat aman pilihan pelapor") || !strings.Contains(rows[0][2], place) {
		t.Fatalf("after scheduling the manager is at %s, the visits are %q", manager.path(), rows)
	}
	// The address taken from the request is the place the reporter named,
	// not her whole message: the time she proposed ("Waktu: Kamis ...") is
	// not the meeting's, and would mislead the officers who go.
	if want := "Tempat aman pilihan pelapor: " + place; rows[0][2] != want {
		t.Errorf("the meeting's place reads %q, want %q", rows[0][2], want)
	}

	// The reporter comes back with the receipt and sees the meeting
	// confirmed: when, and at the place she proposed; nobody's name.
	if status := reporter.openFollowup(receipt); status != 200 {
		t.Fatalf("follow-up again: HTTP %d: %.300s", status, reporter.bodyText())
	}
	notices := eval[[]string](reporter, `Array.from(document.querySelectorAll(".meeting"), p => p.innerText.trim())`)
	if len(notices) != 1 || !strings.HasPrefix(notices[0], "Pertemuan tatap muka dikonfirmasi:") || !strings.Contains(notices[0], dayNamesID[day.Weekday()]+", "+shownAt) ||
		!strings.HasSuffix(notices[0], "di tempat yang Anda usulkan") {
		t.Fatalf("the follow-up shows the meeting notices %q, want one confirmed for %s, %s at the place the reporter proposed", notices, dayNamesID[day.Weekday()], shownAt)
	}
	page := eval[string](reporter, `document.documentElement.outerHTML`)
	for _, name := range []string{"manajer.satu", "konselor.satu", "kepala.uptd"} {
		if strings.Contains(page, name) {
			t.Errorf("the reporter's follow-up names the staff member %s", name)
		}
	}
	if axe := optionalAxe(t); axe != "" {
		reporter.checkAxe("follow-up with a confirmed meeting", axe)
	}
}
