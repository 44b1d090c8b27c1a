package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

// staffRoute is one back-office route with the permission it needs. The
// access-control matrix test walks this table, so a route cannot be added
// without a policy.
type staffRoute struct {
	Method, Path string
	Perm         spiker.Permission
	Record       string // which record {id} names: "report", "case", "referral", "visit", "agency", "category", "user", "grant" (an identity-export request) or ""
	Key          bool   // the handler needs the record's key, not only the policy
	Upload       bool   // multipart with files: the handler parses it and checks the CSRF token
	Handle       func(http.ResponseWriter, *http.Request, *spiker.StaffSession)
}

func (s *Server) staffRoutes() []staffRoute {
	const key, noKey = true, false
	return []staffRoute{
		{"GET", "/staf/{$}", spiker.PermSelf, "", noKey, false, s.staffHome},
		{"GET", "/staf/laporan/{id}", spiker.PermReportRead, "report", key, false, s.staffReport},
		{"GET", "/staf/laporan/{id}/berkas/{file}", spiker.PermReportRead, "report", key, false, s.reportDownload},
		{"POST", "/staf/laporan/{id}/identitas", spiker.PermReportRead, "report", key, false, s.staffReveal},
		{"POST", "/staf/laporan/{id}/balas", spiker.PermReportReply, "report", key, false, s.staffReply},
		{"POST", "/staf/laporan/{id}/catatan", spiker.PermReportTriage, "report", key, false, s.staffNote},
		{"POST", "/staf/laporan/{id}/identifikasi", spiker.PermReportTriage, "report", noKey, false, s.staffIdentify},
		{"POST", "/staf/laporan/{id}/tutup", spiker.PermReportTriage, "report", noKey, false, s.staffClose},
		{"POST", "/staf/laporan/{id}/kasus", spiker.PermCaseOpen, "report", key, false, s.staffOpenCase},
		{"POST", "/staf/laporan/{id}/gabung", spiker.PermCaseOpen, "report", key, false, s.staffMerge},
		{"POST", "/staf/laporan/{id}/retensi", spiker.PermReportTriage, "report", key, false, s.reportExtend},
		{"POST", "/staf/cari-identitas", spiker.PermInbox, "", key, false, s.identitySearch},
		{"GET", "/staf/kasus", spiker.PermCaseList, "", noKey, false, s.caseList},
		{"GET", "/staf/kasus/{id}", spiker.PermCaseRead, "case", key, false, s.staffCase},
		{"POST", "/staf/kasus/{id}/identitas", spiker.PermCaseRead, "case", key, false, s.caseReveal},
		{"POST", "/staf/kasus/{id}/tim", spiker.PermCaseAssign, "case", key, false, s.caseAssign},
		{"POST", "/staf/kasus/{id}/tim/keluarkan", spiker.PermCaseAssign, "case", key, false, s.caseRemoveMember},
		{"POST", "/staf/kasus/{id}/tim/manajer", spiker.PermCaseAssign, "case", key, false, s.caseSetManager},
		{"POST", "/staf/kasus/{id}/catatan", spiker.PermCaseWrite, "case", key, false, s.caseEntry},
		{"POST", "/staf/kasus/{id}/korban", spiker.PermCaseWrite, "case", key, false, s.caseVictim},
		{"POST", "/staf/kasus/{id}/pelaku", spiker.PermCaseWrite, "case", key, false, s.casePerpetrator},
		{"POST", "/staf/kasus/{id}/ubah/korban", spiker.PermCaseWrite, "case", key, false, s.caseCorrectVictim},
		{"POST", "/staf/kasus/{id}/ubah/pelaku", spiker.PermCaseWrite, "case", key, false, s.caseCorrectPerpetrator},
		{"POST", "/staf/kasus/{id}/ubah/kategori", spiker.PermCaseWrite, "case", key, false, s.caseCorrectTypes},
		{"POST", "/staf/kasus/{id}/ubah/lokasi", spiker.PermCaseWrite, "case", key, false, s.caseCorrectLocation},
		{"POST", "/staf/kasus/{id}/ubah/ringkasan", spiker.PermCaseWrite, "case", key, false, s.caseCorrectSummary},
		{"POST", "/staf/kasus/{id}/berkas", spiker.PermCaseWrite, "case", key, true, s.caseUpload},
		{"POST", "/staf/kasus/{id}/restitusi", spiker.PermCaseWrite, "case", key, false, s.caseRestitution},
		{"POST", "/staf/kasus/{id}/perlindungan", spiker.PermCaseWrite, "case", key, false, s.caseProtectionOrder},
		{"POST", "/staf/kasus/{id}/risiko", spiker.PermCaseWrite, "case", key, false, s.caseRisk},
		{"POST", "/staf/kasus/{id}/rencana-aman", spiker.PermCaseWrite, "case", key, false, s.caseSafetyPlan},
		{"POST", "/staf/kasus/{id}/ksbe", spiker.PermCaseWrite, "case", key, false, s.caseTakedown},
		{"POST", "/staf/kasus/{id}/ksbe/permintaan", spiker.PermCaseWrite, "case", key, false, s.caseTakedownRequest},
		{"GET", "/staf/kasus/{id}/berkas/{file}", spiker.PermCaseRead, "case", key, false, s.caseDownload},
		{"GET", "/staf/kasus/{id}/ringkasan.pdf", spiker.PermCaseRead, "case", key, false, s.caseSummary},
		{"POST", "/staf/kasus/{id}/ringkasan.pdf", spiker.PermCaseRead, "case", key, false, s.caseSummary},
		{"POST", "/staf/kasus/{id}/langkah", spiker.PermCaseWrite, "case", noKey, false, s.caseStep},
		{"POST", "/staf/kasus/{id}/tpks", spiker.PermCaseWrite, "case", noKey, false, s.caseTPKS},
		{"POST", "/staf/kasus/{id}/lapor-polisi", spiker.PermCaseWrite, "case", noKey, false, s.casePolice},
		{"POST", "/staf/kasus/{id}/minta-tutup", spiker.PermCaseWrite, "case", key, false, s.caseRequestClosure},
		{"POST", "/staf/kasus/{id}/setujui-tutup", spiker.PermCaseApprove, "case", key, false, s.caseApproveClosure},
		{"POST", "/staf/kasus/{id}/buka-kembali", spiker.PermCaseApprove, "case", key, false, s.caseReopen},
		{"POST", "/staf/kasus/{id}/break-glass", spiker.PermBreakGlass, "case", noKey, false, s.caseBreakGlass},
		{"POST", "/staf/kasus/{id}/break-glass/setujui", spiker.PermCaseAssign, "case", key, false, s.caseBreakGlassApprove},
		{"POST", "/staf/kasus/{id}/rujukan", spiker.PermCaseWrite, "case", key, false, s.caseReferral},
		{"POST", "/staf/kasus/{id}/pelimpahan", spiker.PermCaseApprove, "case", key, false, s.caseTransfer},
		{"POST", "/staf/kasus/{id}/kunjungan", spiker.PermCaseWrite, "case", key, false, s.caseVisit},
		{"POST", "/staf/kasus/{id}/retensi", spiker.PermCaseWrite, "case", key, false, s.caseExtend},
		{"POST", "/staf/kasus/{id}/tahan", spiker.PermLegalHold, "case", noKey, false, s.caseHold},
		{"POST", "/staf/kasus/{id}/tahan/lepas", spiker.PermLegalHold, "case", noKey, false, s.caseHoldLift},
		{"GET", "/staf/rujukan", spiker.PermReferralRespond, "", noKey, false, s.referralList},
		{"GET", "/staf/rujukan/{id}", spiker.PermReferralRead, "referral", key, false, s.referralPage},
		{"GET", "/staf/rujukan/{id}/surat", spiker.PermReferralRead, "referral", key, false, s.referralLetter},
		{"POST", "/staf/rujukan/{id}/terima", spiker.PermReferralRespond, "referral", key, false, s.referralAccept},
		{"POST", "/staf/rujukan/{id}/tolak", spiker.PermReferralRespond, "referral", key, false, s.referralDecline},
		{"POST", "/staf/rujukan/{id}/selesai", spiker.PermReferralRespond, "referral", key, true, s.referralComplete},
		{"POST", "/staf/rujukan/{id}/tarik", spiker.PermCaseWrite, "referral", key, false, s.referralWithdraw},
		{"POST", "/staf/rekan/{id}", spiker.PermReferralRespond, "user", key, false, s.admitColleague},
		{"GET", "/staf/kunjungan", spiker.PermVisitList, "", noKey, false, s.visitList},
		{"GET", "/staf/kunjungan/{id}", spiker.PermVisitRecord, "visit", key, false, s.visitPage},
		{"POST", "/staf/kunjungan/{id}/hasil", spiker.PermVisitRecord, "visit", key, false, s.visitOutcome},
		{"GET", "/staf/lapor", spiker.PermReportFile, "", noKey, false, s.intakePage},
		{"POST", "/staf/lapor", spiker.PermReportFile, "", noKey, true, s.intakeSubmit},
		{"GET", "/staf/laporan-saya", spiker.PermReportFile, "", noKey, false, s.filedReports},
		{"GET", "/staf/lembaga", spiker.PermAgencyManage, "", noKey, false, s.agencyList},
		{"POST", "/staf/lembaga", spiker.PermAgencyManage, "", noKey, false, s.agencySave},
		{"POST", "/staf/lembaga/{id}", spiker.PermAgencyManage, "agency", noKey, false, s.agencySave},
		{"GET", "/staf/kategori", spiker.PermSettings, "", noKey, false, s.categoryList},
		{"POST", "/staf/kategori", spiker.PermSettings, "", noKey, false, s.categorySave},
		{"POST", "/staf/kategori/{id}", spiker.PermSettings, "category", noKey, false, s.categorySave},
		{"GET", "/staf/pengaturan", spiker.PermSettings, "", noKey, false, s.settingsPage},
		{"POST", "/staf/pengaturan", spiker.PermSettings, "", noKey, false, s.settingsSave},
		{"POST", "/staf/pengaturan/batas", spiker.PermSettings, "", noKey, false, s.settingsLimits},
		{"POST", "/staf/pengaturan/libur", spiker.PermSettings, "", noKey, false, s.settingsHoliday},
		{"POST", "/staf/pengaturan/passkey", spiker.PermSettings, "", noKey, false, s.settingsPasskey},
		{"POST", "/staf/pengaturan/retensi", spiker.PermSettings, "", noKey, false, s.settingsRetention},
		{"GET", "/staf/saluran", spiker.PermSettings, "", noKey, false, s.channelsPage},
		{"POST", "/staf/saluran", spiker.PermSettings, "", noKey, false, s.channelsSave},
		{"POST", "/staf/saluran/uji", spiker.PermSettings, "", noKey, false, s.channelsTest},
		{"GET", "/staf/piket", spiker.PermRoster, "", noKey, false, s.rosterPage},
		{"GET", "/staf/piket/ubah", spiker.PermRoster, "", noKey, false, s.rosterShiftPage},
		{"POST", "/staf/piket/ubah", spiker.PermRoster, "", noKey, false, s.rosterShiftSave},
		{"POST", "/staf/piket/buat", spiker.PermRoster, "", noKey, false, s.rosterGenerate},
		{"GET", "/staf/statistik", spiker.PermStats, "", noKey, false, s.statsPage},
		{"GET", "/staf/statistik/tabel.csv", spiker.PermStats, "", noKey, false, s.statsTableExport},
		{"GET", "/staf/statistik/tabel.xlsx", spiker.PermStats, "", noKey, false, s.statsTableExport},
		// Who is overloaded: for those who assign cases, in their region.
		{"GET", "/staf/beban-kerja", spiker.PermCaseAssign, "", noKey, false, s.workloadPage},
		{"GET", "/staf/statistik/bulanan", spiker.PermStats, "", noKey, false, s.monthlyPage},
		{"GET", "/staf/statistik/bulanan.pdf", spiker.PermStats, "", noKey, false, s.monthlyDownload},
		{"GET", "/staf/statistik/bulanan.xlsx", spiker.PermStats, "", noKey, false, s.monthlyDownload},
		{"GET", "/staf/statistik/simfoni.csv", spiker.PermExport, "", noKey, false, s.simfoniExport},
		{"GET", "/staf/statistik/simfoni.xlsx", spiker.PermExport, "", noKey, false, s.simfoniExport},
		{"POST", "/staf/statistik/identitas", spiker.PermExport, "", noKey, false, s.grantRequest},
		{"POST", "/staf/statistik/identitas/{id}/putuskan", spiker.PermExportApprove, "grant", noKey, false, s.grantDecide},
		{"GET", "/staf/audit", spiker.PermAudit, "", noKey, false, s.auditPage},
		{"GET", "/staf/pdp", spiker.PermPDP, "", noKey, false, s.pdpPage},
		{"POST", "/staf/pdp", spiker.PermPDP, "", noKey, false, s.pdpAdd},
		{"GET", "/staf/pdp/{id}", spiker.PermPDP, "pdp", noKey, false, s.pdpRequestPage},
		{"POST", "/staf/pdp/{id}/verifikasi", spiker.PermPDP, "pdp", noKey, false, s.pdpVerify},
		{"POST", "/staf/pdp/{id}/pembatasan", spiker.PermPDP, "pdp", noKey, false, s.pdpRestrict},
		// The export also needs what reading the case needs (the policy,
		// the team and the key), checked by the read path it uses.
		{"POST", "/staf/pdp/{id}/ekspor", spiker.PermPDP, "pdp", noKey, false, s.pdpExport},
		{"POST", "/staf/pdp/{id}/keputusan", spiker.PermPDP, "pdp", noKey, false, s.pdpDecide},
		{"POST", "/staf/pdp/{id}/selesai", spiker.PermPDP, "pdp", noKey, false, s.pdpClose},
		{"GET", "/staf/peringatan", spiker.PermSelf, "", noKey, false, s.alertsPage},
		{"POST", "/staf/peringatan/{id}/terima", spiker.PermSelf, "alert", noKey, false, s.alertAck},
		{"GET", "/staf/akun", spiker.PermSelf, "", noKey, false, s.accountPage},
		{"POST", "/staf/akun", spiker.PermSelf, "", noKey, false, s.accountChannels},
		{"POST", "/staf/akun/push", spiker.PermSelf, "", noKey, false, s.accountPush},
		{"POST", "/staf/akun/telegram", spiker.PermSelf, "", noKey, false, s.accountTelegramCode},
		{"POST", "/staf/akun/telegram/lepas", spiker.PermSelf, "", noKey, false, s.accountTelegramUnlink},
		{"POST", "/staf/akun/sandi", spiker.PermSelf, "", noKey, false, s.accountPassword},
		{"POST", "/staf/akun/profil", spiker.PermSelf, "", noKey, false, s.accountProfile},
		{"POST", "/staf/akun/passkey/mulai", spiker.PermSelf, "", noKey, false, s.accountPasskeyBegin},
		{"POST", "/staf/akun/passkey", spiker.PermSelf, "", noKey, false, s.accountPasskeyAdd},
		{"POST", "/staf/akun/passkey/hapus", spiker.PermSelf, "", noKey, false, s.accountPasskeyRemove},
		{"POST", "/staf/akun/passkey/nama", spiker.PermSelf, "", noKey, false, s.accountPasskeyRename},
		{"GET", "/staf/autentikator", spiker.PermAuthenticator, "", noKey, false, s.authenticatorRequests},
		{"POST", "/staf/autentikator/{id}/setujui", spiker.PermAuthenticator, "user", noKey, false, s.authenticatorApprove},
		{"GET", "/staf/pengguna", spiker.PermUserManage, "", noKey, false, s.userList},
		{"POST", "/staf/pengguna", spiker.PermUserManage, "", noKey, false, s.userAdd},
		{"POST", "/staf/pengguna/{id}/nonaktif", spiker.PermUserManage, "user", noKey, false, s.userDisable},
		{"POST", "/staf/pengguna/{id}/peran", spiker.PermUserManage, "user", noKey, false, s.userRoles},
		{"POST", "/staf/pengguna/{id}/profil", spiker.PermUserManage, "user", noKey, false, s.userProfile},
		{"POST", "/staf/pengguna/{id}/sandi", spiker.PermUserManage, "user", noKey, false, s.userReset},
		{"POST", "/staf/pengguna/{id}/autentikator", spiker.PermUserManage, "user", noKey, false, s.userLostAuthenticator},
		{"POST", "/staf/keluar", spiker.PermSelf, "", noKey, false, s.staffSignOut},
		{"POST", "/staf/keluar-semua", spiker.PermSelf, "", noKey, false, s.staffSignOutAll},
	}
}

