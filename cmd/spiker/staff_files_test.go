package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/media/mediatest"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

var reporterFileRE = regexp.MustCompile(`<a href="(/staf/laporan/[a-z0-9]+/berkas/[a-z0-9]+)">([^<]+)</a>`)

// A staff member holding the report's key sees the reporter's files on the
// report page and on the case page, and opens each: photos, audio and video
// in place in a sandbox, a PDF as a download, all with the type read from
// the bytes and never sniffed, without their metadata; each read is in the
// audit log under the reader's name.
func TestStaffOpensReporterFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		const canary = "Kanari-Budi-GPS"
		sent := map[string][]byte{
			"luka.jpg":  mediatest.JPEGWithGPS(canary),
			"suara.m4a": mediatest.MP4("M4A ", canary),
			"video.mov": mediatest.MP4("qt  ", canary),
			"lagu.mp3":  mediatest.MP3(canary, 4),
			"visum.pdf": mediatest.PDF(canary),
		}
		reporter := newPortal(t, m)
		_, form := reporter.get("/")
		if resp, page := reporter.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), sent); resp.StatusCode != 200 || !receiptRE.MatchString(page) {
			t.Fatalf("the report with five files: HTTP %d", resp.StatusCode)
		}

		staff := newPortal(t, m)
		signIn(t, staff, "konselor.satu", secret, time.Now())
		_, inbox := staff.get("/staf/")
		reportPath := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
		_, page := staff.get(reportPath)
		links := reporterFileRE.FindAllStringSubmatch(page, -1)
		if len(links) != len(sent) {
			t.Fatalf("the report page lists %d files, want %d", len(links), len(sent))
		}
		ids := map[string]bool{}
		for _, l := range links {
			name := l[2]
			original, ok := sent[name]
			if !ok {
				t.Fatalf("unknown file %q listed", name)
			}
			want, kind, err := media.Clean(original)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := staff.get(l[1])
			h := resp.Header
			inline := kind != media.PDF
			if resp.StatusCode != 200 || h.Get("Content-Type") != string(kind) || h.Get("X-Content-Type-Options") != "nosniff" || body != string(want) {
				t.Fatalf("%s: HTTP %d, %s, %d bytes", name, resp.StatusCode, h.Get("Content-Type"), len(body))
			}
			if got := strings.HasPrefix(h.Get("Content-Disposition"), "inline"); got != inline ||
				inline && !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox;") {
				t.Fatalf("%s: %q with CSP %q", name, h.Get("Content-Disposition"), h.Get("Content-Security-Policy"))
			}
			if strings.Contains(body, canary) {
				t.Fatalf("%s keeps its metadata", name)
			}
			ids[l[1][strings.LastIndex(l[1], "/")+1:]] = true
		}
		entries, err := m.Audit.ListAudit(ctx, 1, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Action == "report.file_read" && e.Actor == "konselor.satu" {
				delete(ids, e.Reason)
			}
		}
		if len(ids) != 0 {
			t.Fatalf("%d file reads are not in the audit log", len(ids))
		}

		// The case opened from the report lists the same files.
		officer, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{reportPath[len("/staf/laporan/"):]}, Content: spiker.CaseContent{Summary: "kasus"}}
		if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		_, casePage := staff.get("/staf/kasus/" + c.ID)
		if got := reporterFileRE.FindAllStringSubmatch(casePage, -1); len(got) != len(sent) || !strings.Contains(casePage, "Berkas dari pelapor") {
			t.Fatalf("the case page lists %d of the reporter's files", len(got))
		}
		if !bytes.Contains([]byte(casePage), []byte("?unduh=1")) {
			t.Fatal("the case page offers no download link")
		}
	})
}

var dropFileRE = regexp.MustCompile(`name="drop_file" value="([^"]+)"`)

// A file kept with a form that came back with errors is removed when the
// reporter ticks its box: the report is stored without it, and nothing is
// left in the upload folder.
func TestPortalKeptFileRemoved(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
	p := newPortal(t, m)
	_, form := p.get("/")
	answers := validAnswers(tokenRE.FindStringSubmatch(form)[1])
	answers.Del("types")
	resp, page := p.post("/", answers, map[string][]byte{"salah.jpg": mediatest.JPEGWithGPS("x"), "benar.pdf": mediatest.PDF("x")})
	drops := dropFileRE.FindAllStringSubmatch(page, -1)
	if resp.StatusCode != 422 || len(drops) != 2 || !strings.Contains(page, "salah.jpg</span> — terlampir") {
		t.Fatalf("HTTP %d, %d files listed", resp.StatusCode, len(drops))
	}
	// The box of salah.jpg is the one after its name.
	i := strings.Index(page, "salah.jpg</span>")
	drop := dropFileRE.FindStringSubmatch(page[i:])[1]
	answers.Set("types", "Fisik")
	answers.Set("drop_file", drop)
	if resp, page := p.report(answers, nil); resp.StatusCode != 200 || !receiptRE.MatchString(page) {
		t.Fatalf("the completed form: HTTP %d", resp.StatusCode)
	}
	reports := store.ReportService{Store: m.Store}
	items, err := reports.FindReports(context.Background(), officer, spiker.ReportFilter{Limit: 10})
	if err != nil || len(items) != 1 {
		t.Fatalf("inbox: %v", err)
	}
	files, _, err := reports.ReportFiles(context.Background(), officer, items[0].ID)
	if err != nil || len(files) != 1 || files[0].Name != "benar.pdf" {
		t.Fatalf("stored files %+v, %v; want benar.pdf only", files, err)
	}
	left, _ := filepath.Glob(filepath.Join(m.Config.DataDir, "uploads", "*", "*"))
	if len(left) != 0 {
		t.Fatalf("left in the upload folder: %v", left)
	}
}
