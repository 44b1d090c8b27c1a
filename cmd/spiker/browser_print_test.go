package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/ledongthuc/pdf"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
)

// printPDF prints the tab's page to an A4 PDF as Chromium's print does, and
// returns it with its text, page by page. With SPIKER_SCREENSHOTS the PDF
// is saved, and a screenshot of the page under print media, to look at.
func (b *browser) printPDF(t *testing.T, name string) (doc []byte, pages []string) {
	t.Helper()
	res, err := chromedp.Call(b.ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69})
	if err != nil {
		t.Fatal(err)
	}
	r, err := pdf.NewReader(bytes.NewReader(res.Data), int64(len(res.Data)))
	if err != nil {
		t.Fatalf("reading the printed %s back: %v", name, err)
	}
	for i := 1; i <= r.NumPage(); i++ {
		text, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, text)
	}
	if dir := os.Getenv("SPIKER_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".pdf"), res.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		// 794 CSS pixels: A4's width.
		b.do("print media", chromedp.EmulateViewport(794, 1123))
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-print.png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
		top, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-print-top.png"), top, 0o644); err != nil {
			t.Fatal(err)
		}
		chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
	}
	return res.Data, pages
}

// TestBrowserPrint prints the dashboard and a case page to PDF with
// Chromium and reads them back: the figures and the case's facts are on
// paper; the navigation, the signed-in name, forms, buttons and download
// links are not, nor any link's address.
func TestBrowserPrint(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	statsFixture(t, b.m, 6)
	var bossSecret, supSecret string
	await(t, async(t, newStaff(t, b.m, "kepala.dinas", spiker.RolePimpinan, &bossSecret, nil)),
		async(t, newStaff(t, b.m, "supervisor.dua", spiker.RoleSupervisor, &supSecret, nil)))
	head, err := b.m.Users.Authenticate(t.Context(), "kepala.uptd", staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.m.Users.FindUserByUsername(t.Context(), "supervisor.dua")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.m.Store.AdmitToGroup(t.Context(), head, store.GroupSupervisors, second.ID); err != nil {
		t.Fatal(err)
	}
	boss, sup := b.person(), b.person()
	await(t, async(t, boss.signIn("kepala.dinas", bossSecret, time.Now())), async(t, sup.signIn("supervisor.dua", supSecret, time.Now())))

	if status := boss.open("/staf/statistik"); status != 200 {
		t.Fatalf("dashboard: HTTP %d", status)
	}
	_, pages := boss.printPDF(t, "print-dashboard")
	all := strings.Join(pages, "\n")
	// The period and region, which the hidden form no longer shows.
	now := time.Now().In(spiker.TimeZone("35.24"))
	period := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, now.Location())
	for _, want := range []string{"Statistik", fullMonthID(period), "Kasus per bulan", "Korban per jenis kekerasan", "Seksual", "Tanggapan pertama"} {
		if !strings.Contains(all, want) {
			t.Fatalf("the printed dashboard lacks %q:\n%s", want, all)
		}
	}
	for _, gone := range []string{"kepala.dinas", "Keluar dari semua perangkat", "Peringatan", "Tampilkan", "Unduh", "CSV", "XLSX", "Lihat tabel", "http", "/staf/"} {
		if strings.Contains(all, gone) {
			t.Fatalf("the printed dashboard shows %q:\n%s", gone, all)
		}
	}

	var caseID, number string
	b.m.DB.View(t.Context(), func(tx *sqldb.Tx) error {
		return tx.Get(t.Context(), `SELECT id, number FROM cases ORDER BY created_at LIMIT 1`, nil, &caseID, &number)
	})
	if status := sup.open("/staf/kasus/" + caseID); status != 200 {
		t.Fatalf("case page: HTTP %d", status)
	}
	_, pages = sup.printPDF(t, "print-case")
	all = strings.Join(pages, "\n")
	if !strings.Contains(all, number) || !strings.Contains(all, "Sekolah") {
		t.Fatalf("the printed case page lacks its number or facts:\n%s", all)
	}
	for _, gone := range []string{"supervisor.dua", "Keluar dari semua perangkat", "Peringatan", "Simpan", "Kotak masuk", "Tambah catatan", "Tambah korban", "http", "/staf/"} {
		if strings.Contains(all, gone) {
			t.Fatalf("the printed case page shows %q:\n%s", gone, all)
		}
	}
}

// fullMonthID names a month as the Indonesian pages do ("Januari 2026").
func fullMonthID(t time.Time) string {
	return []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}[t.Month()-1] +
		" " + t.Format("2006")
}
