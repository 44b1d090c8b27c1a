package main

import (
	"context"
	"fmt"
	"image/jpeg"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// addStaffWithTOTP creates a user through the command line, completes the
// enrolment link it prints as the user (password "kata sandi yang
// panjang") and returns the TOTP secret.
func addStaffWithTOTP(t *testing.T, m *Main, name string, role spiker.Role, region string) string {
	t.Helper()
	args := append([]string{"user", "add", "--data", m.Config.DataDir, "--username", name, "--role", string(role), "--region", region}, dbArgs(m.Config.DB)...)
	code, stdout, stderr := runCLI(t, "", nil, args...)
	if code != 0 {
		t.Fatalf("user add %s: %s", name, stderr)
	}
	secret, err := enrolLink(m, stdout, "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatalf("user add %s: %v", name, err)
	}
	return secret
}

var enrolTokenRE = regexp.MustCompile(`/staf/daftar\?t=([A-Za-z0-9_-]+)`)

// enrolLink completes the enrolment link in printed (what `spiker user add`
// printed, or a page) as its owner does, through the store: it chooses the
// password and enrols the authenticator with a code of the previous time
// step, so that a sign-in right after has a newer one. It returns the TOTP
// secret.
func enrolLink(m *Main, printed, password string) (string, error) {
	match := enrolTokenRE.FindStringSubmatch(printed)
	if match == nil {
		return "", fmt.Errorf("no enrolment link in %q", printed)
	}
	ctx := context.Background()
	e, err := m.Users.Enrolment(ctx, match[1], "")
	if err != nil {
		return "", fmt.Errorf("opening the enrolment link: %v", err)
	}
	// A code of the previous step is refused when a step begins between
	// making it and checking it: then once more (the link still works).
	for try := 0; ; try++ {
		code, _ := totp.GenerateCode(e.Secret, m.Clock.Now().Add(-30*time.Second))
		_, err = m.Users.CompleteEnrolment(ctx, match[1], e.Pending, password, code, "test-enrol:"+e.User.Username)
		if err == nil {
			return e.Secret, nil
		} else if spiker.ErrorCode(err) != spiker.EUNAUTHORIZED || try == 1 {
			return "", fmt.Errorf("completing the enrolment of %s: %v", e.User.Username, err)
		}
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs a portal client in as staff with the code of the given
// time step, and returns the CSRF token of the home page.
func signIn(t *testing.T, p *portal, name, secret string, at time.Time) string {
	t.Helper()
	if status := signInAs(p, name, "tubruk pasar sapi kabut", secret, at); status != 303 {
		t.Fatalf("sign-in %s: %d", name, status)
	}
	return csrfOf(t, p)
}

func TestStaffAnswersReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		m, logs := startMain(t, t.TempDir(), dbURL)
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		reporter := newPortal(t, m)
		_, form := reporter.get("/")
		_, page := reporter.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
		receipt := receiptRE.FindStringSubmatch(page)[1]

		staffer := newPortal(t, m)
		if resp, _ := staffer.get("/staf/"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/staf/masuk" {
			t.Fatalf("inbox without a session: %d", resp.StatusCode)
		}
		wrong, _ := staffer.post("/staf/masuk", url.Values{"username": {"konselor.satu"}, "password": {"tubruk pasar sapi kabut"}, "code": {"000000"}}, nil)
		if wrong.StatusCode != 401 {
			t.Fatalf("wrong code: %d", wrong.StatusCode)
		}
		csrf := signIn(t, staffer, "konselor.satu", secret, time.Now())
		_, inbox := staffer.get("/staf/")
		link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)
		if link == nil || !strings.Contains(inbox, "Sukorejo") || !strings.Contains(inbox, "dalam batas") {
			t.Fatalf("inbox: %.1000s", inbox)
		}
		_, view := staffer.get(link[1])
		// The story is shown; the contact number and note are masked until
		// revealed, and the reveal is logged.
		if !strings.Contains(view, "Saya dipukul suami tadi malam.") || strings.Contains(view, "bilang dari arisan") || strings.Contains(view, "0812 3456 7890") {
			t.Fatalf("report view: %.800s", view)
		}
		if resp, revealed := staffer.post(link[1]+"/identitas", url.Values{"csrf": {csrf}}, nil); resp.StatusCode != 200 || !strings.Contains(revealed, "bilang dari arisan") {
			t.Fatalf("reveal: %d", resp.StatusCode)
		}
		entries, _ := m.Audit.ListAudit(context.Background(), 1, 1000)
		revealLogged := false
		for _, e := range entries {
			revealLogged = revealLogged || e.Action == "report.reveal_identity" && e.Actor == "konselor.satu"
		}
		if !revealLogged {
			t.Fatal("the reveal is not in the audit log")
		}
		// A form without the session's CSRF token is refused.
		if resp, _ := staffer.post(link[1]+"/balas", url.Values{"body": {"halo"}}, nil); resp.StatusCode != 403 {
			t.Fatalf("reply without CSRF: %d", resp.StatusCode)
		}
		resp, _ := staffer.post(link[1]+"/balas", url.Values{"csrf": {csrf}, "body": {"Ibu, kami dari UPTD PPA. Apakah Ibu aman?"}}, nil)
		if resp.StatusCode != 303 {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		// The reporter sees the reply on follow-up.
		reporter.post("/cek", url.Values{"receipt": {receipt}}, nil)
		if _, fu := reporter.get("/cek"); !strings.Contains(fu, "Ibu, kami dari UPTD PPA. Apakah Ibu aman?") {
			t.Fatal("the reporter does not see the reply")
		}
		staffer.post(link[1]+"/identifikasi", url.Values{"csrf": {csrf}, "jenis_kasus": {"KTP"}, "risiko": {"tinggi"}, "kewenangan": {"daerah"}}, nil)
		resp, _ = staffer.post(link[1]+"/kasus", url.Values{"csrf": {csrf}, "summary": {"KDRT fisik, risiko tinggi"}}, nil)
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/staf/kasus/") {
			t.Fatalf("open case: %d", resp.StatusCode)
		}
		_, cv := staffer.get(resp.Header.Get("Location"))
		if !strings.Contains(cv, "KDRT fisik, risiko tinggi") {
			t.Fatalf("case view: %.500s", cv)
		}
		// Sign-out everywhere ends the session.
		staffer.post("/staf/keluar-semua", url.Values{"csrf": {csrf}}, nil)
		if resp, _ := staffer.get("/staf/"); resp.StatusCode != 303 {
			t.Fatalf("after sign-out: %d", resp.StatusCode)
		}
		if strings.Contains(logs.String(), "Saya dipukul") || strings.Contains(logs.String(), "kata sandi") {
			t.Fatal("protected content or a password in the log")
		}
	})
}

