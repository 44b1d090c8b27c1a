package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// longDateID writes a date as the case page does: "7 Desember 2026".
func longDateID(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + locale.Printer{Lang: "id"}.Text("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// newProtectionFixture opens a case from a web report and puts manajer.satu on
// its team; it returns the case's path and the signed-in portals with
// their CSRF tokens.
type protectionFixture struct {
	m                   *Main
	casePath            string
	manager, other, sup *portal
	mCSRF, oCSRF, sCSRF string
}

func newProtectionFixture(t *testing.T, dbURL string) *protectionFixture {
	t.Helper()
	m, _ := startMain(t, t.TempDir(), dbURL)
	kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	mSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
	oSecret := addStaffWithTOTP(t, m, "manajer.dua", spiker.RoleManajerKasus, "35.24")
	reporter := newPortal(t, m)
	_, form := reporter.get("/")
	reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
	f := &protectionFixture{m: m, manager: newPortal(t, m), other: newPortal(t, m), sup: newPortal(t, m)}
	officer := newPortal(t, m)
	oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
	f.sCSRF = signIn(t, f.sup, "kepala.uptd", sSecret, time.Now())
	f.mCSRF = signIn(t, f.manager, "manajer.satu", mSecret, time.Now())
	f.oCSRF = signIn(t, f.other, "manajer.dua", oSecret, time.Now())
	_, inbox := officer.get("/staf/")
	link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
	resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {"Ringkasan"}}, nil)
	f.casePath = resp.Header.Get("Location")
	if resp, _ := f.sup.post(f.casePath+"/tim", url.Values{"csrf": {f.sCSRF}, "user": {userIDOf(t, m, "manajer.satu")}}, nil); resp.StatusCode != 303 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	return f
}

// riskForm answers every question no but those in yes.
func riskForm(csrf string, yes ...string) url.Values {
	v := url.Values{"csrf": {csrf}}
	for _, q := range spiker.RiskQuestions {
		v.Set("risk_"+q.ID, "tidak")
	}
	for _, id := range yes {
		v.Set("risk_"+id, "ya")
	}
	return v
}