func (s *Server) staffCookie(r *http.Request) string {
	if s.https(r) {
		return "__Host-spiker_staf"
	}
	return "spiker_staf"
}

// staffOnly resolves the session, checks the route's permission with the
// policy, and checks the CSRF token of every POST, before the handler runs.
// Record-level checks (region, case team, key) happen in the services.
func (s *Server) staffOnly(rt staffRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.staffCookie(r))
		if err != nil {
			s.staffUnauthorized(w, r)
			return
		}
		sess, err := s.Users.Session(r.Context(), c.Value)
		if err != nil {
			if spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
				// The session could not be looked up (the database is
				// down): signing in again would fail too.
				s.staffUnavailable(w, r, err)
				return
			}
			s.staffUnauthorized(w, r)
			return
		}
		if err := spiker.Authorize(sess.Actor, rt.Perm, spiker.Scope{}); err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		if r.Method == http.MethodPost && !rt.Upload {
			r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes*2)
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.CSRF)) != 1 {
				s.staffError(w, r, sess, spiker.Errorf(spiker.EFORBIDDEN, "the form is out of date"))
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		rt.Handle(w, r, sess)
	})
}

func (s *Server) staffUnauthorized(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		http.Redirect(w, r, "/staf/masuk", http.StatusSeeOther)
		return
	}
	s.renderStaff(w, r, http.StatusUnauthorized, "staff_signin.html", nil, map[string]any{"Error": "staff.err.session"})
}

