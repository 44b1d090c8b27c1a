package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// The admin's retention settings: the defaults shown, an out-of-range
// value refused with its message (nothing saved), a valid one saved. A
// supervisor puts a legal hold on a case with its reason and lifts it.
func TestRetentionPages(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	aSecret := addStaffWithTOTP(t, m, "admin.satu", spiker.RoleAdmin, "35.24")
	kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	admin, officer, sup := newPortal(t, m), newPortal(t, m), newPortal(t, m)
	ac := signIn(t, admin, "admin.satu", aSecret, time.Now())
	oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
	sc := signIn(t, sup, "kepala.uptd", sSecret, time.Now())

	_, page := admin.get("/staf/pengaturan")
	if !strings.Contains(page, "Masa simpan catatan") || !strings.Contains(page, "Bawaan: 90.") || !strings.Contains(page, `name="case_years" type="number" min="0" value="5"`) {
		t.Fatalf("the retention settings do not show the defaults: %.3000s", page)
	}
	v := url.Values{"csrf": {ac}, "not_case_days": {"10"}, "case_years": {"5"}, "files_days": {"0"}, "followup_days": {"x"}}
	if resp, page := admin.post("/staf/pengaturan/retensi", v, nil); resp.StatusCode != 422 || !strings.Contains(page, "Isi antara 30 dan 3650 hari.") ||
		!strings.Contains(page, "Isi 0, atau paling sedikit 30 hari") {
		t.Fatalf("an out-of-range retention: %d", resp.StatusCode)
	}
	v = url.Values{"csrf": {ac}, "not_case_days": {"120"}, "case_years": {"10"}, "files_days": {"0"}, "followup_days": {"60"}}
	if resp, _ := admin.post("/staf/pengaturan/retensi", v, nil); resp.StatusCode != 303 {
		t.Fatalf("saving the retention: %d", resp.StatusCode)
	}
	if _, page := admin.get("/staf/pengaturan"); !strings.Contains(page, `name="not_case_days" type="number" min="0" value="120"`) {
		t.Fatal("the saved retention is not shown")
	}
	if resp, _ := sup.post("/staf/pengaturan/retensi", v, nil); resp.StatusCode != 403 {
		t.Fatalf("a supervisor setting the retention: %d", resp.StatusCode)
	}

	reporter := newPortal(t, m)
	_, form := reporter.get("/")
	reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
	_, inbox := officer.get("/staf/")
	link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
	resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {"KDRT"}}, nil)
	casePath := resp.Header.Get("Location")
	if _, page := sup.get(casePath); !strings.Contains(page, "Masa simpan mulai berjalan ketika kasus ditutup.") || !strings.Contains(page, "Tahan karena proses hukum") {
		t.Fatal("the case page does not offer the legal hold")
	}
	if _, page := officer.get(casePath); strings.Contains(page, "Tahan karena proses hukum") {
		t.Fatal("the duty officer is offered the legal hold")
	}
	if resp, page := sup.post(casePath+"/tahan", url.Values{"csrf": {sc}, "hold_reason": {" "}}, nil); resp.StatusCode != 422 || !strings.Contains(page, "Tulis alasan penahanan") {
		t.Fatalf("a hold without a reason: %d", resp.StatusCode)
	}
	if resp, _ := officer.post(casePath+"/tahan", url.Values{"csrf": {oc}, "hold_reason": {"Perkara"}}, nil); resp.StatusCode != 403 {
		t.Fatalf("a hold by the duty officer: %d", resp.StatusCode)
	}
	if resp, _ := sup.post(casePath+"/tahan", url.Values{"csrf": {sc}, "hold_reason": {"Perkara 12/Pid.Sus/2026/PN Lmg"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("putting the hold: %d", resp.StatusCode)
	}
	if _, page := sup.get(casePath); !strings.Contains(page, "Ditahan karena proses hukum") || !strings.Contains(page, "Perkara 12/Pid.Sus/2026/PN Lmg") {
		t.Fatal("the case page does not show the hold and its reason")
	}
	if _, page := officer.get(casePath); !strings.Contains(page, "Ditahan karena proses hukum") || strings.Contains(page, "Perkara 12/Pid.Sus") {
		t.Fatal("the officer sees no hold, or its sealed reason")
	}
	if resp, _ := sup.post(casePath+"/tahan/lepas", url.Values{"csrf": {sc}}, nil); resp.StatusCode != 303 {
		t.Fatalf("lifting the hold: %d", resp.StatusCode)
	}
	if _, page := sup.get(casePath); strings.Contains(page, "Ditahan karena proses hukum") {
		t.Fatal("the hold is still shown after the lift")
	}

	// A report closed as not a case shows its purge date (120 days, as
	// set above) and may be kept longer with a reason.
	_, form = reporter.get("/")
	reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
	_, inbox = officer.get("/staf/")
	link = regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
	if resp, _ := officer.post(link+"/tutup", url.Values{"csrf": {oc}, "reason": {"spam"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("closing the report: %d", resp.StatusCode)
	}
	_, page = officer.get(link)
	if !strings.Contains(page, "akan dimusnahkan") || !strings.Contains(page, `action="`+link+`/retensi"`) {
		t.Fatalf("the closed report shows no retention: %.3000s", page)
	}
	if resp, page := officer.post(link+"/retensi", url.Values{"csrf": {oc}, "keep_until": {"2020-01-01"}, "keep_reason": {""}}, nil); resp.StatusCode != 422 ||
		!strings.Contains(page, "Pilih tanggal setelah akhir masa simpan sekarang.") || !strings.Contains(page, "Tulis alasan perpanjangan") {
		t.Fatalf("an extension to an earlier date without a reason: %d", resp.StatusCode)
	}
	until := m.Clock.Local().AddDate(1, 0, 0).Format(time.DateOnly)
	if resp, _ := officer.post(link+"/retensi", url.Values{"csrf": {oc}, "keep_until": {until}, "keep_reason": {"Menunggu pemeriksaan ulang"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("extending the report: %d", resp.StatusCode)
	}
	if _, page := officer.get(link); !strings.Contains(page, "(diperpanjang)") {
		t.Fatal("the extension is not shown")
	}
}
