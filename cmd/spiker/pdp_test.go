package main

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
)

// A data-subject request through the back office: recorded with its
// content, linked to the case; the access export is a PDF of what the
// exporting supervisor reads of the case (identities in full), audited; a
// supervisor who holds no key to the case gets none; restriction refuses
// the manager's note until it is lifted; the decision needs its legal
// basis.
func TestPDPRequestPages(t *testing.T) {
	sc := newSummaryCase(t)
	m := sc.m
	form := url.Values{"csrf": {sc.sCSRF}, "kind": {spiker.PDPKinds[0]}, "right": {spiker.PDPAccess}, "received": {time.Now().In(spiker.TimeZone("35.24")).Add(-time.Hour).Format("2006-01-02T15:04")},
		"name": {"Siti Aminah"}, "contact": {"0812-3456-7890"}, "request": {"Saya minta salinan data saya"}, "case_number": {"3524/1999/99999"}}
	if resp, page := sc.sup.post("/staf/pdp", form, nil); resp.StatusCode != 422 || !strings.Contains(page, "Nomor kasus tidak ditemukan") && !strings.Contains(page, `class="err"`) {
		t.Fatalf("an unknown case number: %d", resp.StatusCode)
	}
	form.Set("case_number", sc.number)
	resp, _ := sc.sup.post("/staf/pdp", form, nil)
	if resp.StatusCode != 303 {
		t.Fatalf("recording the request: %d", resp.StatusCode)
	}
	reqPath := resp.Header.Get("Location")
	_, page := sc.sup.get(reqPath)
	if !strings.Contains(page, "Saya minta salinan data saya") || !strings.Contains(page, sc.number) {
		t.Fatalf("the request's page: %.2000s", page)
	}

	// Not before the requester's identity is verified.
	if resp, page := sc.sup.post(reqPath+"/ekspor", url.Values{"csrf": {sc.sCSRF}}, nil); resp.StatusCode != 422 || !strings.Contains(page, "Verifikasi identitas pemohon dulu") {
		t.Fatalf("an export to an unverified requester: %d", resp.StatusCode)
	}
	if resp, _ := sc.sup.post(reqPath+"/verifikasi", url.Values{"csrf": {sc.sCSRF}, "method": {"ktp_tatap_muka"}, "details": {"KTP dicocokkan"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("verifying: %d", resp.StatusCode)
	}
	exports := auditCount(t, m, "pdp.export")
	if resp, page := sc.sup.post(reqPath+"/ekspor", url.Values{"csrf": {sc.sCSRF}, "recipient": {"terlapor"}}, nil); resp.StatusCode != 422 || !strings.Contains(page, "Ekspor hanya untuk korban sendiri") {
		t.Fatalf("an export to the perpetrator: %d", resp.StatusCode)
	}
	resp, body := sc.sup.post(reqPath+"/ekspor", url.Values{"csrf": {sc.sCSRF}, "recipient": {"korban"}}, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text, err := lettertest.Text([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(text), " ")
	// What the supervisor reads on the case page is in it, identities in full.
	_, cp := sc.sup.get(sc.path)
	for _, want := range []string{"DATA PRIBADI YANG DISIMPAN", "Nomor kasus " + sc.number, "Siti Aminah", "3524015501960002", "Budi Santoso",
		"Korban cemas dan takut pulang.", "Visum di RSUD dr. Soegiri.", sc.agencyName, "Kekerasan dalam rumah tangga oleh suami."} {
		if !strings.Contains(flat, want) {
			t.Errorf("the export lacks %q:\n%s", want, text)
		}
	}
	for _, onPage := range []string{"Korban cemas dan takut pulang.", "Visum di RSUD dr. Soegiri.", "Kekerasan dalam rumah tangga oleh suami."} {
		if !strings.Contains(cp, onPage) {
			t.Errorf("the case page lacks %q: the comparison is void", onPage)
		}
	}
	if n := auditCount(t, m, "pdp.export"); n != exports+1 {
		t.Errorf("%d export entries, want %d", n, exports+1)
	}

	// A supervisor outside the supervisors' group holds no key to the case.
	secret := addStaffWithTOTP(t, m, "kepala.dua", spiker.RoleSupervisor, "35.24")
	other := newPortal(t, m)
	oc := signIn(t, other, "kepala.dua", secret, time.Now())
	if resp, body := other.post(reqPath+"/ekspor", url.Values{"csrf": {oc}, "recipient": {"korban"}}, nil); resp.StatusCode != 403 || strings.Contains(body, "Siti") {
		t.Fatalf("an export without the case key: %d", resp.StatusCode)
	}
	if _, page := other.get(reqPath); strings.Contains(page, "Saya minta salinan") {
		t.Fatal("a supervisor without the request's key reads its content")
	}

	// Restriction: the manager's note is refused (423) until lifted.
	note := url.Values{"csrf": {sc.mCSRF}, "kind": {"asesmen"}, "category": {"Biopsikososial"}, "body": {"Catatan baru."}}
	if resp, _ := sc.sup.post(reqPath+"/pembatasan", url.Values{"csrf": {sc.sCSRF}, "pembatasan": {"ya"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("restricting: %d", resp.StatusCode)
	}
	if resp, page := sc.manager.post(sc.path+"/catatan", note, nil); resp.StatusCode != 423 || !strings.Contains(page, "dibatasi") {
		t.Fatalf("a note on a restricted case: %d", resp.StatusCode)
	}
	if resp, page := sc.manager.get(sc.path); resp.StatusCode != 200 || !strings.Contains(page, "Pemrosesan kasus ini dibatasi") {
		t.Fatalf("reading a restricted case: %d", resp.StatusCode)
	}
	if resp, _ := sc.sup.post(reqPath+"/pembatasan", url.Values{"csrf": {sc.sCSRF}, "pembatasan": {"cabut"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("lifting: %d", resp.StatusCode)
	}
	if resp, _ := sc.manager.post(sc.path+"/catatan", note, nil); resp.StatusCode != 303 {
		t.Fatalf("a note after lifting: %d", resp.StatusCode)
	}
	if _, page := sc.manager.get(sc.path); strings.Contains(page, "Pemrosesan kasus ini dibatasi") {
		t.Fatal("the case page still says the case is restricted")
	}

	// The decision: a refusal without a legal basis is shown again with its error.
	decide := url.Values{"csrf": {sc.sCSRF}, "outcome": {spiker.PDPRefused}, "reason": {"Data sudah diberikan"}}
	if resp, page := sc.sup.post(reqPath+"/keputusan", decide, nil); resp.StatusCode != 422 || !strings.Contains(page, "dasar hukum") {
		t.Fatalf("a refusal without a legal basis: %d", resp.StatusCode)
	}
	decide.Set("outcome", spiker.PDPGranted)
	if resp, _ := sc.sup.post(reqPath+"/keputusan", decide, nil); resp.StatusCode != 303 {
		t.Fatalf("deciding: %d", resp.StatusCode)
	}
	if _, page := sc.sup.get("/staf/pdp"); !regexp.MustCompile(`Dikabulkan`).MatchString(page) {
		t.Fatal("the register does not show the decision")
	}
}

// From a report's page that is no case: the request form carries the
// report, the export lays out the report for the person, and restriction
// refuses a reply until lifted.
func TestPDPReportPages(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	secret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	sup := newPortal(t, m)
	csrf := signIn(t, sup, "kepala.uptd", secret, time.Now())
	r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban,
		ViolenceTypes: []string{"Psikis"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "Diancam oleh tetangga Wiraguna"}}
	if _, err := m.Reports.CreateReport(context.Background(), r, ""); err != nil {
		t.Fatal(err)
	}
	_, page := sup.get("/staf/laporan/" + r.ID)
	link := "/staf/pdp?laporan=" + r.ID
	if !strings.Contains(page, `href="`+link+`"`) {
		t.Fatal("the report page has no link to record a request")
	}
	_, form := sup.get(link)
	if !strings.Contains(form, `name="report" value="`+r.ID+`"`) {
		t.Fatal("the request form does not carry the report")
	}
	resp, _ := sup.post("/staf/pdp", url.Values{"csrf": {csrf}, "kind": {spiker.PDPKinds[0]}, "right": {spiker.PDPAccess}, "report": {r.ID},
		"received": {time.Now().In(spiker.TimeZone("35.24")).Add(-time.Hour).Format("2006-01-02T15:04")},
		"name":     {"Wiraguna"}, "contact": {"0812"}, "request": {"Salinan laporan saya"}}, nil)
	if resp.StatusCode != 303 {
		t.Fatalf("recording: %d", resp.StatusCode)
	}
	reqPath := resp.Header.Get("Location")
	if resp, _ := sup.post(reqPath+"/verifikasi", url.Values{"csrf": {csrf}, "method": {"telepon_balik"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("verifying: %d", resp.StatusCode)
	}
	resp, body := sup.post(reqPath+"/ekspor", url.Values{"csrf": {csrf}, "recipient": {"wali"}}, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	text, err := lettertest.Text([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if flat := strings.Join(strings.Fields(text), " "); !strings.Contains(flat, "Diancam oleh tetangga Wiraguna") || !strings.Contains(flat, "DATA PRIBADI YANG DISIMPAN") {
		t.Fatalf("the report's export:\n%s", text)
	}
	if resp, _ := sup.post(reqPath+"/pembatasan", url.Values{"csrf": {csrf}, "pembatasan": {"ya"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("restricting: %d", resp.StatusCode)
	}
	reply := url.Values{"csrf": {csrf}, "body": {"Kami akan menghubungi Anda"}}
	if resp, _ := sup.post("/staf/laporan/"+r.ID+"/balas", reply, nil); resp.StatusCode != 423 {
		t.Fatalf("a reply to a restricted report: %d", resp.StatusCode)
	}
	if _, page := sup.get("/staf/laporan/" + r.ID); !strings.Contains(page, "Pemrosesan laporan ini dibatasi") {
		t.Fatal("the restricted report's page does not say so")
	}
	if resp, _ := sup.post(reqPath+"/pembatasan", url.Values{"csrf": {csrf}, "pembatasan": {"cabut"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("lifting: %d", resp.StatusCode)
	}
	if resp, _ := sup.post("/staf/laporan/"+r.ID+"/balas", reply, nil); resp.StatusCode != 303 {
		t.Fatalf("a reply after lifting: %d", resp.StatusCode)
	}
	if _, page := sup.get("/staf/laporan/" + r.ID); strings.Contains(page, "Pemrosesan laporan ini dibatasi") {
		t.Fatal("the report's page still says it is restricted after the lift")
	}
}