// staffUnavailable tells a signed-in user that the back office cannot
// serve for now, instead of sending them to a sign-in that would fail.
func (s *Server) staffUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.Error("staff session lookup failed", "route", r.Pattern, "err", err)
	w.Header().Set("Retry-After", "30")
	retry := "/staf/"
	if r.Method == http.MethodGet {
		retry = r.URL.Path // the same page, once the database is back
	}
	s.renderStaff(w, r, http.StatusServiceUnavailable, "staff_unavailable.html", nil, map[string]any{"Retry": retry})
}

// staffError renders a refusal or failure inside the back office.
func (s *Server) staffError(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, err error) {
	code := spiker.ErrorCode(err)
	if code == spiker.EINTERNAL || code == spiker.EUNAVAILABLE {
		s.Logger.Error("staff request failed", "route", r.Pattern, "err", err)
	}
	if err == spiker.ErrBreakGlass && sess != nil && r.PathValue("id") != "" {
		// Offer to ask for the case, with a reason, instead of a dead end.
		s.renderStaff(w, r, http.StatusForbidden, "staff_breakglass.html", sess, map[string]any{"CaseID": r.PathValue("id")})
		return
	}
	key := "error." + code
	switch {
	case err == spiker.ErrOwnApproval:
		key = "error.own_approval"
	case errors.Is(err, spiker.ErrOnHold):
		key = "error.on_hold"
	}
	data := map[string]any{"MessageKey": key}
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/staf/kasus/") && r.PathValue("id") != "" {
		// A refused change to a case (a closure one asked for oneself):
		// back to the case, not only to the home page.
		data["BackToCase"] = "/staf/kasus/" + r.PathValue("id")
	}
	s.renderStaff(w, r, ErrorStatus(err), "staff_error.html", sess, data)
}

