package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestMonthlyReportDownload: the head of the Dinas chooses a month and a
// region and downloads the monthly report as PDF (read back: the
// letterhead, the figures the dashboard shows, no case content) and XLSX;
// each download is audited; a role without statistics is refused.
func TestMonthlyReportDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		statsFixture(t, m, 7)
		month := time.Now().In(spiker.TimeZone("35.24")).Format("2006-01")
		secret := addStaffWithTOTP(t, m, "kepala.dinas", spiker.RolePimpinan, "35.24")
		p := newPortal(t, m)
		signIn(t, p, "kepala.dinas", secret, time.Now())

		resp, page := p.get("/staf/statistik/bulanan?bulan=" + month)
		if resp.StatusCode != 200 || !strings.Contains(page, "/staf/statistik/bulanan.pdf?bulan="+month) {
			t.Fatalf("monthly page: %d", resp.StatusCode)
		}
		if resp, _ := p.get("/staf/statistik/bulanan?bulan=2026-13"); resp.StatusCode != 422 {
			t.Fatalf("a bad month: %d", resp.StatusCode)
		}
		resp, body := p.get("/staf/statistik/bulanan.pdf?bulan=" + month + "&wilayah=35.24.22")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		text, err := lettertest.Text([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		d, err := m.Services.Statistics.Dashboard(ctx, &spiker.Actor{UserID: 1, Roles: []spiker.Role{spiker.RolePimpinan}, RegionCode: "35.24"},
			spiker.StatsFilter{From: month, To: month, Region: "35.24.22"})
		if err != nil {
			t.Fatal(err)
		}
		// The figures as the dashboard shows them (complementary
		// withholding included).
		health := ""
		for _, tab := range d.Tables {
			for _, c := range tab.Cells {
				if tab.Dimension == "jenis_layanan" && c.Label == "Kesehatan" {
					health = c.Shown
				}
			}
		}
		for _, want := range []string{"LAPORAN BULANAN", "Kecamatan Lamongan", "Kasus baru bulan ini " + d.Months.Total.Shown,
			"Korban per jenis kekerasan", "Seksual 7", "Kasus per desa/kelurahan", "Layanan yang diberikan", "Kesehatan " + health} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks %q", want)
			}
		}
		if strings.Contains(strings.ToLower(text), "kanari") {
			t.Fatal("the monthly report shows case content")
		}
		if t.Failed() {
			t.Log(text)
		}
		resp, body = p.get("/staf/statistik/bulanan.xlsx?bulan=" + month)
		f, err := excelize.OpenReader(strings.NewReader(body))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("xlsx: %d %v", resp.StatusCode, err)
		}
		if rows, _ := f.GetRows("Ringkasan"); len(rows) < 5 || !strings.Contains(rows[1][0], "LAPORAN BULANAN") {
			t.Fatalf("xlsx summary: %q", rows)
		}
		var n int
		m.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'stats.monthly_report'`, nil, &n)
		})
		if n != 2 {
			t.Fatalf("%d audited downloads, want 2", n)
		}

		// A duty officer has no statistics.
		secret = addStaffWithTOTP(t, m, "konselor.dua", spiker.RoleKonselorPiket, "35.24")
		q := newPortal(t, m)
		signIn(t, q, "konselor.dua", secret, time.Now())
		if resp, _ := q.get("/staf/statistik/bulanan.pdf?bulan=" + month); resp.StatusCode != 403 {
			t.Fatalf("duty officer: %d", resp.StatusCode)
		}
	})
}
