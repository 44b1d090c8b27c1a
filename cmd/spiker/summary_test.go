package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
	"github.com/spikerperak/spiker/internal/store"
)

// summaryCase is a case filled through the back office: a victim with a
// name and NIK, a perpetrator, timeline entries, a service, the police
// report, and a referral the partner completed.
type summaryCase struct {
	m            *Main
	path, number string
	manager, sup *portal
	mCSRF, sCSRF string
	refPath      string
	agencyName   string
}

func newSummaryCase(t *testing.T) *summaryCase {
	t.Helper()
	ctx := context.Background()
	m, _ := startMain(t, t.TempDir(), "")
	kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	mSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
	reporter := newPortal(t, m)
	_, form := reporter.get("/")
	reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)

	officer := newPortal(t, m)
	sc := &summaryCase{m: m, manager: newPortal(t, m), sup: newPortal(t, m)}
	oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
	sc.sCSRF = signIn(t, sc.sup, "kepala.uptd", sSecret, time.Now())
	sc.mCSRF = signIn(t, sc.manager, "manajer.satu", mSecret, time.Now())
	_, inbox := officer.get("/staf/")
	link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
	resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {"Kekerasan dalam rumah tangga oleh suami."}}, nil)
	sc.path = resp.Header.Get("Location")
	if resp, _ := sc.sup.post(sc.path+"/tim", url.Values{"csrf": {sc.sCSRF}, "user": {userIDOf(t, sc.m, "manajer.satu")}}, nil); resp.StatusCode != 303 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	mc := sc.mCSRF
	post := func(suffix string, v url.Values) {
		t.Helper()
		v.Set("csrf", mc)
		if resp, page := sc.manager.post(sc.path+suffix, v, nil); resp.StatusCode != 303 {
			t.Fatalf("%s: %d %q", suffix, resp.StatusCode, regexp.MustCompile(`class="err"[^>]*>[^<]*`).FindAllString(page, -1))
		}
	}
	post("/korban", url.Values{"name": {"Siti Aminah"}, "nik": {"3524015501960002"}, "sex": {"Perempuan"}, "age": {"30"},
		"violence_types": {"Fisik"}, "place": {"Rumah Tangga"}, "incident_date": {"2026-11-20"}, "kdrt": {"ya"}, "consent": {"korban"},
		"office_categories": {"kbgo"}, "victim_desa": {"35.24.22.1012"}})
	_, cp := sc.manager.get(sc.path)
	victimID := regexp.MustCompile(`name="victim" required><option value="([a-z0-9]+)"`).FindStringSubmatch(cp)
	if victimID == nil {
		t.Fatal("no victim on the case page")
	}
	post("/pelaku", url.Values{"victim": {victimID[1]}, "p_name": {"Budi Santoso"}, "p_sex": {"Laki-laki"}, "p_age_group": {"25-59"}, "p_relationship": {"Suami/Istri"}})
	post("/langkah", url.Values{"step": {"asesmen"}})
	post("/tpks", url.Values{"tpks": {"ya"}})
	post("/lapor-polisi", url.Values{})
	post("/catatan", url.Values{"kind": {"asesmen"}, "category": {"Biopsikososial"}, "body": {"Korban cemas dan takut pulang."}})
	post("/catatan", url.Values{"kind": {"layanan"}, "category": {"Kesehatan"}, "body": {"Visum di RSUD dr. Soegiri."}})
	post("/perlindungan", url.Values{"order_kind": {"perlindungan_sementara"}, "order_issuer": {"kepolisian"}, "order_starts": {"2026-11-21"},
		"order_ends": {"2026-12-04"}, "order_status": {"berlaku"}, "order_notes": {"Pelaku dilarang mendekati rumah ibu korban."}})
	post("/restitusi", url.Values{"rest_requested_on": {"2026-11-22"}, "rest_amount_requested": {"25000000"}})
	sc.number = regexp.MustCompile(`<h1>Kasus ([0-9/]+)</h1>`).FindStringSubmatch(cp)[1]

	// A partner agency; the manager refers the victim, the partner
	// completes the referral with an outcome.
	admin := createMatrixAdmin(t, m)
	network := store.NetworkService{Store: m.Store}
	agency := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
	if err := network.SaveAgency(ctx, admin, agency); err != nil {
		t.Fatal(err)
	}
	sc.agencyName = agency.Name
	partner := &spiker.User{Username: "dokter.rsud", Roles: []spiker.Role{spiker.RoleMitra}, RegionCode: "35.24", AgencyID: agency.ID}
	storeUsers(m).NewCredentials(partner, "tubruk pasar sapi kabut")
	if err := storeUsers(m).CreateUser(ctx, partner); err != nil {
		t.Fatal(err)
	}
	post("/rujukan", url.Values{"agency": {agency.ID}, "service": {"Kesehatan"}, "due_date": {time.Now().Add(72 * time.Hour).Format(time.DateOnly)},
		"victim": {victimID[1]}, "needs": {"visum"}, "consent": {"korban"}})
	_, cp = sc.manager.get(sc.path)
	ref := regexp.MustCompile(`href="/staf/rujukan/([a-z0-9]+)"`).FindStringSubmatch(cp)
	if ref == nil {
		t.Fatal("the referral is not on the case page")
	}
	sc.refPath = "/staf/rujukan/" + ref[1]
	pa, err := m.Users.Authenticate(ctx, "dokter.rsud", "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	if err := network.RespondReferral(ctx, pa, ref[1], true, ""); err != nil {
		t.Fatal(err)
	}
	if err := network.CompleteReferral(ctx, pa, ref[1], "2026-11-25", "Visum et repertum selesai; luka memar di lengan.", nil); err != nil {
		t.Fatal(err)
	}
	return sc
}