func (s *Server) renderStaff(w http.ResponseWriter, r *http.Request, status int, page string, sess *spiker.StaffSession, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Session"] = sess
	if page == "staff_signin.html" {
		// The passkey button shows where passkeys can work.
		_, data["PasskeyOn"] = s.relyingParty(r)
	}
	if sess != nil && s.Duty != nil {
		// The bar shows how many alerts wait, on every page: "99+" once
		// the count reaches where it stops.
		if n, _ := s.Duty.OpenAlerts(r.Context(), sess.Actor); n >= spiker.OpenAlertsCounted {
			data["OpenAlerts"] = strconv.Itoa(spiker.OpenAlertsCounted-1) + "+"
		} else if n > 0 {
			data["OpenAlerts"] = strconv.Itoa(n)
		}
	}
	s.render(w, r, status, page, data)
}

func (s *Server) staffSignInPage(w http.ResponseWriter, r *http.Request) {
	s.renderStaff(w, r, http.StatusOK, "staff_signin.html", nil, nil)
}

func (s *Server) staffSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes)
	username, password, code := r.PostFormValue("username"), r.PostFormValue("password"), r.PostFormValue("code")
	token, sess, err := s.Users.SignIn(r.Context(), username, password, code, s.ClientKey(r))
	if err != nil {
		s.signInRefused(w, r, username, err, "staff.err.signin")
		return
	}
	s.startStaffSession(w, r, token, sess)
}

