package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
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

	// Two partner agencies: the regency's Mitra users belong to the first
	// (the one referred to), the kecamatan's to the second.
	network := store.NetworkService{Store: m.Store}
	setupAdmin := createMatrixAdmin(t, m)
	agencies := map[string]*spiker.Agency{}
	for _, region := range []string{"35.24", "35.24.01"} {
		a := &spiker.Agency{Name: "Lembaga " + region, Type: "RSUD", RegionCode: region, Services: []string{"Kesehatan"}}
		if err := network.SaveAgency(ctx, setupAdmin, a); err != nil {
			t.Fatal(err)
		}
		agencies[region] = a
	}
	users := map[string]*matrixUser{}
	for _, region := range []string{"35.24", "35.24.01"} {
		for _, role := range spiker.Roles {
			name := fmt.Sprintf("%s.%s", role, strings.ReplaceAll(region, ".", ""))
			u := &spiker.User{Username: strings.ReplaceAll(name, "_", "-"), Roles: []spiker.Role{role}, RegionCode: region}
			if role == spiker.RoleMitra {
				u.AgencyID = agencies[region].ID
			}
			storeUsers(m).NewCredentials(u, "tubruk pasar sapi kabut")
			secret, _, _ := spikertotp.Generate(u.Username)
			u.TOTPSealed = spikertotp.Seal(m.Secrets, u.Username, secret)
			if err := storeUsers(m).CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			waiting, _ := m.Store.WaitingForAccess(ctx, u)
			mu := &matrixUser{p: newPortal(t, m), secret: secret, holder: !waiting && (role == spiker.RoleKonselorPiket || role == spiker.RoleSupervisor)}
			mu.csrf = signIn(t, mu.p, u.Username, secret, time.Now())
			mu.actor = u.Actor(nil)
			users[u.Username] = mu
		}
	}
	opener := users["konselor-piket.3524"]
	if !opener.holder || !users["supervisor.3524"].holder {
		t.Fatal("the first duty officer and supervisor were not admitted to their groups")
	}
	newReport := func(files ...spiker.Upload) *spiker.Report {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Psikis"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "diancam"}, Files: files}
		if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// The opener's actor with key, to open the case the case routes use.
	openerActor, err := m.Users.Authenticate(ctx, "konselor-piket.3524", "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	// With a file, for the report's download route.
	caseReport := newReport(spiker.Upload{Name: "foto.jpg", Kind: "image/jpeg", Data: []byte("\xFF\xD8\xFF foto")})
	c := &spiker.Case{RegionCode: caseReport.RegionCode, ReportIDs: []string{caseReport.ID}}
	if err := m.Cases.OpenCase(ctx, openerActor, c); err != nil {
		t.Fatal(err)
	}

	// A document on the case, for the download route.
	supActor, err := m.Users.Authenticate(ctx, "supervisor.3524", "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Cases.AddCaseFiles(ctx, supActor, c.ID, []spiker.Upload{{Name: "visum.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 visum")}}); err != nil {
		t.Fatal(err)
	}
	files, _ := m.Cases.CaseFiles(ctx, openerActor, c.ID)
	reportFiles, _, _ := store.ReportService{Store: m.Store}.ReportFiles(ctx, openerActor, caseReport.ID)

	// A referral of the case to the first agency, and a visit the
	// regency's field officer goes on.
	victim := &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Psikis"}, Consent: spiker.ConsentByVictim, Name: "Korban"}
	if err := m.Cases.AddVictim(ctx, supActor, c.ID, victim); err != nil {
		t.Fatal(err)
	}
	ref, err := network.CreateReferral(ctx, supActor, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: agencies["35.24"].ID, Service: "Kesehatan",
		DueDate: time.Now().Add(72 * time.Hour).Format(time.DateOnly), Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim})
	if err != nil {
		t.Fatal(err)
	}
	fieldOfficer := users["petugas-lapangan.3524"]
	visit := &spiker.Visit{CaseID: c.ID, Kind: spiker.VisitOutreach, At: time.Now().Add(24 * time.Hour), PlaceKind: "kantor_desa", RegionCode: c.RegionCode,
		Team: []int64{fieldOfficer.actor.UserID}, Details: spiker.VisitDetails{Place: "Balai desa"}}
	if err := network.ScheduleVisit(ctx, supActor, visit); err != nil {
		t.Fatal(err)
	}
	partnerUser := users["mitra.3524"]

	// A data-subject request of the regency, for the register's routes
	// (linked to no case: the case's own checks are the store's tests').
	pdpReq, err := m.Duty.OpenPDPRequest(ctx, supActor, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPAccess,
		ReceivedAt: time.Now().Add(-time.Hour), Content: spiker.PDPContent{Name: "Pemohon", Contact: "0812", Request: "Salinan data saya"}})
	if err != nil {
		t.Fatal(err)
	}

	// An account for the user-management routes to act on.
	target := &spiker.User{Username: "target.user", Roles: []spiker.Role{spiker.RolePendamping}, RegionCode: "35.24.22"}
	storeUsers(m).NewCredentials(target, "tubruk pasar sapi kabut")
	if err := storeUsers(m).CreateUser(ctx, target); err != nil {
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
		if rt.Record != "" && rt.Record != "report" && rt.Record != "case" && rt.Record != "user" && rt.Record != "referral" && rt.Record != "visit" && rt.Record != "agency" && rt.Record != "category" && rt.Record != "alert" && rt.Record != "pdp" && rt.Record != "grant" {
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
			case "referral":
				id, scope = ref.ID, spiker.Scope{RegionCode: c.RegionCode, Case: true, Team: []int64{opener.actor.UserID}, Agency: ref.AgencyID}
			case "visit":
				id, scope = visit.ID, spiker.Scope{RegionCode: visit.RegionCode, Visit: true, Team: visit.Team}
			case "agency":
				id, scope = agencies["35.24"].ID, spiker.Scope{RegionCode: "35.24"}
			case "category":
				// An office category of the default set: the office's
				// settings, of no region.
				id = "kbgo"
			case "pdp":
				id, scope = pdpReq.ID, spiker.Scope{RegionCode: pdpReq.RegionCode}
			case "grant":
				id = "grant-not-requested"
			case "alert":
				// Only the notified may acknowledge: anyone else is told
				// it does not exist.
				id = "alert-nobody-was-sent"
			}
			allowed := spiker.Authorize(u.actor, rt.Perm, spiker.Scope{}) == nil && spiker.Authorize(u.actor, rt.Perm, scope) == nil
			// Who holds the key each record needs: the groups' first members,
			// the case's opener, the agency's first user, the officer on the
			// visit.
			holds := u.holder
			switch rt.Record {
			case "case":
				holds = holds || u == opener
			case "referral":
				holds = holds || u == opener || u == partnerUser
			case "visit":
				holds = u.holder && u.actor.HasRole(spiker.RoleSupervisor) || u == fieldOfficer
			case "user":
				holds = holds || u == partnerUser
			}
			if needsKey && !holds {
				allowed = false
			}
			file := files[0].ID
			if rt.Record == "report" {
				file = reportFiles[0].ID
			}
			path := strings.TrimSuffix(strings.ReplaceAll(strings.ReplaceAll(rt.Path, "{id}", id), "{file}", file), "{$}")
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
				m.DB.Update(ctx, func(tx *sqldb.Tx) error {
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
	// The correction forms of the case page are walked like every route.
	walked := map[string]bool{}
	for _, rt := range routes {
		walked[rt.Method+" "+rt.Path] = rt.Record == "case" && rt.Key && rt.Perm == spiker.PermCaseWrite
	}
	for _, what := range []string{"korban", "pelaku", "kategori", "lokasi", "ringkasan"} {
		if !walked["POST /staf/kasus/{id}/ubah/"+what] {
			t.Errorf("the correction of %s is not in the matrix as a case write that needs the key", what)
		}
	}
	// So are the protections, the risk assessment, the safety plan and
	// the KSBE takedown tracker.
	for _, what := range []string{"restitusi", "perlindungan", "risiko", "rencana-aman", "ksbe", "ksbe/permintaan"} {
		if !walked["POST /staf/kasus/{id}/"+what] {
			t.Errorf("%s is not in the matrix as a case write that needs the key", what)
		}
	}
	// Guessing ids: an unknown report or case is not found, never shown.
	sup := users["supervisor.3524"]
	for _, path := range []string{"/staf/laporan/aaaaaaaaaaaaaaaaaaaaaaaaaa", "/staf/kasus/aaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if resp, _ := sup.p.get(path); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// createMatrixAdmin makes an administrator outside the matrix, to set up
// the partner agencies before the matrix's users exist.
func createMatrixAdmin(t *testing.T, m *Main) *spiker.Actor {
	t.Helper()
	u := &spiker.User{Username: "setup.admin", Roles: []spiker.Role{spiker.RoleAdmin}, RegionCode: "35.24"}
	storeUsers(m).NewCredentials(u, "tubruk pasar sapi kabut")
	if err := storeUsers(m).CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u.Actor(nil)
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

// TestAccessMatrixMetrics: /metrics is on no listener a person uses (the
// public portal, the back office), only on its own address, where it asks
// for the bearer token and serves nothing else; a non-loopback address
// without a token is refused at start.
func TestAccessMatrixMetrics(t *testing.T) {
	const token = "scraper-token-7d1e"
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) {
		c.StaffAddr = "127.0.0.1:0"
		c.MetricsAddr, c.MetricsToken = "127.0.0.1:0", token
	})
	for _, base := range []string{m.PublicAddr(), m.StaffAddr()} {
		if code, _ := get(t, "http://"+base+"/metrics"); code != 404 {
			t.Errorf("/metrics on %s: %d, want 404", base, code)
		}
	}
	for _, rt := range m.Web.Routes(web.Both) {
		if strings.Contains(rt.Path, "metrics") {
			t.Errorf("a web route serves metrics: %s %s", rt.Method, rt.Path)
		}
	}
	do := func(method, path, auth string) int {
		req, _ := http.NewRequest(method, "http://"+m.MetricsAddr()+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		method, path, auth string
		want               int
	}{
		{"GET", "/metrics", "", 401},
		{"GET", "/metrics", "Bearer wrong", 401},
		{"GET", "/metrics", token, 401}, // not as a bearer token
		{"GET", "/metrics", "Bearer " + token, 200},
		{"POST", "/metrics", "Bearer " + token, 405},
		{"GET", "/", "Bearer " + token, 404},
		{"GET", "/staf/", "Bearer " + token, 404},
		{"GET", "/readyz", "Bearer " + token, 404},
	} {
		if got := do(c.method, c.path, c.auth); got != c.want {
			t.Errorf("%s %s (%q): %d, want %d", c.method, c.path, c.auth, got, c.want)
		}
	}

	// Off loopback, a token is required; on loopback it is optional.
	off := &Main{Config: Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Region: "35.24", ExitURL: "https://www.bmkg.go.id/",
		MetricsAddr: "0.0.0.0:0"}, Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)}
	err := off.Run(context.Background())
	off.Close()
	if err == nil || !strings.Contains(err.Error(), "--metrics-token") {
		t.Errorf("metrics on every interface without a token: %v", err)
	}
	open, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
	if code, _ := get(t, "http://"+open.MetricsAddr()+"/metrics"); code != 200 {
		t.Errorf("loopback metrics without a token: %d", code)
	}
}
