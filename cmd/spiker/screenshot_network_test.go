package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
)

// TestScreenshotsNetwork saves screenshots of the network's pages (with
// SPIKER_SCREENSHOTS=DIR): the case page's referrals and visits and the
// partner's referral at a laptop size, the field officer's visit and the
// walk-in intake at a phone size.
func TestScreenshotsNetwork(t *testing.T) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SPIKER_SCREENSHOTS=DIR to save screenshots of the pages")
	}
	ctx := context.Background()
	b := startBrowser(t)
	m := b.m
	network := store.NetworkService{Store: m.Store}
	addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	fSecret := addStaffWithTOTP(t, m, "petugas.sukorejo", spiker.RolePetugasLapangan, "35.24.22")
	dSecret := addStaffWithTOTP(t, m, "fokal.sukorejo", spiker.RoleFokalDesa, "35.24.22.1012")
	admin := addStaff(t, m, "admin.it", spiker.RoleAdmin)
	agency := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}, Contact: "IGD 0322-321718"}
	if err := network.SaveAgency(ctx, admin, agency); err != nil {
		t.Fatal(err)
	}
	if err := network.SetLetterhead(ctx, admin, &spiker.Letterhead{Office: "UPTD PPA Kabupaten Lamongan", City: "Lamongan",
		Agency: "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", Address: "Jl. Basuki Rahmat No. 1, Lamongan", Phone: "(0322) 321000"}); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"user", "add", "--data", m.Config.DataDir, "--username", "dokter.rsud", "--role", "mitra", "--agency", agency.ID}, dbArgs(m.Config.DB)...)
	code, stdout, stderr := runCLI(t, "", nil, args...)
	if code != 0 {
		t.Fatal(stderr)
	}
	pSecret, err := enrolLink(m, stdout, "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}

	officer, _ := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
	sup, _ := m.Users.Authenticate(ctx, "kepala.uptd", "tubruk pasar sapi kabut")
	field, _ := m.Users.Authenticate(ctx, "petugas.sukorejo", "tubruk pasar sapi kabut")
	r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban, ViolenceTypes: []string{"Fisik"},
		VictimAge: 30, Consent: true, Content: spiker.ReportContent{Narrative: "Dipukul suami."}}
	receipt, err := m.Reports.CreateReport(ctx, r, "")
	if err != nil {
		t.Fatal(err)
	}
	token, _ := m.Reports.StartFollowup(ctx, receipt, "client")
	m.Reports.AddMessage(ctx, token, spiker.MessageMeeting, "Di warung Bu Sri dekat balai desa, Kamis jam 10 pagi.")
	c := &spiker.Case{RegionCode: "35.24.22.1012", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "KDRT fisik; korban di rumah ibunya."}}
	if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
		t.Fatal(err)
	}
	cs := store.CaseService{Store: m.Store}
	v := &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Fisik"}, Consent: spiker.ConsentByVictim, Name: "Siti Aminah", Disability: true,
		DisabilityTypes: []string{"Fisik"}, Accommodation: "kursi roda"}
	if err := cs.AddVictim(ctx, sup, c.ID, v); err != nil {
		t.Fatal(err)
	}
	ref, err := network.CreateReferral(ctx, sup, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: agency.ID, Service: "Kesehatan",
		DueDate: time.Now().Add(72 * time.Hour).Format(time.DateOnly), Fields: spiker.PacketDefaults["Kesehatan"], Needs: "Visum et repertum dan perawatan luka di lengan.", Consent: spiker.ConsentByVictim})
	if err != nil {
		t.Fatal(err)
	}
	visit := &spiker.Visit{CaseID: c.ID, Kind: spiker.VisitMeeting, At: time.Now().Add(26 * time.Hour).Truncate(time.Hour), PlaceKind: "tempat_aman", RegionCode: "35.24.22.1012",
		Team: []int64{field.UserID}, ReportID: r.ID, ReporterStatus: spiker.ReporterConfirmed,
		Details: spiker.VisitDetails{Place: "Warung Bu Sri dekat balai desa", AskFor: "Ibu berkerudung biru, sebut 'dari arisan'", SafetyNotes: "Suami pulang jam 12; jangan parkir di depan rumah.", Accommodation: "kursi roda"}}
	if err := network.ScheduleVisit(ctx, sup, visit); err != nil {
		t.Fatal(err)
	}

	shot := func(p *browser, name string, w, h int64) {
		t.Helper()
		img, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	laptop, phone := chromedp.EmulateViewport(1366, 900), chromedp.EmulateViewport(390, 844)
	supB := b.person()
	supB.do("laptop", laptop)
	await(t, async(t, supB.signIn("kepala.uptd", sSecret, time.Now())))
	supB.open("/staf/kasus/" + c.ID)
	shot(supB, "n1-case-network-laptop", 1366, 900)
	supB.open("/staf/rujukan/" + ref.ID)
	shot(supB, "n2-referral-team-laptop", 1366, 900)

	partner := b.person()
	partner.do("laptop", laptop)
	await(t, async(t, partner.signIn("dokter.rsud", pSecret, time.Now())))
	partner.open("/staf/rujukan")
	shot(partner, "n3-partner-inbox-laptop", 1366, 900)
	partner.open("/staf/rujukan/" + ref.ID)
	shot(partner, "n4-partner-referral-laptop", 1366, 900)
	// Accepted, on a phone: the completion form with its result file, and
	// the form given back when the file is of a kind not accepted.
	doctor, _ := m.Users.Authenticate(ctx, "dokter.rsud", "tubruk pasar sapi kabut")
	if err := network.RespondReferral(ctx, doctor, ref.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	partner.do("phone", phone)
	partner.open("/staf/rujukan/" + ref.ID)
	shot(partner, "n4b-partner-complete-phone", 390, 844)
	bad := filepath.Join(t.TempDir(), "visum.pdf")
	if err := os.WriteFile(bad, []byte("MZ bukan PDF"), 0o600); err != nil {
		t.Fatal(err)
	}
	partner.do("a result file of a kind not accepted", insertText("#outcome", "Visum dilakukan; luka memar di lengan kiri."),
		chromedp.SetUploadFiles(chromedp.CSS("#result"), []string{bad}))
	partner.submit("completing with a bad file", `form[action$="/selesai"] button[type=submit]`)
	shot(partner, "n4c-partner-complete-error-phone", 390, 844)
	partner.do("laptop", laptop)

	fieldB := b.person()
	fieldB.do("phone", phone)
	await(t, async(t, fieldB.signIn("petugas.sukorejo", fSecret, time.Now())))
	fieldB.open("/staf/kunjungan")
	shot(fieldB, "n5-visits-phone", 390, 844)
	fieldB.open("/staf/kunjungan/" + visit.ID)
	shot(fieldB, "n6-visit-phone", 390, 844)

	fokal := b.person()
	fokal.do("phone", phone)
	await(t, async(t, fokal.signIn("fokal.sukorejo", dSecret, time.Now())))
	fokal.open("/staf/lapor")
	shot(fokal, "n7-walkin-phone", 390, 844)

	if _, err := (store.DutyService{Store: m.Store}).GenerateRoster(ctx, sup, m.Clock.DutyWeek().Format(time.DateOnly), 7); err != nil {
		t.Fatal(err)
	}
	supB.open("/staf/piket")
	shot(supB, "n9-roster-laptop", 1366, 900)
	supB.waitFor("/staf/peringatan", "Ada laporan baru")
	shot(supB, "n10-alerts-laptop", 1366, 900)
	aSecret := addStaffWithTOTP(t, m, "admin.dua", spiker.RoleAdmin, "35.24")
	adminB := b.person()
	adminB.do("laptop", laptop)
	await(t, async(t, adminB.signIn("admin.dua", aSecret, time.Now())))
	adminB.open("/staf/pengaturan")
	shot(adminB, "n11-settings-laptop", 1366, 900)
	adminB.open("/staf/saluran")
	shot(adminB, "n12-channels-laptop", 1366, 900)

	pSecret2 := addStaffWithTOTP(t, m, "kepala.dinas", spiker.RolePimpinan, "35.24")
	bossB := b.person()
	bossB.do("laptop", laptop)
	await(t, async(t, bossB.signIn("kepala.dinas", pSecret2, time.Now())))
	bossB.open("/staf/statistik")
	shot(bossB, "n13-dashboard-laptop", 1366, 900)
	pub := b.person()
	pub.do("phone", phone)
	pub.open("/statistik")
	shot(pub, "n14-statistik-phone", 390, 844)

	reporter := b.person()
	reporter.do("phone", phone)
	reporter.open("/cek")
	reporter.do("typing the receipt", insertText("#receipt", receipt))
	reporter.submit("opening follow-up", `form[action="/cek"] button[type=submit]`)
	shot(reporter, "n8-followup-meeting-phone", 390, 844)
}
