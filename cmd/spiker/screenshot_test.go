package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// TestScreenshots saves full-page screenshots of the main pages, at a phone
// size for the public portal and a laptop size for the back office, into
// the directory SPIKER_SCREENSHOTS names, for people to look at. It does
// nothing without that variable.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SPIKER_SCREENSHOTS=DIR to save screenshots of the pages")
	}
	b := startBrowser(t)
	shot := func(name string, w, h int64) {
		t.Helper()
		if _, err := chromedp.Run(b.ctx, chromedp.EmulateViewport(w, h)); err != nil {
			t.Fatal(err)
		}
		img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The office's contact, as an admin keeps it in the settings.
	b.m.DB.Update(t.Context(), func(tx *sqldb.Tx) error {
		for k, v := range map[string]string{"letterhead.office": "UPTD PPA Kabupaten Lamongan", "letterhead.phone": "(0322) 321 456",
			"letterhead.whatsapp": "0812-3000-4000", "letterhead.address": "Jl. Basuki Rahmat No. 1, Lamongan"} {
			if _, err := tx.Exec(t.Context(), `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)`, k, v, tx.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	b.do("opening the form", chromedp.EmulateViewport(390, 844), chromedp.Navigate(b.base+"/"))
	top, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "0-report-top-phone.png"), top, 0o644)
	shot("1-report-phone", 390, 844)
	b.fillReport(true)
	receipt := b.submitReport()
	shot("2-receipt-phone", 390, 844)
	b.hideReceipt()
	shot("2b-received-phone", 390, 844)
	b.openFollowup(receipt)
	shot("3-followup-phone", 390, 844)

	secret := addStaffWithTOTP(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	code, _ := totp.GenerateCode(secret, time.Now())
	b.do("signing in", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(b.base+"/staf/masuk"))
	shot("4-signin-laptop", 1366, 900)
	b.do("filling the sign-in form",
		chromedp.SendKeys(chromedp.ID("username"), "konselor.satu"),
		chromedp.SendKeys(chromedp.ID("password"), "tubruk pasar sapi kabut"),
		chromedp.SendKeys(chromedp.ID("code"), code))
	b.submit("signing in", `button[type=submit]`)
	shot("5-inbox-laptop", 1366, 900)
	shot("5b-inbox-phone", 390, 844) // the table's rows become cards
	b.do("back to laptop size", chromedp.EmulateViewport(1366, 900))
	b.do("opening the report", chromedp.Click(chromedp.CSS(`table.list a`)))
	time.Sleep(300 * time.Millisecond)
	shot("6-report-laptop", 1366, 900)
	b.submit("opening a case", `form[action$="/kasus"] button`)
	shot("7-case-laptop", 1366, 900)
}
