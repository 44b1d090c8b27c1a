package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
)

// TestScreenshotsAudit saves a laptop-size screenshot of the audit search
// and of a report's access log (with SPIKER_SCREENSHOTS=DIR).
func TestScreenshotsAudit(t *testing.T) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SPIKER_SCREENSHOTS=DIR to save screenshots of the pages")
	}
	ctx := context.Background()
	b := startBrowser(t)
	m := b.m
	addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	officer, _ := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
	r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban, ViolenceTypes: []string{"Fisik"},
		VictimAge: 30, Consent: true, Content: spiker.ReportContent{Narrative: "Dipukul suami."}}
	if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
		t.Fatal(err)
	}
	m.Reports.FindReport(ctx, officer, r.ID)
	c := &spiker.Case{RegionCode: "35.24.22.1012", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "KDRT fisik."}}
	if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
		t.Fatal(err)
	}
	shot := func(p *browser, name string) {
		t.Helper()
		img, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	supB := b.person()
	supB.do("laptop", chromedp.EmulateViewport(1366, 900))
	await(t, async(t, supB.signIn("kepala.uptd", sSecret, time.Now())))
	supB.open("/staf/audit")
	shot(supB, "a1-audit-laptop")
	supB.open("/staf/laporan/" + r.ID)
	shot(supB, "a2-report-access-log-laptop")

	dSecret := addStaffWithTOTP(t, m, "pelindung.data", spiker.RolePelindungData, "35.24")
	dpo := b.person()
	dpo.do("laptop", chromedp.EmulateViewport(1366, 900))
	await(t, async(t, dpo.signIn("pelindung.data", dSecret, time.Now())))
	dpo.open("/staf/")
	shot(dpo, "a3-data-protection-officer-home-laptop")
}