func TestStaffCaseWorkflow(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	mSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
	reporter := newPortal(t, m)
	_, form := reporter.get("/")
	reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)

	officer, sup, manager := newPortal(t, m), newPortal(t, m), newPortal(t, m)
	oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
	sc := signIn(t, sup, "kepala.uptd", sSecret, time.Now())
	mc := signIn(t, manager, "manajer.satu", mSecret, time.Now())
	_, inbox := officer.get("/staf/")
	link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
	resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {"KDRT"}}, nil)
	casePath := resp.Header.Get("Location")

	// The manager is not on the case yet: refused, with the break-glass
	// message.
	if resp, page := manager.get(casePath); resp.StatusCode != 403 || !strings.Contains(page, "break-glass") {
		t.Fatalf("manager before assignment: %d", resp.StatusCode)
	}
	// The supervisor adds from a list of eligible colleagues, never free text.
	if resp, _ := sup.post(casePath+"/tim", url.Values{"csrf": {sc}, "username": {"manajer.satu"}}, nil); resp.StatusCode != 422 {
		t.Fatalf("assign by typed username: %d", resp.StatusCode)
	}
	_, supPage := sup.get(casePath)
	option := regexp.MustCompile(`<option value="(\d+)">manajer\.satu · Manajer kasus · `).FindStringSubmatch(supPage)
	if option == nil {
		t.Fatalf("manajer.satu is not among the eligible colleagues: %.2000s", supPage)
	}
	managerID := option[1]
	if resp, _ := sup.post(casePath+"/tim", url.Values{"csrf": {sc}, "user": {managerID}}, nil); resp.StatusCode != 303 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	if resp, _ := manager.post(casePath+"/tim/manajer", url.Values{"csrf": {mc}, "user": {managerID}}, nil); resp.StatusCode != 403 {
		t.Fatalf("a manager naming themselves: %d", resp.StatusCode)
	}
	if resp, _ := sup.post(casePath+"/tim/manajer", url.Values{"csrf": {sc}, "user": {managerID}}, nil); resp.StatusCode != 303 {
		t.Fatalf("naming the case manager: %d", resp.StatusCode)
	}
	if _, page := sup.get(casePath); !strings.Contains(page, `manajer.satu <strong class="tag">Manajer kasus</strong>`) {
		t.Fatal("the team list does not mark the case manager")
	}
	// The record starts from the report's categories (Fisik, Psikis);
	// the way back leads a case manager, who has no inbox, to the case list.
	_, page := manager.get(casePath)
	if !strings.Contains(page, `<a href="/staf/kasus">← Daftar kasus</a>`) {
		t.Fatal("the case manager's way back is not the case list")
	}
	_, op := officer.get(casePath)
	if !strings.Contains(op, `<a href="/staf/">← Kotak masuk laporan</a>`) {
		t.Fatal("the duty officer's way back is not the inbox")
	}
	// The officer, who reads but does not work the case, is told what comes next.
	if !strings.Contains(op, "Langkah berikutnya: supervisor menugaskan manajer kasus") || strings.Contains(page, "Langkah berikutnya: supervisor") {
		t.Fatal("the next step is not told to the officer who opened the case (or is told to the manager)")
	}
	// The case manager's home lists their open cases.
	if _, home := manager.get("/staf/"); !strings.Contains(home, "Kasus saya yang masih terbuka") || !strings.Contains(home, `href="`+casePath+`"`) {
		t.Fatal("the case manager's home does not list their case")
	}
	if !strings.Contains(page, `value="Fisik" checked`) || !strings.Contains(page, `value="Psikis" checked`) || strings.Contains(page, `value="Seksual" checked`) {
		t.Fatal("the victim form does not start from the report's categories")
	}
	// Steps go one at a time; a skip needs a reason.
	if resp, page := manager.post(casePath+"/langkah", url.Values{"csrf": {mc}, "step": {"pelaksanaan"}}, nil); resp.StatusCode != 422 ||
		!strings.Contains(page, "Tulis alasan melompati langkah") {
		t.Fatalf("a skip without a reason: %d", resp.StatusCode)
	}
	if resp, _ := manager.post(casePath+"/langkah", url.Values{"csrf": {mc}, "step": {"asesmen"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("the next step: %d", resp.StatusCode)
	}
	steps := []url.Values{
		{"kind": {"asesmen"}, "category": {"Biopsikososial"}, "body": {"Korban cemas."}},
		{"kind": {"layanan"}, "category": {"Kesehatan"}, "body": {"Visum di RSUD."}},
	}
	for _, v := range steps {
		v.Set("csrf", mc)
		if resp, page := manager.post(casePath+"/catatan", v, nil); resp.StatusCode != 303 {
			t.Fatalf("entry %v: %d %.300s", v, resp.StatusCode, page)
		}
	}
	// The SIMFONI record: a child victim needs the guardian's consent or a
	// recorded reason; then a perpetrator related to her.
	victim := url.Values{"csrf": {mc}, "name": {"Melati"}, "sex": {"Perempuan"}, "age": {"13"}, "violence_types": {"Seksual"},
		"sexual_forms": {"Pelecehan seksual fisik"}, "place": {"Sekolah"}, "consent": {"korban"}}
	if resp, page := manager.post(casePath+"/korban", victim, nil); resp.StatusCode != 422 || !strings.Contains(page, "persetujuan diberikan oleh wali") {
		t.Fatalf("a child consenting alone: %d", resp.StatusCode)
	}
	victim.Set("consent", "wali")
	if resp, _ := manager.post(casePath+"/korban", victim, nil); resp.StatusCode != 303 {
		t.Fatalf("victim: %d", resp.StatusCode)
	}
	_, cp := manager.get(casePath)
	victimID := regexp.MustCompile(`name="victim" required><option value="([a-z0-9]+)"`).FindStringSubmatch(cp)
	// The record's name is masked until "show identity".
	if victimID == nil || strings.Contains(cp, "Melati") || !strings.Contains(cp, "13-17") {
		t.Fatalf("the victim is not on the case page, or shown unmasked")
	}
	if resp, _ := manager.post(casePath+"/pelaku", url.Values{"csrf": {mc}, "victim": {victimID[1]}, "p_sex": {"Laki-laki"}, "p_age_group": {"25-59"}, "p_relationship": {"Guru"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("perpetrator: %d", resp.StatusCode)
	}
	// A document: uploaded (metadata stripped, encrypted), listed, downloaded.
	photo := gpsJPEG(t, "GPS-KANARI-KASUS")
	if resp, page := manager.post(casePath+"/berkas", url.Values{"csrf": {mc}}, map[string][]byte{"luka.jpg": photo}); resp.StatusCode != 303 {
		t.Fatalf("upload: %d %.300s", resp.StatusCode, page)
	}
	if resp, _ := manager.post(casePath+"/berkas", url.Values{"csrf": {"salah"}}, map[string][]byte{"luka.jpg": photo}); resp.StatusCode != 403 {
		t.Fatalf("upload without CSRF: %d", resp.StatusCode)
	}
	_, cp = manager.get(casePath)
	dl := regexp.MustCompile(`href="(` + regexp.QuoteMeta(casePath) + `/berkas/[a-z0-9]+)">luka.jpg`).FindStringSubmatch(cp)
	if dl == nil {
		t.Fatal("the document is not listed")
	}
	resp, body := manager.get(dl[1])
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || strings.Contains(body, "KANARI") {
		t.Fatalf("download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := jpeg.Decode(strings.NewReader(body)); err != nil {
		t.Fatalf("the downloaded photo does not decode: %v", err)
	}
	manager.post(casePath+"/tpks", url.Values{"csrf": {mc}, "tpks": {"ya"}}, nil)
	if resp, page := manager.post(casePath+"/catatan", url.Values{"csrf": {mc}, "kind": {"rencana"}, "category": {"Mediasi"}, "body": {"mediasi"}}, nil); resp.StatusCode != 422 || !strings.Contains(page, "Mediasi tidak boleh") {
		t.Fatalf("Mediasi in a TPKS case: %d", resp.StatusCode)
	}
	if _, page := manager.get(casePath); !strings.Contains(page, "laporan ke polisi wajib paling lambat") {
		t.Fatal("the TPKS police-report clock is not shown")
	}
	// A TPKS case with no police report closes only with an exception,
	// asked for with its reason and approved explicitly.
	if resp, page := manager.post(casePath+"/minta-tutup", url.Values{"csrf": {mc}, "note": {"layanan selesai"}}, nil); resp.StatusCode != 422 ||
		!strings.Contains(page, "Kasus TPKS hanya ditutup setelah laporan ke polisi dicatat") {
		t.Fatalf("closing TPKS without a police report: %d", resp.StatusCode)
	}
	manager.post(casePath+"/minta-tutup", url.Values{"csrf": {mc}, "note": {"layanan selesai"}, "police_exception": {"Korban dewasa menolak melapor."}}, nil)
	if resp, _ := manager.post(casePath+"/setujui-tutup", url.Values{"csrf": {mc}, "note": {"ok"}}, nil); resp.StatusCode != 403 {
		t.Fatalf("manager approving: %d", resp.StatusCode)
	}
	if resp, page := sup.post(casePath+"/setujui-tutup", url.Values{"csrf": {sc}, "note": {"disetujui"}}, nil); resp.StatusCode != 422 ||
		!strings.Contains(page, "centang persetujuan pengecualian") {
		t.Fatalf("supervisor approving without the exception: %d", resp.StatusCode)
	}
	if resp, _ := sup.post(casePath+"/setujui-tutup", url.Values{"csrf": {sc}, "note": {"disetujui"}, "approve_exception": {"ya"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("supervisor approving: %d", resp.StatusCode)
	}
	if _, list := sup.get("/staf/kasus?status=ditutup"); !strings.Contains(list, casePath) {
		t.Fatal("the closed case is not in the supervisor's filtered list")
	}
	if _, list := sup.get("/staf/kasus?status=terbuka"); strings.Contains(list, casePath) {
		t.Fatal("the status filter does not filter")
	}
	_, page = sup.get(casePath)
	for _, want := range []string{"ditutup", "terminasi", "Korban cemas.", "Visum di RSUD.", "Penutupan disetujui: disetujui", "manajer.satu", "3524/"} {
		if !strings.Contains(page, want) {
			t.Errorf("closed case page lacks %q", want)
		}
	}
	// Removing a member takes a reason; the removed member is refused.
	if resp, page := sup.post(casePath+"/tim/keluarkan", url.Values{"csrf": {sc}, "user": {managerID}}, nil); resp.StatusCode != 422 || !strings.Contains(page, `role="alert"`) {
		t.Fatalf("removal without a reason: %d", resp.StatusCode)
	}
	if resp, _ := manager.post(casePath+"/tim/keluarkan", url.Values{"csrf": {mc}, "user": {managerID}, "remove_reason": {"keluar sendiri"}}, nil); resp.StatusCode != 403 {
		t.Fatalf("a manager removing: %d", resp.StatusCode)
	}
	if resp, _ := sup.post(casePath+"/tim/keluarkan", url.Values{"csrf": {sc}, "user": {managerID}, "remove_reason": {"dipindah ke kasus lain"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("removal: %d", resp.StatusCode)
	}
	if resp, _ := manager.get(casePath); resp.StatusCode != 403 {
		t.Fatalf("the removed member opening the case: %d", resp.StatusCode)
	}
	if _, page := sup.get(casePath); !strings.Contains(page, "Korban cemas.") || strings.Contains(page, `manajer.satu <strong`) {
		t.Fatal("the case after removal")
	}
}

func TestStaffBreakGlass(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	mSecret := addStaffWithTOTP(t, m, "manajer.dua", spiker.RoleManajerKasus, "35.24")
	reporter := newPortal(t, m)
	_, form := reporter.get("/")
	reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
	officer, sup, manager := newPortal(t, m), newPortal(t, m), newPortal(t, m)
	oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
	sc := signIn(t, sup, "kepala.uptd", sSecret, time.Now())
	mc := signIn(t, manager, "manajer.dua", mSecret, time.Now())
	_, inbox := officer.get("/staf/")
	link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
	resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}}, nil)
	casePath := resp.Header.Get("Location")

	resp, page := manager.get(casePath)
	if resp.StatusCode != 403 || !strings.Contains(page, `action="`+casePath+`/break-glass"`) {
		t.Fatalf("no break-glass form for an off-team manager: %d", resp.StatusCode)
	}
	reason := "Korban datang malam ini; konselor kasus tidak bisa dihubungi."
	if resp, page := manager.post(casePath+"/break-glass", url.Values{"csrf": {mc}, "reason": {reason}}, nil); resp.StatusCode != 200 || !strings.Contains(page, "Permintaan terkirim") {
		t.Fatalf("request: %d", resp.StatusCode)
	}
	_, home := sup.get("/staf/")
	reqID := regexp.MustCompile(`name="request" value="([a-z0-9]+)"`).FindStringSubmatch(home)
	if reqID == nil || !strings.Contains(home, reason) || !strings.Contains(home, "manajer.dua") {
		t.Fatalf("the supervisor does not see the request: %.600s", home)
	}
	if resp, _ := sup.post(casePath+"/break-glass/setujui", url.Values{"csrf": {sc}, "request": {reqID[1]}}, nil); resp.StatusCode != 303 {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	if resp, _ := manager.get(casePath); resp.StatusCode != 200 {
		t.Fatalf("manager after approval: %d", resp.StatusCode)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	m, logs := startMain(t, t.TempDir(), "")
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	aSecret := addStaffWithTOTP(t, m, "admin", spiker.RoleAdmin, "35.24")
	admin := newPortal(t, m)
	ac := signIn(t, admin, "admin", aSecret, time.Now())
	// The admin has no inbox and no case list, only users.
	if resp, _ := admin.get("/staf/kasus"); resp.StatusCode != 403 {
		t.Fatalf("admin case list: %d", resp.StatusCode)
	}
	resp, page := admin.post("/staf/pengguna", url.Values{"csrf": {ac}, "username": {"Pendamping Satu"}, "roles": {"pendamping"}, "region": {"35.24.22"}}, nil)
	if resp.StatusCode != 422 || !strings.Contains(page, "Nama pengguna tidak sah") {
		t.Fatalf("a bad username: %d %.300s", resp.StatusCode, page)
	}
	// The form has no password field: the owner chooses it on the link.
	_, page = admin.get("/staf/pengguna")
	if strings.Contains(page, `name="password"`) {
		t.Fatal("the users page still asks the admin for a password")
	}
	resp, page = admin.post("/staf/pengguna", url.Values{"csrf": {ac}, "username": {"pendamping.satu"}, "roles": {"pendamping"},
		"region": {"35.24.22"}, "password": {"tiga kata acak sekali"}}, nil)
	link := regexp.MustCompile(`/staf/daftar\?t=[A-Za-z0-9_-]+`).FindString(page)
	if resp.StatusCode != 200 || link == "" || !strings.Contains(page, "pendamping.satu") {
		t.Fatalf("create user: %d %.300s", resp.StatusCode, page)
	}
	if _, err := m.Users.Authenticate(context.Background(), "pendamping.satu", "tiga kata acak sekali"); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
		t.Fatalf("a password sent by the admin was set: %v", err)
	}
	u, err := m.Users.FindUserByUsername(context.Background(), "pendamping.satu")
	if err != nil || u.RegionCode != "35.24.22" || !u.HasRole(spiker.RolePendamping) {
		t.Fatalf("created user: %+v %v", u, err)
	}
	id := strconv.FormatInt(u.ID, 10)
	// The list names regions; the scope is chosen from them by name.
	if !strings.Contains(page, `<option value="35.24.22">Kec. `) || !strings.Contains(page, `list="region-list"`) {
		t.Fatal("the users page offers no region list")
	}
	resp, _ = admin.post("/staf/pengguna/"+id+"/peran", url.Values{"csrf": {ac}, "roles": {"pendamping", "petugas_lapangan"}, "region": {"35.24.22"}}, nil)
	if resp.StatusCode != 303 {
		t.Fatalf("re-role: %d", resp.StatusCode)
	}
	// Saving says so.
	if _, page := admin.get(resp.Header.Get("Location")); !strings.Contains(page, "Perubahan disimpan.") {
		t.Fatal("no confirmation after saving a role change")
	}
	// The list narrows to one role.
	if _, page := admin.get("/staf/pengguna?peran=petugas_lapangan"); !strings.Contains(page, "pendamping.satu") || strings.Contains(page, "<td>admin<") ||
		!strings.Contains(page, `<option value="petugas_lapangan" selected>`) {
		t.Fatalf("the list of field officers: %.300s", page)
	}
	if _, page := admin.get("/staf/pengguna?peran=admin"); strings.Contains(page, "pendamping.satu") {
		t.Fatal("the list of admins shows a pendamping")
	}
	if resp, _ := admin.post("/staf/pengguna/"+id+"/nonaktif", url.Values{"csrf": {ac}, "disabled": {"ya"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	u, _ = m.Users.FindUserByUsername(context.Background(), "pendamping.satu")
	if !u.Disabled || len(u.Roles) != 2 {
		t.Fatalf("after changes: %+v", u)
	}
	if _, err := m.Users.Authenticate(context.Background(), "pendamping.satu", "tiga kata acak sekali"); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
		t.Fatalf("a disabled user signs in: %v", err)
	}
	if resp, _ := newPortal(t, m).get(link); resp.StatusCode != 404 {
		t.Fatalf("the enrolment link of a disabled user works: %d", resp.StatusCode)
	}
}

// userIDOf is the id a supervisor chooses from the team list for a user.
func userIDOf(t *testing.T, m *Main, username string) string {
	t.Helper()
	u, err := m.Users.FindUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}
