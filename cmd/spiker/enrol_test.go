package main

import (
	"context"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

var (
	shownSecretRE = regexp.MustCompile(`<code class="secret">([A-Z2-7 ]+)</code>`)
	pendingRE     = regexp.MustCompile(`name="p" value="([^"]+)"`)
	reportLinkRE  = regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`)
)

// openEnrolment opens an enrolment link and returns the secret it shows
// (without spaces) and the form's pending field; "" when none is shown.
func openEnrolment(t *testing.T, p *portal, link string) (status int, secret, pending string) {
	t.Helper()
	resp, page := p.get(link)
	if m := shownSecretRE.FindStringSubmatch(page); m != nil {
		secret = strings.ReplaceAll(m[1], " ", "")
	}
	if m := pendingRE.FindStringSubmatch(page); m != nil {
		pending = m[1]
	}
	return resp.StatusCode, secret, pending
}

// signInAs posts the sign-in form with a password and the code of the
// time at, and returns the status (303 when signed in).
func signInAs(p *portal, name, password, secret string, at time.Time) int {
	code, _ := totp.GenerateCode(secret, at)
	resp, _ := p.post("/staf/masuk", url.Values{"username": {name}, "password": {password}, "code": {code}}, nil)
	return resp.StatusCode
}

// csrfOf returns the CSRF token of a signed-in portal's home page.
func csrfOf(t *testing.T, p *portal) string {
	t.Helper()
	_, home := p.get("/staf/")
	m := csrfRE.FindStringSubmatch(home)
	if m == nil {
		t.Fatalf("no CSRF token on the home page: %.300s", home)
	}
	return m[1]
}

// The enrolment page over HTTP: the secret is drawn per visit, shown with
// the password fields, and kept through a mistake; the link dies when used.
func TestStaffEnrolment(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	code, stdout, stderr := runCLI(t, "", nil, "user", "add", "--data", m.Config.DataDir, "--username", "konselor.baru", "--role", "konselor_piket")
	link := enrolLinkRE.FindString(stdout)
	if code != 0 || link == "" {
		t.Fatalf("user add printed no enrolment link: %q %q", stdout, stderr)
	}
	token := strings.TrimPrefix(link, "/staf/daftar?t=")
	p := newPortal(t, m)
	resp, page := p.get(link)
	if resp.StatusCode != 200 || !strings.Contains(page, `name="password2"`) || !strings.Contains(page, `src="/staf/daftar/qr?t=`) {
		t.Fatalf("enrolment page: %d %.400s", resp.StatusCode, page)
	}
	_, secret, pending := openEnrolment(t, p, link)
	if secret == "" || pending == "" {
		t.Fatal("no pending secret on the enrolment page")
	}
	// The QR code draws the pending secret of the form, and nothing
	// without it.
	req, _ := http.NewRequest("GET", p.base+"/staf/daftar/qr?t="+token+"&p="+pending, nil)
	resp, img := p.do(req)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(strings.NewReader(img)); err != nil {
		t.Fatalf("the QR code is not a PNG: %v", err)
	}
	if resp, _ := p.get("/staf/daftar/qr?t=" + token); resp.StatusCode != 404 {
		t.Fatalf("QR without the form's secret: %d", resp.StatusCode)
	}
	enrolAt := time.Now()
	otpCode, _ := totp.GenerateCode(secret, enrolAt)
	form := func(password, password2, code string) url.Values {
		return url.Values{"t": {token}, "p": {pending}, "password": {password}, "password2": {password2}, "code": {code}}
	}
	for _, tc := range []struct {
		name   string
		values url.Values
		status int
		want   string
	}{
		{"short password", form("pendek", "pendek", otpCode), 422, "terlalu pendek atau terlalu umum"},
		{"common password", form("Bismillah123", "Bismillah123", otpCode), 422, "paling sering dipakai orang"},
		{"guessable password", form("Lamongan2026!", "Lamongan2026!", otpCode), 422, "mudah ditebak"},
		{"passwords differ", form("tubruk pasar sapi kabut", "kata sandi yang lain", otpCode), 422, "tidak sama"},
		{"wrong code", form("tubruk pasar sapi kabut", "tubruk pasar sapi kabut", "000000"), 401, "Kode salah"},
	} {
		resp, page := p.post("/staf/daftar", tc.values, nil)
		_ = page
		if resp.StatusCode != tc.status || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d, want %d and %q: %.600s", tc.name, resp.StatusCode, tc.status, tc.want, page)
		}
		// The same pending secret again: the app already holds it.
		if m := shownSecretRE.FindStringSubmatch(page); m == nil || strings.ReplaceAll(m[1], " ", "") != secret {
			t.Errorf("%s: the secret changed", tc.name)
		}
	}
	if _, err := m.Users.Authenticate(context.Background(), "konselor.baru", "tubruk pasar sapi kabut"); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
		t.Fatalf("a failed enrolment set the password: %v", err)
	}
	resp, _ = p.post("/staf/daftar", form("tubruk pasar sapi kabut", "tubruk pasar sapi kabut", otpCode), nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/staf/" {
		t.Fatalf("enrolment: %d", resp.StatusCode)
	}
	if resp, page := p.get("/staf/"); resp.StatusCode != 200 || !strings.Contains(page, "Kotak masuk laporan") {
		t.Fatalf("signed in after enrolment: %d", resp.StatusCode)
	}
	if status, secret, _ := openEnrolment(t, newPortal(t, m), link); status != 404 || secret != "" {
		t.Fatalf("the link works twice: %d, secret shown %v", status, secret != "")
	}
	// The code used to enrol does not sign in again (the same code: a new
	// time step's code would be a new one).
	if status := signInAs(newPortal(t, m), "konselor.baru", "tubruk pasar sapi kabut", secret, enrolAt); status != 401 {
		t.Fatalf("the enrolment code signed in again: %d", status)
	}
}