// auditCount counts the audit entries of an action.
func auditCount(t *testing.T, m *Main, action string) int {
	t.Helper()
	var n int
	if err := m.DB.Get(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = $1`, []any{action}, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// idMonths are the Indonesian month names, for the dates the PDF writes.
var idMonths = []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

func idDate(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + idMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

func TestCaseSummaryPDF(t *testing.T) {
	sc := newSummaryCase(t)
	m := sc.m
	summary := sc.path + "/ringkasan.pdf"

	// The case page offers both versions.
	_, cp := sc.manager.get(sc.path)
	if !strings.Contains(cp, `href="`+summary+`"`) || !strings.Contains(cp, `action="`+summary+`"`) {
		t.Fatal("the case page has no link to the summary")
	}
	if n := auditCount(t, m, "case.export_summary"); n != 0 {
		t.Fatalf("%d export entries before any export", n)
	}
	reveals := auditCount(t, m, "case.reveal_identity")

	// The default version: masked identities, every fact in Indonesian.
	resp, body := sc.manager.get(summary)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("summary: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "ringkasan-kasus-") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if dir := os.Getenv("SPIKER_SCREENSHOTS"); dir != "" {
		// To look at: the masked summary as printed.
		os.WriteFile(filepath.Join(dir, "case-summary.pdf"), []byte(body), 0o644)
	}
	text, err := lettertest.Text([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(text), " ")
	zone := spiker.TimeZone("35.24")
	for _, want := range []string{"RINGKASAN KASUS", "Nomor kasus " + sc.number, "identitas disamarkan", idDate(time.Now().In(zone)),
		"Status : terbuka", "Langkah : asesmen", "Wilayah : Sukorejo, Lamongan", "Pendidikan : —", "Bentuk kekerasan seksual : —", "Kasus TPKS : ya (UU 12/2022)", "Laporan ke polisi : dilaporkan " + idDate(time.Now().In(zone)), "Korban 1", "Nama : S. A.",
		"Jenis kelamin : Perempuan", "30 tahun", "Kategori lokal : Kekerasan Berbasis Gender Online (KBGO)", "Fisik", "KDRT : ya", "20 November 2026", "B. S.", "Suami/Istri",
		"Korban cemas dan takut pulang.", "Layanan yang diberikan", "Visum di RSUD dr. Soegiri.", "Biopsikososial",
		"Rujukan", sc.agencyName, "Selesai", "25 November 2026", "Visum et repertum selesai; luka memar di lengan.",
		"Kekerasan dalam rumah tangga oleh suami.", "Dicetak oleh manajer.satu", "RAHASIA",
		"Perlindungan hukum", "Perlindungan sementara (Pasal", "Kepolisian, 21 November 2026 – 4 Desember 2026", "(Berlaku)",
		"Restitusi : Diajukan 22 November 2026: Rp 25.000.000; Belum diputus"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
	for _, leak := range []string{"Siti", "Aminah", "3524015501960002", "Budi", "Santoso", "dilarang mendekati"} {
		if strings.Contains(text, leak) {
			t.Errorf("the masked summary shows %q", leak)
		}
	}
	if n := auditCount(t, m, "case.export_summary"); n != 1 {
		t.Errorf("%d export entries after one export, want 1", n)
	}
	if n := auditCount(t, m, "case.reveal_identity"); n != reveals {
		t.Errorf("the masked export recorded a reveal")
	}

	// The full version: a POST with the form token; the reveal is its own
	// entry.
	if resp, _ := sc.manager.post(summary, url.Values{"csrf": {"salah"}, "identitas": {"ya"}}, nil); resp.StatusCode != 403 {
		t.Errorf("full version without the form token: %d", resp.StatusCode)
	}
	resp, body = sc.manager.post(summary, url.Values{"csrf": {sc.mCSRF}, "identitas": {"ya"}}, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("full summary: %d", resp.StatusCode)
	}
	text, err = lettertest.Text([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	flat = strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"Nama : Siti Aminah", "NIK : 3524015501960002", "Budi Santoso", "lengkap, dengan identitas",
		"Pelaku dilarang mendekati rumah ibu korban."} {
		if !strings.Contains(flat, want) {
			t.Errorf("the full summary lacks %q:\n%s", want, text)
		}
	}
	if n := auditCount(t, m, "case.reveal_identity"); n != reveals+1 {
		t.Errorf("%d reveal entries after the full export, want %d", n, reveals+1)
	}
	if n := auditCount(t, m, "case.export_summary"); n != 2 {
		t.Errorf("%d export entries, want 2", n)
	}

	// Without the case key: refused, and the refusal is audited.
	oSecret := addStaffWithTOTP(t, m, "manajer.dua", spiker.RoleManajerKasus, "35.24")
	other := newPortal(t, m)
	oc := signIn(t, other, "manajer.dua", oSecret, time.Now())
	if resp, body := other.get(summary); resp.StatusCode != 403 || strings.Contains(body, "%PDF") {
		t.Errorf("a manager off the case: %d", resp.StatusCode)
	}
	if resp, body := other.post(summary, url.Values{"csrf": {oc}, "identitas": {"ya"}}, nil); resp.StatusCode != 403 || strings.Contains(body, "%PDF") {
		t.Errorf("a manager off the case, full version: %d", resp.StatusCode)
	}
	if n := auditCount(t, m, "case.export_summary_denied"); n != 2 {
		t.Errorf("%d denied export entries, want 2", n)
	}
	if n := auditCount(t, m, "case.export_summary"); n != 2 {
		t.Errorf("a refused export was recorded as one")
	}
}

func TestStaffProfileSignsLetters(t *testing.T) {
	sc := newSummaryCase(t)
	m := sc.m

	// The manager fills in their profile; NIP mistakes are refused in
	// Indonesian.
	for nip, msg := range map[string]string{
		"1980010120050110":       "NIP harus 18 angka.",
		"19800101 200501 1 00x":  "NIP hanya berisi angka",
		"19801301 200501 1 001":  "tanggal lahir",
		"19800101 200513 1 001":  "bulan pengangkatan",
		"19800101 200501 3 001":  "jenis kelamin: 1 atau 2",
		"19800101 200501 1 000":  "nomor urut",
		"19800101.200501.1.001 ": "", // dots are how some write it
	} {
		resp, page := sc.manager.post("/staf/akun/profil", url.Values{"csrf": {sc.mCSRF}, "full_name": {"Dra. Siti Rahayu, M.Si."},
			"jabatan": {"Manajer Kasus Senior"}, "nip": {nip}}, nil)
		if msg == "" {
			if resp.StatusCode != 200 || !strings.Contains(page, "Profil tersimpan.") || !strings.Contains(page, `value="19800101 200501 1 001"`) {
				t.Errorf("a valid NIP %q: %d", nip, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != 422 || !strings.Contains(page, msg) || !strings.Contains(page, `value="Manajer Kasus Senior"`) {
			t.Errorf("NIP %q: %d, want 422 with %q", nip, resp.StatusCode, msg)
		}
	}
	if resp, page := sc.manager.post("/staf/akun/profil", url.Values{"csrf": {sc.mCSRF}, "nip": {"198001012005011001"}}, nil); resp.StatusCode != 422 ||
		!strings.Contains(page, "Isi nama lengkap") {
		t.Errorf("a NIP without a name: %d", resp.StatusCode)
	}
	if n := auditCount(t, m, "user.profile"); n != 1 {
		t.Errorf("%d profile entries, want 1 (refusals change nothing)", n)
	}

	// The referral letter is signed by the manager who made it.
	resp, body := sc.manager.get(sc.refPath + "/surat")
	if resp.StatusCode != 200 {
		t.Fatalf("letter: %d", resp.StatusCode)
	}
	text, err := lettertest.Text([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(text, "\n")
	idx := func(s string) int {
		for i, l := range lines {
			if strings.TrimSpace(l) == s {
				return i
			}
		}
		return -1
	}
	pos, name, nip := idx("Manajer Kasus Senior"), idx("Dra. Siti Rahayu, M.Si."), idx("NIP. 19800101 200501 1 001")
	if pos < 0 || name <= pos || nip != name+1 {
		t.Errorf("signature block: jabatan %d, name %d, NIP %d in\n%s", pos, name, nip, text)
	}

	// The administrator sees and sets profiles on the users page.
	aSecret := addStaffWithTOTP(t, m, "admin.sistem", spiker.RoleAdmin, "35.24")
	admin := newPortal(t, m)
	ac := signIn(t, admin, "admin.sistem", aSecret, time.Now())
	_, page := admin.get("/staf/pengguna")
	if !strings.Contains(page, "Dra. Siti Rahayu, M.Si.") || !strings.Contains(page, "NIP. 19800101 200501 1 001") {
		t.Error("the users page does not show the manager's profile")
	}
	u, err := m.Users.FindUserByUsername(context.Background(), "kepala.uptd")
	if err != nil {
		t.Fatal(err)
	}
	path := "/staf/pengguna/" + strconv.FormatInt(u.ID, 10) + "/profil"
	if resp, page := admin.post(path, url.Values{"csrf": {ac}, "full_name": {"Drs. Ahmad Fauzi"}, "nip": {"12345"}}, nil); resp.StatusCode != 422 ||
		!strings.Contains(page, "NIP harus 18 angka.") {
		t.Errorf("admin, bad NIP: %d", resp.StatusCode)
	}
	if resp, _ := admin.post(path, url.Values{"csrf": {ac}, "full_name": {"Drs. Ahmad Fauzi"}, "jabatan": {"Kepala UPTD PPA"}, "nip": {"197203151998031002"}}, nil); resp.StatusCode != 303 {
		t.Errorf("admin sets a profile: %d", resp.StatusCode)
	}
	u, _ = m.Users.FindUserByUsername(context.Background(), "kepala.uptd")
	if u.Profile != (spiker.Profile{FullName: "Drs. Ahmad Fauzi", Position: "Kepala UPTD PPA", NIP: "197203151998031002"}) {
		t.Errorf("stored profile %+v", u.Profile)
	}
	// Someone else's profile is not theirs to set.
	if resp, _ := sc.manager.post(path, url.Values{"csrf": {sc.mCSRF}, "full_name": {"Orang Lain"}}, nil); resp.StatusCode != 403 {
		t.Errorf("a manager setting a colleague's profile: %d", resp.StatusCode)
	}
}
