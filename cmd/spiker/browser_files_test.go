package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/media/mediatest"
)

// A photo attached to a form that comes back with an error is kept, sealed
// under the form's token, and listed on the form; the next successful
// submit includes it, and the officer holding the report's key opens it
// from the report page, with the read in the audit log.
func TestBrowserFileSurvivesValidationError(t *testing.T) {
	b := startBrowser(t)
	secret := addStaffWithTOTP(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	const gps = "GPS-KANARI-FOTO-7.1234S"
	photo := mediatest.JPEGWithGPS(gps)
	photoPath := filepath.Join(t.TempDir(), "foto.jpg")
	if err := os.WriteFile(photoPath, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	uploads := filepath.Join(b.m.Config.DataDir, "uploads")

	b.open("/")
	b.fillReport(true)
	b.do("unticking the kind of violence and attaching a photo",
		chromedp.Click(chromedp.CSS(`input[name=types][value=Fisik]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{photoPath}))
	// The form's script points the history entry at a neutral page before
	// sending, so the answer is waited for by its content.
	b.do("sending without a kind of violence", chromedp.Click(chromedp.CSS(`#lapor button[type=submit]`)))
	for deadline := time.Now().Add(15 * time.Second); !eval[bool](b, `document.readyState === "complete" && !!document.querySelector("fieldset.bad")`); {
		if time.Now().After(deadline) {
			t.Fatalf("the form did not come back with the kind of violence marked: %.300s", b.bodyText())
		}
		time.Sleep(50 * time.Millisecond)
	}
	attached := eval[[]string](b, `Array.from(document.querySelectorAll("#attached li"), li => li.innerText.trim())`)
	if len(attached) != 1 || !strings.HasPrefix(attached[0], "foto.jpg — terlampir") {
		t.Fatalf("the form lists %q as attached, want foto.jpg — terlampir", attached)
	}
	if axe := optionalAxe(t); axe != "" {
		b.checkAxe("the report form with a file attached", axe)
	}
	// Kept on disk sealed: neither the photo nor its name in the clear.
	kept := 0
	filepath.Walk(uploads, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		kept++
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("foto.jpg")) || bytes.Contains(b, photo[100:140]) {
			t.Errorf("%s holds the photo or its name in the clear", p)
		}
		return nil
	})
	if kept == 0 {
		t.Fatal("nothing kept under the form's token")
	}

	b.do("ticking the kind of violence", chromedp.Click(chromedp.CSS(`input[name=types][value=Fisik]`)))
	b.submitReport()
	left := 0
	filepath.Walk(uploads, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			left++
		}
		return nil
	})
	if left != 0 {
		t.Errorf("%d upload files left after the report was stored", left)
	}

	// The officer opens the report and the photo.
	staff := b.person()
	if err := staff.signIn("konselor.satu", secret, time.Now())(); err != nil {
		t.Fatal(err)
	}
	staff.open("/staf/")
	staff.openReportFromInbox()
	links := eval[[]string](staff, `Array.from(document.querySelectorAll("ul.files li > a:first-child"), a => a.innerText + " " + a.getAttribute("href"))`)
	if len(links) != 1 || !strings.HasPrefix(links[0], "foto.jpg /staf/laporan/") {
		t.Fatalf("the report page lists %q, want foto.jpg", links)
	}
	href := strings.Fields(links[0])[1]
	if status := staff.open(href); status != 200 {
		t.Fatalf("opening the photo: HTTP %d", status)
	}
	type shown struct {
		Type  string `json:"type"`
		Width int    `json:"width"`
	}
	if s := eval[shown](staff, `({type: document.contentType, width: (document.images[0] || {}).naturalWidth || 0})`); s.Type != "image/jpeg" || s.Width != 32 {
		t.Fatalf("the photo shows as %+v, want a 32-pixel-wide image/jpeg", s)
	}
	resp, body := staff.staffDownload(href + "?unduh=1")
	want, _, _ := media.Clean(photo)
	if resp.StatusCode != 200 || !bytes.Equal(body, want) || bytes.Contains(body, []byte(gps)) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("downloading the photo: HTTP %d, %d bytes, %q", resp.StatusCode, len(body), resp.Header.Get("Content-Disposition"))
	}
	var reads int
	var actor string
	if err := b.m.DB.Get(context.Background(), `SELECT COUNT(*), MAX(actor) FROM audit_log WHERE action = 'report.file_read' AND reason = $1`,
		[]any{href[strings.LastIndex(href, "/")+1:]}, &reads, &actor); err != nil || reads != 2 || actor != "konselor.satu" {
		t.Fatalf("the audit log has %d reads of the file by %q (%v), want 2 by konselor.satu", reads, actor, err)
	}
}
