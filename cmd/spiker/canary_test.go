package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media/mediatest"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	"github.com/spikerperak/spiker/internal/vault"
)

// Planted values that must never appear in plaintext at rest or in logs.
var canaries = []string{
	"Kartini Kanaripuspita",         // victim name
	"0812-9876-5432", "81298765432", // phone, as typed and as digits
	"Jalan Kenanga Kanari 17",                 // address
	"kanari-cerita: dipukul dengan sapu lidi", // narrative
}

// fileCanary is planted in the content of an uploaded file.
const fileCanary = "kanari-berkas: video di rumah Kenanga"

// Planted in free text staff type that may name someone: a break-glass
// reason, an identity-export request's reason, a team removal's reason.
const (
	breakGlassCanary = "kanari-darurat: Sulastri menunggu di kantor malam ini"
	grantCanary      = "kanari-ekspor: pemeriksaan berkas Sulastri oleh inspektorat"
	removalCanary    = "kanari-keluar: berkerabat dengan Sulastri"
	escrowCanary     = "kanari-cadangan: Sulastri minta berkasnya dibuka"
)

// Planted in the KSBE takedown tracker: the intimate content's URL and a
// platform's ticket number.
const (
	takedownURLCanary = "https://kanari-ksbe.example/video/kartini"
	takedownRefCanary = "TIKET-KANARI-KSBE-9"
	// A data-subject request's words, verification details and decision reason.
	pdpCanary = "kanari-pdp: Sulastri minta salinan datanya"
)

