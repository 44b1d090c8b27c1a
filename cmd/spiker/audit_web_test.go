package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestAuditPageAndAccessLog: the audit search shows a supervisor who did
// what, filtered by user, record, action and period, page by page; the
// record's access log is on the report and case pages for supervisors and
// not for the intake officer; an officer is refused the search, and every
// reading of the log is itself in the log.
func TestAuditPageAndAccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		m, _ := startMain(t, t.TempDir(), dbURL)
		kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
		reporter := newPortal(t, m)
		_, form := reporter.get("/")
		reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)

		officer, sup := newPortal(t, m), newPortal(t, m)
		oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
		signIn(t, sup, "kepala.uptd", sSecret, time.Now())
		_, inbox := officer.get("/staf/")
		link := regexp.MustCompile(`href="(/staf/laporan/([a-z0-9]+))"`).FindStringSubmatch(inbox)
		reportPath, reportID := link[1], link[2]
		if _, view := officer.get(reportPath); strings.Contains(view, "access-log") {
			t.Fatal("the intake officer sees the access log")
		}
		officer.post(reportPath+"/identitas", url.Values{"csrf": {oc}}, nil)
		resp, _ := officer.post(reportPath+"/kasus", url.Values{"csrf": {oc}, "summary": {"KDRT"}}, nil)
		casePath := resp.Header.Get("Location")
		caseID := strings.TrimPrefix(casePath, "/staf/kasus/")

		// The officer may not search the log.
		if resp, _ := officer.get("/staf/audit"); resp.StatusCode != 403 {
			t.Fatalf("an intake officer on the audit page: %d", resp.StatusCode)
		}
		if _, home := officer.get("/staf/"); strings.Contains(home, `href="/staf/audit"`) {
			t.Fatal("the intake officer has the audit link")
		}

		// The supervisor sees the record's access log on the report page.
		resp, view := sup.get(reportPath)
		if resp.StatusCode != 200 || !strings.Contains(view, "access-log") || !strings.Contains(view, "report.reveal_identity") ||
			!strings.Contains(view, "konselor.satu") {
			t.Fatalf("report page for the supervisor: %d %.3000s", resp.StatusCode, view)
		}
		if _, cv := sup.get(casePath); !strings.Contains(cv, "access-log") || !strings.Contains(cv, "case.open") {
			t.Fatalf("case page for the supervisor: %.2000s", cv)
		}
		// The log names actions, roles and records in the page's language,
		// the action's code kept small beside its name.
		_, cv := sup.get(casePath)
		for _, want := range []string{`Membuka kasus baru <code class="hint">case.open</code>`, "(Konselor piket)",
			`href="/staf/audit?catatan=case/` + caseID + `">Kasus ` + caseID + `</a>`} {
			if !strings.Contains(cv, want) {
				t.Errorf("the case's access log lacks %q", want)
			}
		}
		_, rv := sup.get(reportPath)
		for _, want := range []string{`Menampilkan identitas pada laporan <code class="hint">report.reveal_identity</code>`,
			"(Konselor piket)", `">Laporan ` + reportID + `</a>`} {
			if !strings.Contains(rv, want) {
				t.Errorf("the report's access log lacks %q", want)
			}
		}
		req, _ := http.NewRequest("GET", sup.base+"/staf/audit?catatan=case/"+caseID, nil)
		req.Header.Set("Accept-Language", "en")
		_, en := sup.do(req)
		for _, want := range []string{`Opened a new case <code class="hint">case.open</code>`, "(Duty counsellor)", `">Case ` + caseID + `</a>`} {
			if !strings.Contains(html.UnescapeString(en), want) {
				t.Errorf("the English audit page lacks %q: %.3000s", want, en)
			}
		}
		if _, cv := officer.get(casePath); strings.Contains(cv, "access-log") {
			t.Fatal("the intake officer sees the case's access log")
		}
		// A view of the case page is one entry in the case's log, whatever
		// it shows (the reporter's files are logged on their report).
		for _, p := range []*portal{officer, sup} {
			var before, onCase, other int
			var action string
			m.DB.Get(context.Background(), `SELECT MAX(seq) FROM audit_log`, nil, &before)
			if resp, _ := p.get(casePath); resp.StatusCode != 200 {
				t.Fatalf("the case page: %d", resp.StatusCode)
			}
			m.DB.Get(context.Background(), `SELECT COUNT(*), MAX(action) FROM audit_log WHERE seq > $1 AND record_kind = 'case'`, []any{before}, &onCase, &action)
			m.DB.Get(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE seq > $1 AND action <> 'report.files_read' AND record_kind <> 'case'`, []any{before}, &other)
			if onCase != 1 || action != "case.view" || other != 0 {
				t.Fatalf("a case page view wrote %d entries on the case (%s) and %d others, want one case.view", onCase, action, other)
			}
		}

		// Filters.
		resp, page := sup.get("/staf/audit?pengguna=konselor.satu&tindakan=report.reveal_identity")
		if resp.StatusCode != 200 || strings.Count(page, `<code class="hint">report.reveal_identity</code>`) != 1 || strings.Contains(page, `<code class="hint">case.open</code>`) {
			t.Fatalf("by user and action: %d %.3000s", resp.StatusCode, page)
		}
		_, page = sup.get("/staf/audit?catatan=case/" + caseID)
		if !strings.Contains(page, `<code class="hint">case.open</code>`) || strings.Contains(page, `<code class="hint">report.reveal_identity</code>`) {
			t.Fatalf("by record: %.3000s", page)
		}
		_, page = sup.get("/staf/audit?catatan=report/" + reportID + "&tindakan=report.")
		if !strings.Contains(page, `<code class="hint">report.create</code>`) || strings.Contains(page, `<code class="hint">case.open</code>`) {
			t.Fatalf("by record and action family: %.3000s", page)
		}
		_, page = sup.get("/staf/audit?dari=2000-01-01&sampai=2000-01-31")
		if !strings.Contains(page, "Tidak ada entri yang cocok") {
			t.Fatalf("an empty period: %.3000s", page)
		}
		today := m.Clock.Local().Format(time.DateOnly)
		if _, page = sup.get("/staf/audit?dari=" + today + "&sampai=" + today + "&tindakan=case.open"); !strings.Contains(page, `<code class="hint">case.open</code>`) {
			t.Fatalf("today: %.3000s", page)
		}
		if resp, _ := sup.get("/staf/audit?dari=kemarin"); resp.StatusCode != 422 {
			t.Fatalf("a bad date: %d", resp.StatusCode)
		}
		// Keyset pagination: 50 a page, then "older" continues below.
		for range 50 {
			sup.get("/staf/audit?tindakan=nothing")
		}
		_, page = sup.get("/staf/audit?tindakan=audit.read")
		next := regexp.MustCompile(`href="(/staf/audit\?[^"]*sebelum=\d+[^"]*)"`).FindStringSubmatch(page)
		if next == nil || strings.Count(page, `<code class="hint">audit.read</code>`) != 50 {
			t.Fatalf("first page: %d entries, next %v", strings.Count(page, `<code class="hint">audit.read</code>`), next)
		}
		_, older := sup.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if n := strings.Count(older, `<code class="hint">audit.read</code>`); n == 0 || n >= 50 {
			t.Fatalf("older page: %d entries", n)
		}
		// The data protection officer answers "who opened this victim's
		// file?" from the search, and opens neither the report nor the case.
		dSecret := addStaffWithTOTP(t, m, "pelindung.data", spiker.RolePelindungData, "35.24")
		dpo := newPortal(t, m)
		signIn(t, dpo, "pelindung.data", dSecret, time.Now())
		if _, home := dpo.get("/staf/"); strings.Count(home, `href="/staf/audit"`) != 2 || !strings.Contains(home, `<ul class="tasks">`) {
			t.Fatalf("the data protection officer has no audit link: %.2000s", home)
		}
		resp, page = dpo.get("/staf/audit?catatan=report/" + reportID + "&tindakan=report.reveal_identity")
		if resp.StatusCode != 200 || !strings.Contains(page, `<code class="hint">report.reveal_identity</code>`) || !strings.Contains(page, "konselor.satu") {
			t.Fatalf("the data protection officer's search: %d %.3000s", resp.StatusCode, page)
		}
		for _, p := range []string{reportPath, casePath, "/staf/kasus", "/staf/statistik"} {
			if resp, _ := dpo.get(p); resp.StatusCode != 403 {
				t.Fatalf("the data protection officer on %s: %d", p, resp.StatusCode)
			}
		}
		if _, err := m.Audit.VerifyAudit(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
