package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	spikertotp "github.com/spikerperak/spiker/internal/totp"
	"github.com/spikerperak/spiker/internal/web"
)

// matrixUser is a signed-in browser of one role and scope.
type matrixUser struct {
	actor  *spiker.Actor
	p      *portal
	csrf   string
	secret string
	holder bool // admitted to their group's key at creation
}

// TestAccessMatrix walks every route of both listeners for every role, in
// scope and out of scope, on the team and not, and anonymously. The
// expected answer comes from the route table and the policy function: a
// route without a declared permission fails here, and no request that the
// policy denies may succeed.
func TestAccessMatrix(t *testing.T) {
	ctx := context.Background()
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.RateLimits = "signin=500/1h:5000/1h,report=500/1h:5000/1h" })
	m.Store.PasswordArgon, m.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap

	users := map[string]*matrixUser{}
	for _, region := range []string{"35.24", "35.24.01"} {
		for _, role := range spiker.Roles {
			name := fmt.Sprintf("%s.%s", role, strings.ReplaceAll(region, ".", ""))
			u := &spiker.User{Username: strings.ReplaceAll(name, "_", "-"), Roles: []spiker.Role{role}, RegionCode: region}
			m.Users.NewCredentials(u, "kata sandi yang panjang")
			secret, _, _ := spikertotp.Generate(u.Username)
			u.TOTPSealed = spikertotp.Seal(m.Secrets, u.Username, secret)
			if err := m.Users.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			waiting, _ := m.Store.WaitingForAccess(ctx, u)
			mu := &matrixUser{p: newPortal(t, m), secret: secret, holder: !waiting && (role == spiker.RoleKonselorPiket || role == spiker.RoleSupervisor)}
			mu.csrf = signIn(t, mu.p, u.Username, secret, time.Now())
			mu.actor = &spiker.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, RegionCode: region}
			users[u.Username] = mu
		}
	}
	opener := users["konselor-piket.3524"]
	if !opener.holder || !users["supervisor.3524"].holder {
		t.Fatal("the first duty officer and supervisor were not admitted to their groups")
	}
	newReport := func() *spiker.Report {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Psikis"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "diancam"}}
		if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// The opener's actor with key, to open the case the case routes use.
	openerActor, err := m.Users.Authenticate(ctx, "konselor-piket.3524", "kata sandi yang panjang")
	if err != nil {
		t.Fatal(err)
	}
	caseReport := newReport()
	c := &spiker.Case{RegionCode: caseReport.RegionCode, ReportIDs: []string{caseReport.ID}}
	if err := m.Cases.OpenCase(ctx, openerActor, c); err != nil {
		t.Fatal(err)
	}

	// A document on the case, for the download route.
	supActor, err := m.Users.Authenticate(ctx, "supervisor.3524", "kata sandi yang panjang")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Cases.(store.CaseService).AddCaseFiles(ctx, supActor, c.ID, []spiker.Upload{{Name: "visum.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 visum")}}); err != nil {
		t.Fatal(err)
	}
	files, _ := m.Cases.(store.CaseService).CaseFiles(ctx, openerActor, c.ID)

	// An account for the user-management routes to act on.
	target := &spiker.User{Username: "target.user", Roles: []spiker.Role{spiker.RolePendamping}, RegionCode: "35.24.22"}
	m.Users.NewCredentials(target, "kata sandi yang panjang")
	if err := m.Users.CreateUser(ctx, target); err != nil {
		t.Fatal(err)
	}

	routes := m.Web.Routes(web.Both)
	checked := 0
	for _, rt := range routes {
		if rt.Perm == "" {
			// Open to everyone: never asks for a session.
			if rt.Method == "GET" && !strings.Contains(rt.Path, "/api/") {
				anon := newPortal(t, m)
				resp, _ := anon.get(strings.TrimSuffix(rt.Path, "{$}"))
				if resp.StatusCode == 401 || resp.StatusCode == 403 {
					t.Errorf("public route %s %s refused an anonymous visitor: %d", rt.Method, rt.Path, resp.StatusCode)
				}
			}
			continue
		}
		if rt.Record != "" && rt.Record != "report" && rt.Record != "case" && rt.Record != "user" {
			t.Errorf("route %s %s names an unknown record kind %q", rt.Method, rt.Path, rt.Record)
			continue
		}
		// Anonymous: never served.
		anon := newPortal(t, m)
		path := strings.TrimSuffix(strings.ReplaceAll(rt.Path, "{id}", "x"), "{$}")
		var resp *http.Response
		if rt.Method == "GET" {
			resp, _ = anon.get(path)
		} else {
			resp, _ = anon.post(path, url.Values{}, nil)
		}
		if resp.StatusCode != 303 && resp.StatusCode != 401 && !(rt.Bearer() && resp.StatusCode == 400) {
			t.Errorf("%s %s served an anonymous visitor: %d", rt.Method, rt.Path, resp.StatusCode)
		}
		for name, u := range users {
			id, scope := "", spiker.Scope{}
			needsKey := rt.Key // declared in the route table
			switch rt.Record {
			case "report":
				r := caseReport
				if rt.Method == "POST" {
					r = newReport() // a fresh report, so earlier changes do not decide this one
				}
				id, scope = r.ID, spiker.Scope{RegionCode: r.RegionCode}
			case "user":
				id, scope = fmt.Sprint(target.ID), spiker.Scope{RegionCode: target.RegionCode}
			case "case":
				id, scope = c.ID, spiker.Scope{RegionCode: c.RegionCode, Case: true, Team: []int64{opener.actor.UserID}}
			}
			allowed := spiker.Authorize(u.actor, rt.Perm, spiker.Scope{}) == nil && spiker.Authorize(u.actor, rt.Perm, scope) == nil
			if needsKey && !(u.holder || rt.Record == "case" && u == opener) {
				allowed = false
			}
			path := strings.TrimSuffix(strings.ReplaceAll(strings.ReplaceAll(rt.Path, "{id}", id), "{file}", files[0].ID), "{$}")
			switch {
			case rt.Bearer():
				// The staff API takes the same session as a bearer token.
				body := `{"body": "pesan"}`
				if strings.HasSuffix(rt.Path, "/case") {
					body = `{"summary": "ringkasan"}`
				}
				req, _ := http.NewRequest(rt.Method, u.p.base+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+sessionToken(u.p))
				resp, _ = u.p.do(req)
			case rt.Method == "GET":
				resp, _ = u.p.get(path)
			default:
				v := url.Values{"csrf": {u.csrf}, "body": {"pesan"}, "jenis_kasus": {"KTP"}, "risiko": {"rendah"}, "kewenangan": {"daerah"}, "reason": {"spam"}}
				resp, _ = u.p.post(path, v, nil)
			}
			denied := resp.StatusCode == 401 || resp.StatusCode == 403
			if allowed == denied || resp.StatusCode >= 500 || allowed && rt.Method == "GET" && resp.StatusCode != 200 {
				t.Errorf("%s %s as %s: status %d, policy says allowed=%v", rt.Method, rt.Path, name, resp.StatusCode, allowed)
			}
			checked++
			if strings.HasPrefix(rt.Path, "/staf/keluar") && !denied {
				// Signing out ended this browser's session: sign in again,
				// letting the current code be used once more as if the next
				// one had come.
				m.DB.Update(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = 0 WHERE id = $1`, u.actor.UserID)
					return err
				})
				u.csrf = signIn(t, u.p, u.actor.Username, u.secret, time.Now())
			}
		}
	}
	if checked < len(users)*5 {
		t.Fatalf("only %d checks ran", checked)
	}
	// Guessing ids: an unknown report or case is not found, never shown.
	sup := users["supervisor.3524"]
	for _, path := range []string{"/staf/laporan/aaaaaaaaaaaaaaaaaaaaaaaaaa", "/staf/kasus/aaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if resp, _ := sup.p.get(path); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// sessionToken returns the staff session cookie a browser holds.
func sessionToken(p *portal) string {
	u, _ := url.Parse(p.base)
	for _, c := range p.c.Jar.Cookies(u) {
		if c.Name == "spiker_staf" {
			return c.Value
		}
	}
	return ""
}