func (s *Server) staffSignOut(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	if c, err := r.Cookie(s.staffCookie(r)); err == nil {
		s.Users.SignOut(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: s.staffCookie(r), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/staf/masuk", http.StatusSeeOther)
}

func (s *Server) staffSignOutAll(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	if err := s.Users.SignOutEverywhere(r.Context(), sess.Actor); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.staffSignOut(w, r, sess)
}

// inboxRow is an inbox item with what the page shows about its clock.
type inboxRow struct {
	spiker.InboxItem
	Age   string
	Clock string // spiker.LimitOK, LimitAmber, LimitRed or LimitDone
	Due   time.Time
	// RiskClock: the clock shown is the risk-based response's.
	RiskClock bool
	Region    string
}

// homeTask is one of a role's pages, offered on the home page of those
// who have no inbox, so that nobody lands on a page with nothing to do.
type homeTask struct {
	Perm        spiker.Permission
	Href, Title string // Title and Hint are catalog keys
	Hint        string
}

var homeTasks = []homeTask{
	{spiker.PermCaseList, "/staf/kasus", "cases.title", "home.hint.cases"},
	{spiker.PermReferralRespond, "/staf/rujukan", "ref.inbox", "home.hint.referrals"},
	{spiker.PermVisitList, "/staf/kunjungan", "visit.mine", "home.hint.visits"},
	{spiker.PermReportFile, "/staf/lapor", "intake.title", "home.hint.intake"},
	{spiker.PermStats, "/staf/statistik", "stats.title", "home.hint.stats"},
	{spiker.PermStats, "/staf/statistik/bulanan", "monthly.title", "home.hint.monthly"},
	{spiker.PermAudit, "/staf/audit", "audit.title", "home.hint.audit"},
	{spiker.PermPDP, "/staf/pdp", "pdp.title", "home.hint.pdp"},
	{spiker.PermUserManage, "/staf/pengguna", "admin.users", "home.hint.users"},
	{spiker.PermSettings, "/staf/pengaturan", "settings.title", "home.hint.settings"},
	{spiker.PermSettings, "/staf/kategori", "category.title", "home.hint.categories"},
}

// staffHome is the duty inbox for those who have one; others see what
// their role can do here, and anyone not yet admitted to their group sees
// that they are waiting for access.
func (s *Server) staffHome(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	data := map[string]any{"Waiting": s.Waiting != nil && s.Waiting(r.Context(), sess.Actor), "CanInbox": sess.Actor.Can(spiker.PermInbox)}
	var tasks []homeTask
	for _, t := range homeTasks {
		if sess.Actor.Can(t.Perm) {
			tasks = append(tasks, t)
		}
	}
	data["Tasks"] = tasks
	// Those without an inbox see their own workload first; those with one
	// (whose home page is the busy inbox) on their account page.
	if !sess.Actor.Can(spiker.PermInbox) {
		if err := s.myWorkloadData(r, sess, data); err != nil {
			s.staffError(w, r, sess, err)
			return
		}
	}
	// Those who work cases but have no inbox see their open cases first.
	if !sess.Actor.Can(spiker.PermInbox) && sess.Actor.Can(spiker.PermCaseList) && s.Cases != nil {
		items, err := s.Cases.FindCases(r.Context(), sess.Actor, spiker.CaseFilter{Mine: true, Status: spiker.CaseOpen, Limit: 20})
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		type myCase struct {
			spiker.CaseListItem
			Region string
		}
		var mine []myCase
		for _, it := range items {
			mine = append(mine, myCase{it, s.regionName(it.RegionCode)})
		}
		data["MyCases"], data["CanCases"] = mine, true
	}
	if sess.Actor.Can(spiker.PermCaseAssign) && s.Cases != nil {
		reqs, err := s.Cases.BreakGlassRequests(r.Context(), sess.Actor)
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		data["BreakGlass"] = reqs
		recoveries, err := s.Cases.EscrowRecoveries(r.Context(), sess.Actor)
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		data["Recoveries"] = recoveries
	}
	if sess.Actor.Can(spiker.PermCaseRead) && s.Network != nil {
		overdue, err := s.Network.FindReferrals(r.Context(), sess.Actor, spiker.ReferralFilter{Overdue: true})
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		data["Overdue"] = overdue
	}
	if sess.Actor.Can(spiker.PermInbox) {
		before, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("sebelum"))
		items, err := s.Reports.FindReports(r.Context(), sess.Actor, spiker.ReportFilter{Before: before, BeforeID: r.URL.Query().Get("id"), Limit: 50})
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		now := s.Clock.Now()
		var rows []inboxRow
		for _, it := range items {
			row := inboxRow{InboxItem: it, Age: age(locale.Printer{Lang: locale.Match(r.Header.Get("Accept-Language"))}, now.Sub(it.CreatedAt)), Region: s.regionName(it.RegionCode)}
			d, risk := it.Deadline()
			row.Clock, row.Due, row.RiskClock = d.State(now), d.Due, risk
			rows = append(rows, row)
		}
		data["Rows"] = rows
		if len(items) == 50 {
			last := items[len(items)-1]
			data["Next"] = "/staf/?sebelum=" + last.CreatedAt.Format(time.RFC3339Nano) + "&id=" + last.ID
		}
	}
	s.renderStaff(w, r, http.StatusOK, "staff_home.html", sess, data)
}

// regionName names a region with its kecamatan, for lists.
func (s *Server) regionName(code string) string {
	reg, err := s.Regions.Region(code)
	if err != nil {
		return code
	}
	if reg.Level() == spiker.LevelVillage {
		if k, err := s.Regions.Region(reg.ParentCode()); err == nil {
			return reg.Name + ", " + k.Name
		}
	}
	return reg.Name
}

// age writes how long ago something happened, shortly: "<1 mnt", "5 mnt",
// "3 jam", "4 hari" (in the page's language).
func age(p locale.Printer, d time.Duration) string {
	switch {
	case d < time.Minute:
		return p.Text("age.under_minute")
	case d < time.Hour:
		return p.Text("age.minutes", strconv.Itoa(int(d.Minutes())))
	case d < 48*time.Hour:
		return p.Text("age.hours", strconv.Itoa(int(d.Hours())))
	}
	return p.Text("age.days", strconv.Itoa(int(d.Hours()/24)))
}