// TestStaffCaseProtections walks the case page's protection forms: a
// protection order with its dates (the end before the start refused with
// a clear message; one ending within 3 days marked), a restitusi, the risk
// assessment's proposal accepted or overridden with a reason (the case's
// risk follows), and the safety plan's versions; someone off the team is
// refused every form and the page, and nothing written is left in the
// clear in the database.
func TestStaffCaseProtections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		f := newProtectionFixture(t, dbURL)
		casePath, manager, mc := f.casePath, f.manager, f.mCSRF
		post := func(p *portal, path string, v url.Values) (int, string) {
			resp, page := p.post(casePath+path, v, nil)
			return resp.StatusCode, page
		}
		today := time.Now().In(spiker.TimeZone(""))
		day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }

		// A protection order: the end before the start is refused.
		order := url.Values{"csrf": {mc}, "order_kind": {spiker.OrderTemporary}, "order_issuer": {"kepolisian"}, "order_starts": {day(-5)},
			"order_ends": {day(-6)}, "order_status": {spiker.OrderActive}, "order_notes": {"Catatan perintah lindungkanari"}}
		if code, page := post(manager, "/perlindungan", order); code != 422 || !strings.Contains(page, "Tanggal berakhir tidak boleh sebelum tanggal mulai.") {
			t.Fatalf("an order ending before it starts: %d", code)
		}
		order.Set("order_ends", day(10))
		if code, page := post(manager, "/perlindungan", order); code != 422 || !strings.Contains(page, "paling lama 14 hari") {
			t.Fatalf("a temporary protection of 16 days: %d", code)
		}
		order.Set("order_ends", day(2))
		if code, _ := post(manager, "/perlindungan", order); code != 303 {
			t.Fatalf("the order: %d", code)
		}
		_, page := manager.get(casePath)
		if !strings.Contains(page, "berakhir "+longDateID(today.AddDate(0, 0, 2))) || !strings.Contains(page, "segera berakhir") ||
			!strings.Contains(page, "Catatan perintah lindungkanari") {
			t.Fatalf("the order on the case page: %s", page[strings.Index(page, `id="perlindungan"`):][:1500])
		}

		// Restitusi, typed the Indonesian way.
		rest := url.Values{"csrf": {mc}, "rest_requested_on": {day(-3)}, "rest_amount_requested": {"Rp 25.000.000"}, "rest_notes": {"Catatan restitusi lindungkanari"}}
		if code, _ := post(manager, "/restitusi", rest); code != 303 {
			t.Fatalf("the restitusi: %d", code)
		}
		_, page = manager.get(casePath)
		if !strings.Contains(page, "Rp 25.000.000") || !strings.Contains(page, "Diajukan "+longDateID(today.AddDate(0, 0, -3))) {
			t.Fatal("the restitusi is not on the case page")
		}
		rid := regexp.MustCompile(`action="` + regexp.QuoteMeta(casePath) + `/restitusi#perlindungan">\s*<input type="hidden" name="csrf" value="[^"]+"><input type="hidden" name="target" value="([a-z0-9]+)"`).FindStringSubmatch(page)
		if rid == nil {
			t.Fatal("no restitusi edit form")
		}
		decided := url.Values{"csrf": {mc}, "target": {rid[1]}, "rest_requested_on": {day(-3)}, "rest_amount_requested": {"25000000"},
			"rest_decided_on": {day(-4)}, "rest_amount_decided": {"10.000.000"}, "rest_payment": {"dibayar_sebagian"}}
		if code, page := post(manager, "/restitusi", decided); code != 422 || !strings.Contains(page, "Tanggal putusan tidak boleh sebelum tanggal permohonan.") {
			t.Fatalf("a decision before the request: %d", code)
		}
		decided.Set("rest_decided_on", day(-1))
		if code, _ := post(manager, "/restitusi", decided); code != 303 {
			t.Fatalf("the decision: %d", code)
		}
		if _, page = manager.get(casePath); !strings.Contains(page, "Rp 10.000.000 · Dibayar sebagian") {
			t.Fatal("the decision is not on the case page")
		}

		// The risk assessment: the proposal first, nothing saved.
		v := riskForm(mc, "serumah", "akses")
		v.Del("risk_cekik")
		v.Set("step", "usul")
		if code, page := post(manager, "/risiko", v); code != 422 || !strings.Contains(page, "Jawab pertanyaan ini: ya atau tidak.") {
			t.Fatalf("a proposal with a question unanswered: %d", code)
		}
		v.Set("risk_cekik", "tidak")
		code, page := post(manager, "/risiko", v)
		if code != 200 || !strings.Contains(page, "Usulan sistem: <strong>Risiko sedang</strong>") || !strings.Contains(page, `name="risk_serumah" value="ya" required checked`) {
			t.Fatalf("the proposal: %d", code)
		}
		if strings.Contains(page[:strings.Index(page, `id="risiko"`)], "Risiko sedang") {
			t.Fatal("a proposal alone set the case's risk")
		}
		v.Del("step")
		v.Set("risk_chosen", "tinggi")
		if code, page := post(manager, "/risiko", v); code != 422 || !strings.Contains(page, "Tulis alasan") {
			t.Fatalf("an override without a reason: %d", code)
		}
		v.Set("risk_reason", "Alasan lindungkanari: pelaku baru bebas")
		if code, _ := post(manager, "/risiko", v); code != 303 {
			t.Fatalf("the assessment: %d", code)
		}
		_, page = manager.get(casePath)
		if !strings.Contains(page, `<a href="#risiko">Risiko tinggi</a>`) || !strings.Contains(page, "Alasan lindungkanari") || !strings.Contains(page, "usulan: Risiko sedang") {
			t.Fatalf("the assessment on the case page: %s", page[strings.Index(page, `id="risiko"`):][:1200])
		}
		if code, _ := post(manager, "/risiko", riskForm(mc, "cekik")); code != 303 {
			t.Fatalf("a second assessment, its proposal followed: %d", code)
		}
		if _, page = manager.get(casePath); !strings.Contains(page, "Riwayat penilaian (2)") {
			t.Fatal("the assessments' history")
		}

		// The safety plan: two versions, the older listed with who.
		plan := url.Values{"csrf": {mc}, "plan_safe_place": {"Rumah aman lindungkanari"}, "plan_code_word": {"payung lindungkanari"}}
		if code, page := post(manager, "/rencana-aman", url.Values{"csrf": {mc}}); code != 422 || !strings.Contains(page, "Tulis setidaknya satu bagian") {
			t.Fatalf("an empty plan: %d", code)
		}
		for _, word := range []string{"payung lindungkanari", "jendela lindungkanari"} {
			plan.Set("plan_code_word", word)
			if code, _ := post(manager, "/rencana-aman", plan); code != 303 {
				t.Fatalf("the plan: %d", code)
			}
		}
		_, page = manager.get(casePath)
		plans := page[strings.Index(page, `id="rencana-aman"`):]
		if !strings.Contains(plans, "jendela lindungkanari") || !strings.Contains(plans, "Versi sebelumnya (1)") || !strings.Contains(plans, "manajer.satu") {
			t.Fatalf("the plan on the case page: %.1500s", plans)
		}
		if _, page = f.sup.get(casePath); !strings.Contains(page, "jendela lindungkanari") || !strings.Contains(page, `action="`+casePath+`/rencana-aman#rencana-aman"`) {
			t.Fatal("the supervisor reads and edits the plan")
		}

		// Off the team: every form and the page are refused.
		for path, v := range map[string]url.Values{"/perlindungan": order, "/restitusi": rest, "/risiko": riskForm(f.oCSRF), "/rencana-aman": plan} {
			v = cloneValues(v)
			v.Set("csrf", f.oCSRF)
			if code, _ := post(f.other, path, v); code != 403 {
				t.Errorf("%s from off the team: %d", path, code)
			}
		}
		if resp, _ := f.other.get(casePath); resp.StatusCode != 403 {
			t.Errorf("the case page off the team: %d", resp.StatusCode)
		}

		// At rest: nothing written is in the clear.
		if postgresOnly(dbURL) == "" {
			walked := 0
			filepath.Walk(f.m.Config.DataDir, func(p string, fi os.FileInfo, err error) error {
				if err != nil || fi.IsDir() {
					return nil
				}
				b, _ := os.ReadFile(p)
				walked += len(b)
				if bytes.Contains(b, []byte("lindungkanari")) {
					t.Errorf("a note, answer or plan in plaintext in %s", p)
				}
				return nil
			})
			if walked == 0 {
				t.Fatal("no database file to look into")
			}
		}
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