// TestCanaries creates a report and a case with planted identity and story
// through the running program, then searches the data directory, the
// database (raw file or pg_dump) and the logs for them; and shows that the
// database plus the secret file, without a password or escrow shares,
// decrypt nothing.
func TestCanaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		dir := t.TempDir()
		m, logs := startMain(t, dir, dbURL)
		shares, err := m.Store.InitEscrow(ctx, []string{"Kepala Dinas", "Kepala UPTD", "DPO"})
		if err != nil {
			t.Fatal(err)
		}
		officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
		sup, supSecret := addStaffSecret(t, m, "kepala.uptd", spiker.RoleSupervisor)

		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", InDanger: true,
			ReporterRole: spiker.ReporterKorban, ViolenceTypes: []string{"Fisik"}, VictimAge: -1, ContactWanted: true, Consent: true,
			Content: spiker.ReportContent{Narrative: canaries[4], PlaceDetail: canaries[3], VictimName: canaries[0],
				Contact: spiker.ReportContact{Channel: "whatsapp", Number: canaries[1], Note: canaries[0]}},
			Files: []spiker.Upload{{Name: canaries[0] + ".pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 " + canaries[4] + " " + canaries[3])}}}
		receipt, err := m.Reports.CreateReport(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Reports.FindReportByReceipt(ctx, receipt, "client"); err != nil {
			t.Fatal(err)
		}
		// The conversation and later files carry the canaries too.
		token, err := m.Reports.StartFollowup(ctx, receipt, "client")
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Reports.AddMessage(ctx, token, spiker.MessageMeeting, "Tempat: "+canaries[3]+", hubungi "+canaries[1]); err != nil {
			t.Fatal(err)
		}
		if err := m.Reports.AddFiles(ctx, token, []spiker.Upload{{Name: "rekaman " + canaries[0] + ".ogg", Kind: "audio/ogg",
			Data: []byte("OggS " + canaries[4])}}); err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID},
			Content: spiker.CaseContent{Summary: canaries[4] + " " + canaries[2], VictimName: canaries[0]}}
		if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if got, err := m.Cases.FindCase(ctx, officer, c.ID); err != nil || got.Content.VictimName != canaries[0] {
			t.Fatalf("the case does not read back: %v", err)
		}
		// The case record, a staff note and a case document carry them too.
		cs := store.CaseService{Store: m.Store}
		if err := cs.AddVictim(ctx, sup, c.ID, &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Fisik"},
			Consent: spiker.ConsentByVictim, Name: canaries[0], NIK: "3524010101010001", Accommodation: canaries[3]}); err != nil {
			t.Fatal(err)
		}
		if err := (store.ReportService{Store: m.Store}).AddNote(ctx, officer, r.ID, canaries[4]+" "+canaries[1]); err != nil {
			t.Fatal(err)
		}
		if err := cs.AddCaseFiles(ctx, sup, c.ID, []spiker.Upload{{Name: canaries[0] + ".pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 " + canaries[4])}}); err != nil {
			t.Fatal(err)
		}
		if err := cs.AddEntry(ctx, sup, c.ID, &spiker.CaseEntry{Kind: "catatan", Category: "Catatan", Body: canaries[3]}); err != nil {
			t.Fatal(err)
		}
		// A referral packet and a visit carry them as well.
		network := store.NetworkService{Store: m.Store}
		agency := &spiker.Agency{Name: "Puskesmas Kanari", Type: "Puskesmas", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := network.SaveAgency(ctx, addStaff(t, m, "admin.it", spiker.RoleAdmin), agency); err != nil {
			t.Fatal(err)
		}
		partner := &spiker.User{Username: "bidan.puskesmas", Roles: []spiker.Role{spiker.RoleMitra}, RegionCode: "35.24", AgencyID: agency.ID}
		storeUsers(m).NewCredentials(partner, "tubruk pasar sapi kabut")
		if err := storeUsers(m).CreateUser(ctx, partner); err != nil {
			t.Fatal(err)
		}
		if _, err := network.CreateReferral(ctx, sup, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: agency.ID, Service: "Kesehatan",
			DueDate: time.Now().Add(48 * time.Hour).Format(time.DateOnly), Fields: spiker.PacketFields, Needs: canaries[4],
			Consent: spiker.ConsentOverride, ConsentOverride: canaries[0] + " menolak"}); err != nil {
			t.Fatal(err)
		}
		if err := network.ScheduleVisit(ctx, sup, &spiker.Visit{CaseID: c.ID, Kind: spiker.VisitMeeting, At: time.Now().Add(time.Hour), PlaceKind: "tempat_aman",
			RegionCode: "35.24.22.2001", Team: []int64{sup.UserID}, Details: spiker.VisitDetails{Place: canaries[3], AskFor: canaries[0], SafetyNotes: canaries[1]}}); err != nil {
			t.Fatal(err)
		}
		// Free text typed by staff: a break-glass request, an identity
		// export request and a removal from the team. The supervisor reads
		// the first two back; the audit log keeps none of them.
		visitor := addStaff(t, m, "manajer.luar", spiker.RoleManajerKasus)
		if err := cs.RequestBreakGlass(ctx, visitor, c.ID, breakGlassCanary); err != nil {
			t.Fatal(err)
		}
		if reqs, err := cs.BreakGlassRequests(ctx, sup); err != nil || len(reqs) != 1 || reqs[0].Reason != breakGlassCanary {
			t.Fatalf("the supervisor does not read the break-glass reason: %+v %v", reqs, err)
		}
		// A recovery through the escrow, whose reason only supervisors read.
		if err := m.Store.RecoverWithEscrow(ctx, shares[:2], store.EscrowTarget{Kind: "case", ID: c.ID, Username: "manajer.luar", Reason: escrowCanary}); err != nil {
			t.Fatal(err)
		}
		if recs, err := cs.EscrowRecoveries(ctx, sup); err != nil || len(recs) != 1 || recs[0].Reason != escrowCanary || recs[0].Username != "manajer.luar" {
			t.Fatalf("the supervisor does not read the escrow recovery's reason: %+v %v", recs, err)
		}
		supPortal := newPortal(t, m)
		if code := signInAs(supPortal, "kepala.uptd", "tubruk pasar sapi kabut", supSecret, time.Now().Add(30*time.Second)); code != 303 {
			t.Fatalf("supervisor sign-in: HTTP %d", code)
		}
		if _, home := supPortal.get("/staf/"); !strings.Contains(home, "kunci cadangan") || !strings.Contains(home, escrowCanary) {
			t.Fatalf("the supervisor's home page does not list the escrow recovery with its reason: %.3000s", home)
		}
		if recs, err := cs.EscrowRecoveries(ctx, visitor); spiker.ErrorCode(err) != spiker.EFORBIDDEN || recs != nil {
			t.Fatalf("a case manager lists escrow recoveries: %+v %v", recs, err)
		}
		stats := store.StatsService{Store: m.Store}
		dataOfficer := addStaff(t, m, "tim.data", spiker.RoleTimData)
		month := time.Now().Format("2006-01")
		if _, err := stats.RequestIdentityExport(ctx, dataOfficer, spiker.StatsFilter{From: month, To: month}, grantCanary); err != nil {
			t.Fatal(err)
		}
		for _, reader := range []*spiker.Actor{sup, dataOfficer} {
			if gs, err := stats.IdentityGrants(ctx, reader); err != nil || len(gs) != 1 || gs[0].Reason != grantCanary {
				t.Fatalf("%s does not read the export request's reason: %+v %v", reader.Username, gs, err)
			}
		}
		if err := cs.Assign(ctx, sup, c.ID, visitor.UserID); err != nil {
			t.Fatal(err)
		}
		if err := cs.RemoveMember(ctx, sup, c.ID, visitor.UserID, removalCanary); err != nil {
			t.Fatal(err)
		}
		// A KSBE takedown item and its request (takedown.go).
		takedown := &spiker.Takedown{Platform: "telegram", URL: takedownURLCanary, Status: spiker.TakedownOpen, Outcome: canaries[3]}
		if err := cs.SaveTakedown(ctx, sup, c.ID, takedown); err != nil {
			t.Fatal(err)
		}
		if err := cs.SaveTakedownRequest(ctx, sup, c.ID, &spiker.TakedownRequest{TakedownID: takedown.ID, To: spiker.TakedownToMinistry,
			SentAt: time.Now().Add(-time.Hour), Reference: takedownRefCanary, Status: spiker.RequestSent}); err != nil {
			t.Fatal(err)
		}
		// A data-subject request about the victim: its content, the
		// verification's details and the decision's reason; exported.
		duty := store.DutyService{Store: m.Store}
		pdpReq, err := duty.OpenPDPRequest(ctx, sup, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPAccess, ReceivedAt: time.Now().Add(-time.Minute),
			ReportID: r.ID, Content: spiker.PDPContent{Name: canaries[0], Contact: canaries[1], Request: pdpCanary}})
		if err != nil {
			t.Fatal(err)
		}
		if err := duty.VerifyPDPRequest(ctx, sup, pdpReq.ID, &spiker.PDPVerification{Method: "ktp_tatap_muka", Details: pdpCanary}); err != nil {
			t.Fatal(err)
		}
		if x, err := duty.PDPExport(ctx, sup, pdpReq.ID, "korban"); err != nil || x.Case == nil || x.Case.Case.ID != c.ID {
			t.Fatalf("the access export: %v", err)
		}
		if err := duty.DecidePDPRequest(ctx, sup, pdpReq.ID, &spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: pdpCanary}); err != nil {
			t.Fatal(err)
		}
		// A video sent through the web form with a canary in its content:
		// first with an answer missing (the file is then kept under the
		// form's token), then complete. It is never in the clear on disk:
		// not while it streams in, not while it is kept, not once stored.
		video := append(mediatest.MP4("isom", "kanari-meta"), mediatest.Box("mdat", []byte(fileCanary))...)
		p := newPortal(t, m)
		_, form := p.get("/")
		answers := validAnswers(tokenRE.FindStringSubmatch(form)[1])
		answers.Del("types")
		if resp, page := p.post("/", answers, map[string][]byte{canaries[0] + ".mp4": video}); resp.StatusCode != 422 || !strings.Contains(page, "terlampir") {
			t.Fatalf("a form with an answer missing: HTTP %d, the video not listed", resp.StatusCode)
		}
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if b, _ := os.ReadFile(p); err == nil && !fi.IsDir() && (bytes.Contains(b, []byte(fileCanary)) || bytes.Contains(b, []byte(canaries[0]))) {
				t.Errorf("the kept video or its name is in the clear in %s", p)
			}
			return nil
		})
		answers.Set("types", "Fisik")
		if resp, page := p.report(answers, nil); resp.StatusCode != 200 || !receiptRE.MatchString(page) {
			t.Fatalf("the completed form: HTTP %d", resp.StatusCode)
		}
		webReports, err := (store.ReportService{Store: m.Store}).FindReports(ctx, officer, spiker.ReportFilter{Limit: 50})
		if err != nil || len(webReports) != 2 {
			t.Fatalf("inbox: %v, %d reports", err, len(webReports))
		}
		var stored bytes.Buffer
		for _, item := range webReports {
			files, _, _ := (store.ReportService{Store: m.Store}).ReportFiles(ctx, officer, item.ID)
			for _, f := range files {
				if f.Kind == "video/mp4" {
					if _, err := (store.ReportService{Store: m.Store}).ReadFile(ctx, officer, item.ID, f.ID, &stored); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if !bytes.Contains(stored.Bytes(), []byte(fileCanary)) || bytes.Contains(stored.Bytes(), []byte("kanari-meta")) {
			t.Fatalf("the stored video (%d bytes) lacks its content or keeps its metadata", stored.Len())
		}
		if postgresOnly(dbURL) == "" {
			if code, _, stderr := runCLI(t, "", nil, "backup", "--data", dir, "--out", filepath.Join(dir, "backup.db")); code != 0 {
				t.Fatalf("backup: %s", stderr)
			}
		}
		// Requests with the canaries in the query and headers, as a careless
		// client or an attacker might send them.
		req, _ := http.NewRequest("GET", "http://"+m.PublicAddr()+"/tentang?nama="+url.QueryEscape(canaries[0])+"&r="+receipt, nil)
		req.Header.Set("User-Agent", canaries[3])
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}

		// Everything at rest: the data directory (SQLite file, WAL, secret
		// file) and, on PostgreSQL, a dump of the database.
		haystacks := map[string][]byte{"log": []byte(logs.String())}
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				b, _ := os.ReadFile(p)
				haystacks[p] = b
			}
			return nil
		})
		if pg := postgresOnly(dbURL); pg != "" {
			haystacks["pg_dump"] = pgDump(t, pg)
		}
		for _, needle := range append(canaries, receipt, vault.FormatReceipt(receipt), token, "3524010101010001", fileCanary, "kanari-meta",
			breakGlassCanary, grantCanary, removalCanary, escrowCanary, pdpCanary, "Sulastri", takedownURLCanary, "kanari-ksbe", takedownRefCanary) {
			for where, hay := range haystacks {
				if bytes.Contains(hay, []byte(needle)) {
					t.Errorf("%q found in plaintext in %s", needle, where)
				}
			}
		}
		// A positive control: the search does see stored data (the report's
		// id, which is not protected, is there in the clear).
		found := false
		for _, hay := range haystacks {
			found = found || bytes.Contains(hay, []byte(r.ID))
		}
		if !found || len(haystacks) < 3 {
			t.Fatalf("the search does not reach the stored data (%d places)", len(haystacks))
		}
		cannotDecryptWithoutHolders(t, dir, dbURL, r.ID, c.ID)
	})
}