// The dishonest administrator, end to end: it creates the account (typing
// no password), opens the link first, and learns nothing that opens the
// account; the real user enrols and is admitted; the admin cannot sign in
// as them or read anything. The user changes their password and keeps their
// access; a lost authenticator needs a supervisor who did not ask; a reset
// ends the user's sessions.
func TestDishonestAdminCannotHoldAnAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		// Many sign-ins from one address: the test is not about throttling.
		m, logs := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.RateLimits = "signin=100/1m:1000/1m" })
		defer func() {
			if t.Failed() {
				t.Log(logs.String())
			}
		}()
		const userPassword = "sapu lidi di dapur nenek"
		kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		s1Secret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
		s2Secret := addStaffWithTOTP(t, m, "kepala.dua", spiker.RoleSupervisor, "35.24")
		aSecret := addStaffWithTOTP(t, m, "admin", spiker.RoleAdmin, "35.24")
		reporter := newPortal(t, m)
		_, form := reporter.get("/")
		reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
		officer := newPortal(t, m)
		signIn(t, officer, "konselor.satu", kSecret, time.Now())
		_, inbox := officer.get("/staf/")
		reportPath := reportLinkRE.FindStringSubmatch(inbox)
		if reportPath == nil {
			t.Fatalf("no report in the inbox: %.500s", inbox)
		}
		const story = "Saya dipukul suami tadi malam."

		// The admin creates the account; a password it sends is ignored.
		admin := newPortal(t, m)
		ac := signIn(t, admin, "admin", aSecret, time.Now())
		resp, page := admin.post("/staf/pengguna", url.Values{"csrf": {ac}, "username": {"konselor.dua"}, "roles": {"konselor_piket"},
			"region": {"35.24"}, "password": {"admin tahu sandinya"}}, nil)
		link := enrolLinkRE.FindString(page)
		if resp.StatusCode != 200 || link == "" {
			t.Fatalf("create user: %d %.300s", resp.StatusCode, page)
		}
		token := strings.TrimPrefix(link, "/staf/daftar?t=")
		target, _ := m.Users.FindUserByUsername(ctx, "konselor.dua")
		id := strconv.FormatInt(target.ID, 10)

		// The admin opens the link first: what it sees is a pending secret
		// that nothing stored knows.
		_, adminSecret, adminPending := openEnrolment(t, admin, link)
		if adminSecret == "" {
			t.Fatal("the link shows no form")
		}
		// The real user opens it: another secret, and enrols with it.
		user := newPortal(t, m)
		_, userSecret, userPending := openEnrolment(t, user, link)
		if userSecret == "" || userSecret == adminSecret {
			t.Fatal("the user's enrolment form shows the secret the admin saw")
		}
		code, _ := totp.GenerateCode(userSecret, time.Now())
		resp, _ = user.post("/staf/daftar", url.Values{"t": {token}, "p": {userPending}, "password": {userPassword}, "password2": {userPassword}, "code": {code}}, nil)
		if resp.StatusCode != 303 {
			t.Fatalf("the user's enrolment: %d", resp.StatusCode)
		}
		target = mustUser(t, m, "konselor.dua")
		if !target.Enrolled() {
			t.Fatal("the user is not enrolled")
		}
		// Afterwards the link is dead for the admin: no secret, no QR,
		// and its form does nothing.
		if status, secret, _ := openEnrolment(t, admin, link); status != 404 || secret != "" {
			t.Fatalf("the used link for the admin: %d, secret shown %v", status, secret != "")
		}
		if resp, _ := admin.get("/staf/daftar/qr?t=" + token + "&p=" + adminPending); resp.StatusCode != 404 {
			t.Fatalf("the used link's QR for the admin: %d", resp.StatusCode)
		}
		adminCode, _ := totp.GenerateCode(adminSecret, time.Now())
		if resp, _ := admin.post("/staf/daftar", url.Values{"t": {token}, "p": {adminPending}, "password": {"admin tahu sandinya"},
			"password2": {"admin tahu sandinya"}, "code": {adminCode}}, nil); resp.StatusCode != 404 {
			t.Fatalf("the admin completed a used link: %d", resp.StatusCode)
		}

		// The user is admitted to the duty-intake group by a member.
		kActor, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Store.AdmitToGroup(ctx, kActor, store.GroupIntake, target.ID); err != nil {
			t.Fatal(err)
		}
		if _, view := user.get(reportPath[1]); !strings.Contains(view, story) {
			t.Fatalf("the admitted user cannot read the report: %.300s", view)
		}

		// The admin cannot sign in as the user, with what it typed or saw,
		// and reads nothing itself.
		for _, pw := range []string{"admin tahu sandinya", userPassword} {
			for _, secret := range []string{adminSecret, aSecret} {
				if status := signInAs(newPortal(t, m), "konselor.dua", pw, secret, time.Now().Add(30*time.Second)); status != 401 {
					t.Fatalf("the admin signed in as the user: %d", status)
				}
			}
		}
		if resp, view := admin.get(reportPath[1]); resp.StatusCode != 403 || strings.Contains(view, story) {
			t.Fatalf("the admin reads the report: %d", resp.StatusCode)
		}

		// A password change keeps the key: the report still opens. It ends
		// the user's other sessions (one on another device) but not the one
		// that asked.
		other := newPortal(t, m)
		if status := signInAs(other, "konselor.dua", userPassword, userSecret, time.Now().Add(30*time.Second)); status != 303 {
			t.Fatalf("a second session: %d", status)
		}
		uc := csrfOf(t, user)
		const newPassword = "ember biru di teras belakang"
		if resp, page := user.post("/staf/akun/sandi", url.Values{"csrf": {uc}, "current": {"salah sekali ya"}, "new": {newPassword}, "new2": {newPassword}}, nil); resp.StatusCode != 422 || !strings.Contains(page, "Kata sandi sekarang salah") {
			t.Fatalf("a password change with a wrong current password: %d", resp.StatusCode)
		}
		if resp, page := user.post("/staf/akun/sandi", url.Values{"csrf": {uc}, "current": {userPassword}, "new": {"Lamongan2026!"}, "new2": {"Lamongan2026!"}}, nil); resp.StatusCode != 422 || !strings.Contains(page, "mudah ditebak") {
			t.Fatalf("a guessable new password: %d", resp.StatusCode)
		}
		if resp, page := user.post("/staf/akun/sandi", url.Values{"csrf": {uc}, "current": {userPassword}, "new": {newPassword}, "new2": {newPassword}}, nil); resp.StatusCode != 200 || !strings.Contains(page, "Kata sandi sudah diganti") {
			t.Fatalf("password change: %d %.300s", resp.StatusCode, page)
		}
		if _, err := m.Users.Authenticate(ctx, "konselor.dua", userPassword); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
			t.Fatal("the old password still works after a change")
		}
		if _, view := other.get(reportPath[1]); strings.Contains(view, story) {
			t.Fatal("the other session survived the password change")
		}
		if _, view := user.get(reportPath[1]); !strings.Contains(view, story) {
			t.Fatal("the session that changed the password was ended")
		}
		changed, err := m.Users.Authenticate(ctx, "konselor.dua", newPassword)
		if err != nil {
			t.Fatalf("the new password: %v", err)
		}
		if got, err := m.Reports.FindReport(ctx, changed, strings.TrimPrefix(reportPath[1], "/staf/laporan/")); err != nil || !strings.Contains(got.Content.Narrative, story) {
			t.Fatalf("a password change lost access to the report: %v", err)
		}

		// A lost authenticator: asked for by the admin, who cannot approve.
		if resp, _ := admin.post("/staf/pengguna/"+id+"/autentikator", url.Values{"csrf": {ac}}, nil); resp.StatusCode != 303 {
			t.Fatalf("the admin asks for a new authenticator: %d", resp.StatusCode)
		}
		if resp, _ := admin.post("/staf/autentikator/"+id+"/setujui", url.Values{"csrf": {ac}}, nil); resp.StatusCode != 403 {
			t.Fatalf("the admin approves alone: %d", resp.StatusCode)
		}
		// A supervisor who asks for their own cannot approve it; another can.
		if resp, page := newPortal(t, m).post("/staf/masuk/hilang", url.Values{"username": {"kepala.uptd"}, "password": {"tubruk pasar sapi kabut"}}, nil); resp.StatusCode != 200 || !strings.Contains(page, "menunggu persetujuan supervisor") {
			t.Fatalf("asking for a new authenticator at sign-in: %d", resp.StatusCode)
		}
		sup1, sup2 := newPortal(t, m), newPortal(t, m)
		sc1 := signIn(t, sup1, "kepala.uptd", s1Secret, time.Now())
		sc2 := signIn(t, sup2, "kepala.dua", s2Secret, time.Now())
		sup1ID := strconv.FormatInt(mustUser(t, m, "kepala.uptd").ID, 10)
		if resp, page := sup1.post("/staf/autentikator/"+sup1ID+"/setujui", url.Values{"csrf": {sc1}}, nil); resp.StatusCode != 403 || strings.Contains(page, "/staf/daftar?t=") {
			t.Fatalf("the requester approves their own: %d", resp.StatusCode)
		}
		if _, page := sup2.get("/staf/autentikator"); !strings.Contains(page, "konselor.dua") || !strings.Contains(page, "kepala.uptd") {
			t.Fatalf("the requests are not listed: %.500s", page)
		}
		resp, page = sup2.post("/staf/autentikator/"+id+"/setujui", url.Values{"csrf": {sc2}}, nil)
		newLink := enrolLinkRE.FindString(page)
		if resp.StatusCode != 200 || newLink == "" {
			t.Fatalf("approval: %d %.300s", resp.StatusCode, page)
		}
		// The approval ended the user's sessions; the new link needs the
		// password (the supervisor who holds it cannot use it) and keeps
		// the key.
		if resp, _ := user.get("/staf/"); resp.StatusCode != 303 {
			t.Fatalf("a session survived the approval: %d", resp.StatusCode)
		}
		newToken := strings.TrimPrefix(newLink, "/staf/daftar?t=")
		holder := newPortal(t, m)
		_, lostSecret, lostPending := openEnrolment(t, holder, newLink)
		code, _ = totp.GenerateCode(lostSecret, time.Now())
		if resp, page := holder.post("/staf/daftar", url.Values{"t": {newToken}, "p": {lostPending}, "keep": {"ya"}, "password": {"tebakan supervisor"}, "code": {code}}, nil); resp.StatusCode != 401 || !strings.Contains(page, "Kata sandi salah") {
			t.Fatalf("the new authenticator link without the password: %d", resp.StatusCode)
		}
		if resp, _ := holder.post("/staf/daftar", url.Values{"t": {newToken}, "p": {lostPending}, "keep": {"ya"}, "password": {newPassword}, "code": {code}}, nil); resp.StatusCode != 303 {
			t.Fatalf("the new authenticator: %d", resp.StatusCode)
		}
		if _, view := holder.get(reportPath[1]); !strings.Contains(view, story) {
			t.Fatal("a new authenticator lost access to the report")
		}
		if status := signInAs(newPortal(t, m), "konselor.dua", newPassword, userSecret, time.Now().Add(30*time.Second)); status != 401 {
			t.Fatalf("the lost authenticator still signs in: %d", status)
		}

		// A reset: the old password stops working, every session ends (an
		// old cookie gets the sign-in page), and a new link makes a new key.
		resp, page = admin.post("/staf/pengguna/"+id+"/sandi", url.Values{"csrf": {ac}}, nil)
		resetLink := enrolLinkRE.FindString(page)
		if resp.StatusCode != 200 || resetLink == "" {
			t.Fatalf("reset: %d %.300s", resp.StatusCode, page)
		}
		if resp, _ := holder.get("/staf/"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/staf/masuk" {
			t.Fatalf("an old session after a reset: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, err := m.Users.Authenticate(ctx, "konselor.dua", newPassword); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
			t.Fatal("the old password works after a reset")
		}
		// Whoever completes the reset link holds an account with a new key
		// pair and no access: the admin gains nothing by completing it.
		if _, err := enrolLink(m, resetLink, "admin pegang akun ini"); err != nil {
			t.Fatal(err)
		}
		after := mustUser(t, m, "konselor.dua")
		if waiting, _ := m.Store.WaitingForAccess(ctx, after); !waiting || string(after.PublicKey) == string(target.PublicKey) {
			t.Fatal("a reset account kept its key or its group")
		}
	})
}

func mustUser(t *testing.T, m *Main, name string) *spiker.User {
	t.Helper()
	u, err := m.Users.FindUserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