// addStaff creates a user through the command line and signs them in.
func addStaff(t *testing.T, m *Main, name string, role spiker.Role) *spiker.Actor {
	t.Helper()
	a, _ := addStaffSecret(t, m, name, role)
	return a
}

// addStaffSecret is addStaff that also returns the user's TOTP secret, for
// signing in over HTTP.
func addStaffSecret(t *testing.T, m *Main, name string, role spiker.Role) (*spiker.Actor, string) {
	t.Helper()
	args := append([]string{"user", "add", "--data", m.Config.DataDir, "--username", name, "--role", string(role)}, dbArgs(m.Config.DB)...)
	code, stdout, stderr := runCLI(t, "", nil, args...)
	if code != 0 {
		t.Fatalf("user add %s: %s", name, stderr)
	}
	secret, err := enrolLink(m, stdout, "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Users.Authenticate(context.Background(), name, "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	return a, secret
}

func pgDump(t *testing.T, dbURL string) []byte {
	t.Helper()
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	out, err := exec.Command("pg_dump", "--schema="+schema, "--data-only", u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !bytes.Contains(out, []byte("COPY "+schema+".reports")) {
		t.Fatalf("pg_dump did not dump the reports table:\n%.500s", out)
	}
	return out
}

// cannotDecryptWithoutHolders plays the thief with the database and the
// secret file: no key in the file opens a protected column or a grant, the
// groups' bootstrap copies are gone, and the services refuse a keyless actor.
func cannotDecryptWithoutHolders(t *testing.T, dir, dbURL, reportID, caseID string) {
	t.Helper()
	ctx := context.Background()
	secrets, created, err := vault.LoadOrCreateSecrets(filepath.Join(dir, "secret.json"), time.Now())
	if err != nil || created {
		t.Fatalf("secret file: %v", err)
	}
	dbu := dbURL
	if postgresOnly(dbURL) == "" {
		dbu = "sqlite:" + filepath.Join(dir, "spiker.db")
	}
	db, err := sqldb.Open(ctx, dbu)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys [][]byte
	for _, p := range vault.Purposes() {
		for _, kv := range secrets.Keys[p] {
			keys = append(keys, kv.Key)
		}
	}
	var columns [][]byte
	var grants [][]byte
	var bootstraps int
	err = db.View(ctx, func(tx *sqldb.Tx) error {
		var a, b, c, d, e, f []byte
		if err := tx.Get(ctx, `SELECT narrative, place_detail, victim_name, contact FROM reports WHERE id = $1`, []any{reportID}, &a, &b, &c, &d); err != nil {
			return err
		}
		if err := tx.Get(ctx, `SELECT summary, victim_name FROM cases WHERE id = $1`, []any{caseID}, &e, &f); err != nil {
			return err
		}
		columns = [][]byte{a, b, c, d, e, f}
		rows, err := tx.Query(ctx, `SELECT sealed_key FROM key_grants`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g []byte
			rows.Scan(&g)
			grants = append(grants, g)
		}
		return tx.Get(ctx, `SELECT COUNT(*) FROM holder_groups WHERE bootstrap_wrapped IS NOT NULL`, nil, &bootstraps)
	})
	if err != nil {
		t.Fatal(err)
	}
	if bootstraps != 0 {
		t.Fatalf("%d group keys are still held under the secret file's bootstrap key", bootstraps)
	}
	if len(grants) < 6 {
		t.Fatalf("only %d grants", len(grants))
	}
	for _, k := range keys {
		dk := vault.DataKey(k)
		for _, col := range []string{"narrative", "place_detail", "victim_name", "contact"} {
			for _, ct := range columns {
				if _, err := dk.Open(vault.Field{Table: "reports", Column: col, Record: reportID}, ct); err == nil {
					t.Fatal("a secret-file key opened a protected column")
				}
			}
		}
		kp := vault.KeyPair{Private: vault.PrivateKey(k)}
		kp.Public = vault.PublicOf(kp.Private)
		for _, g := range grants {
			if _, err := vault.OpenSealed(kp, g); err == nil {
				t.Fatal("a secret-file key opened a key grant")
			}
		}
	}
	s := store.New(db, secrets)
	thief := &spiker.Actor{UserID: 1, Username: "thief", Roles: spiker.Roles}
	if _, err := (store.ReportService{Store: s}).FindReport(ctx, thief, reportID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
		t.Fatalf("keyless actor with every role: %v", err)
	}
	if _, err := (store.CaseService{Store: s}).FindCase(ctx, thief, caseID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
		t.Fatalf("keyless actor with every role, case: %v", err)
	}
}

// TestPacketHoldsOnlySelectedFields plays a partner agency holding its own
// key: of everything stored, it can decrypt the referral packet and nothing
// else, and the packet carries only the fields the case manager selected.
func TestPacketHoldsOnlySelectedFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
		sup := addStaff(t, m, "kepala.uptd", spiker.RoleSupervisor)
		admin := addStaff(t, m, "admin.it", spiker.RoleAdmin)
		network := store.NetworkService{Store: m.Store}
		agency := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := network.SaveAgency(ctx, admin, agency); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"user", "add", "--data", m.Config.DataDir, "--username", "dokter.rsud", "--role", "mitra", "--agency", agency.ID}, dbArgs(m.Config.DB)...)
		code, stdout, stderr := runCLI(t, "", nil, args...)
		if code != 0 {
			t.Fatalf("user add: %s", stderr)
		}
		if _, err := enrolLink(m, stdout, "tubruk pasar sapi kabut"); err != nil {
			t.Fatal(err)
		}
		partner, err := m.Users.Authenticate(ctx, "dokter.rsud", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}

		const name, nik, perpetrator, summary = "Kartini Kanaripuspita", "3524010101010001", "Bejo Kanari Pelaku", "kanari-ringkasan rahasia"
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban, ViolenceTypes: []string{"Fisik"},
			VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: canaries[4], PlaceDetail: canaries[3]}}
		if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: summary}}
		if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		cs := store.CaseService{Store: m.Store}
		v := &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Fisik"}, Consent: spiker.ConsentByVictim, Name: name, NIK: nik, Accommodation: canaries[3]}
		if err := cs.AddVictim(ctx, sup, c.ID, v); err != nil {
			t.Fatal(err)
		}
		if err := cs.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: v.ID, Sex: "Laki-laki", Relationship: "Suami/Istri", Name: perpetrator}); err != nil {
			t.Fatal(err)
		}
		if err := cs.AddEntry(ctx, sup, c.ID, &spiker.CaseEntry{Kind: "catatan", Category: "Catatan", Body: canaries[4]}); err != nil {
			t.Fatal(err)
		}
		ref, err := network.CreateReferral(ctx, sup, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: agency.ID, Service: "Kesehatan",
			DueDate: time.Now().Add(48 * time.Hour).Format(time.DateOnly), Fields: []string{spiker.PacketVictimName, spiker.PacketVictimAge},
			Needs: "visum et repertum", Consent: spiker.ConsentByVictim})
		if err != nil {
			t.Fatal(err)
		}
		if err := network.ScheduleVisit(ctx, sup, &spiker.Visit{CaseID: c.ID, Kind: spiker.VisitOutreach, At: time.Now().Add(time.Hour), PlaceKind: "lainnya",
			RegionCode: "35.24.22.2001", Team: []int64{sup.UserID}, Details: spiker.VisitDetails{Place: canaries[3]}}); err != nil {
			t.Fatal(err)
		}

		// The agency's private key, as its user unlocks it.
		me := vault.KeyPair{Private: vault.PrivateKey(*partner.Key)}
		me.Public = vault.PublicOf(me.Private)
		type blob struct {
			field vault.Field
			ct    []byte
		}
		var agencyKey vault.KeyPair
		var grants, blobs []blob
		err = m.DB.View(ctx, func(tx *sqldb.Tx) error {
			var sealed []byte
			if err := tx.Get(ctx, `SELECT sealed_private FROM group_members WHERE group_name = $1 AND user_id = $2`, []any{"agency:" + agency.ID, partner.UserID}, &sealed); err != nil {
				return err
			}
			priv, err := vault.OpenSealed(me, sealed)
			if err != nil {
				return err
			}
			agencyKey = vault.KeyPair{Private: vault.PrivateKey(priv), Public: vault.PublicOf(vault.PrivateKey(priv))}
			rows, err := tx.Query(ctx, `SELECT record_kind, record_id, sealed_key FROM key_grants`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var b blob
				rows.Scan(&b.field.Table, &b.field.Record, &b.ct)
				grants = append(grants, b)
			}
			rows.Close()
			for table, cols := range map[string][]string{
				"reports": {"narrative", "place_detail", "victim_name", "contact"}, "cases": {"summary", "victim_name"},
				"case_victims": {"name", "nik", "accommodation", "consent_override"}, "case_perpetrators": {"name"}, "case_entries": {"body"},
				"referrals": {"consent_override", "packet", "key_case"}, "visits": {"details", "key_case"},
			} {
				for _, col := range cols {
					rows, err := tx.Query(ctx, `SELECT id, `+col+` FROM `+table)
					if err != nil {
						return err
					}
					for rows.Next() {
						b := blob{field: vault.Field{Table: table, Column: col}}
						rows.Scan(&b.field.Record, &b.ct)
						blobs = append(blobs, b)
					}
					rows.Close()
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var keys []vault.DataKey
		for _, g := range grants {
			if k, err := vault.OpenSealed(agencyKey, g.ct); err == nil {
				if g.field.Table != "referral" || g.field.Record != ref.ID {
					t.Errorf("the agency's key opens the key of %s %s", g.field.Table, g.field.Record)
				}
				keys = append(keys, vault.DataKey(k))
			}
		}
		if len(keys) != 1 || len(blobs) < 15 {
			t.Fatalf("the agency opens %d keys; %d protected values checked", len(keys), len(blobs))
		}
		var packet []byte
		for _, b := range blobs {
			for _, k := range keys {
				pt, err := k.Open(b.field, b.ct)
				if err != nil {
					continue
				}
				if b.field != (vault.Field{Table: "referrals", Column: "packet", Record: ref.ID}) {
					t.Errorf("the agency's key decrypts %s.%s of %s", b.field.Table, b.field.Column, b.field.Record)
				}
				packet = pt
			}
		}
		if !bytes.Contains(packet, []byte(name)) || !bytes.Contains(packet, []byte("30 tahun")) || !bytes.Contains(packet, []byte("visum et repertum")) {
			t.Fatalf("the packet lacks the selected fields: %s", packet)
		}
		for _, never := range []string{nik, perpetrator, summary, canaries[3], canaries[4], "Suami/Istri"} {
			if bytes.Contains(packet, []byte(never)) {
				t.Errorf("the packet carries %q, which was not selected", never)
			}
		}
	})
}
