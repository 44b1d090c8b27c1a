package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/media/mediatest"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// cloudAPI is a local server that speaks the WhatsApp Cloud API: the media
// lookup (GET /{media-id}), the download (GET of the URL it gave) and the
// messages endpoint.
type cloudAPI struct {
	*httptest.Server
	mu      sync.Mutex
	files   map[string][]byte // by media id
	sent    []map[string]any
	fetched int
}

func newCloudAPI(t *testing.T) *cloudAPI {
	t.Helper()
	a := &cloudAPI{files: map[string][]byte{}}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *cloudAPI) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer EAAG-test" {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`)
		return
	}
	id := strings.Trim(r.URL.Path, "/")
	if r.Method == http.MethodPost {
		var v map[string]any
		json.NewDecoder(r.Body).Decode(&v)
		a.sent = append(a.sent, v)
		io.WriteString(w, `{"messaging_product":"whatsapp","messages":[{"id":"wamid.out"}]}`)
		return
	}
	if file, ok := strings.CutPrefix(id, "download/"); ok && a.files[file] != nil {
		a.fetched++
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(a.files[file])
		return
	}
	b, ok := a.files[id]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33}}`)
		return
	}
	sum := sha256.Sum256(b)
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":%q,"mime_type":"application/octet-stream","sha256":%q,"file_size":%d,"id":%q}`,
		a.URL+"/download/"+id, hex.EncodeToString(sum[:]), len(b), id)
}

func (a *cloudAPI) downloads() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fetched
}

// messages returns the messages sent through the API.
func (a *cloudAPI) messages() []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]map[string]any(nil), a.sent...)
}

// whatsAppAt points the server's configuration at a test Cloud API (the
// operator's override; the web settings cannot).
func whatsAppAt(url string) func(*Config) {
	return func(c *Config) { c.WhatsAppAPI = url }
}

// setUpWhatsApp configures the WhatsApp channel; the server reaches the
// Cloud API at its configured address (whatsAppAt).
func setUpWhatsApp(t *testing.T, m *Main, admin *spiker.Actor) {
	t.Helper()
	if err := (store.DutyService{Store: m.Store}).SetChannelSettings(context.Background(), admin, &spiker.ChannelSettings{
		WhatsAppToken: "EAAG-test", WhatsAppPhoneID: "106540352242922", WhatsAppTemplate: "peringatan_staf", WhatsAppLanguage: "id",
		WhatsAppAppSecret: waSecret, WhatsAppVerifyToken: "verif-123"}); err != nil {
		t.Fatal(err)
	}
}

// waDelivery is a webhook delivery as the Cloud API sends it, with the
// given messages from one contact.
func waDelivery(from string, messages ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "628111129129", "phone_number_id": "106540352242922"},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": "Ibu"}, "wa_id": from}},
			"messages":          messages,
		}}}}}})
	return b
}

func waMessage(id, from, kind string, content map[string]any) map[string]any {
	m := map[string]any{"from": from, "id": id, "timestamp": fmt.Sprint(time.Now().Unix()), "type": kind}
	if content != nil {
		m[kind] = content
	}
	return m
}

func waText(id, from, text string) map[string]any {
	return waMessage(id, from, "text", map[string]any{"body": text})
}

func waFile(id, from, kind, mediaID, caption string) map[string]any {
	c := map[string]any{"id": mediaID, "mime_type": "application/octet-stream", "sha256": "aGVsbG8="}
	if caption != "" {
		c["caption"] = caption
	}
	return waMessage(id, from, kind, c)
}

// waitForFiles reads a report's files as the officer until none is being
// fetched any more.
func waitForFiles(t *testing.T, m *Main, officer *spiker.Actor, reportID string) ([]spiker.Attachment, []spiker.MediaNote) {
	t.Helper()
	reports := store.ReportService{Store: m.Store}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		files, notes, err := reports.ReportFiles(context.Background(), officer, reportID)
		if err != nil {
			t.Fatal(err)
		}
		pending := false
		for _, n := range notes {
			pending = pending || n.State == spiker.MediaPending
		}
		if !pending {
			return files, notes
		}
		if time.Now().After(deadline) {
			t.Fatalf("files still being fetched: %+v", notes)
		}
	}
}

// fileLinkRE matches the link that opens a file (not its download link).
var fileLinkRE = regexp.MustCompile(`href="(/staf/laporan/[^/"]+/berkas/[^"?]+)"`)

// TestWhatsAppMedia: a photo with an EXIF GPS position and a voice note
// with comment tags, sent to the office's number (the photo starting a
// report, the voice note joining it), are fetched from the Cloud API,
// cleaned and shown to the duty officer, who downloads them without the
// metadata; a video and a PDF are not stored, and the page says so. A
// redelivery after the officer opened the report is not stored again; a
// batch with malformed messages stores the good one and is acknowledged;
// nothing of it is in the clear at rest or in the logs.
func TestWhatsAppMedia(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		dir := t.TempDir()
		api := newCloudAPI(t)
		const (
			from    = "6281234567890"
			caption = "kanari-wa-caption: memar di lengan"
			gps     = "GPS-KANARI-7.1234S"
			photoID = "1479537139650973"
			voiceID = "2479537139650974"
			pdfID   = "3479537139650975"
		)
		photo := mediatest.JPEGWithGPS(gps)
		voice := mediatest.OggOpus("kanari-vendor WhatsApp Android", "ARTIST=Budi Kanari", "LOCATION=-7.1234,112.5678")
		api.files[photoID], api.files[voiceID], api.files[pdfID] = photo, voice, []byte("%PDF-1.4 kanari-pdf")
		gone := []string{gps, "Budi Kanari", "LOCATION=-7.1234", "kanari-vendor"}

		m, logs := startMain(t, dir, dbURL, whatsAppAt(api.URL))
		base := "http://" + m.PublicAddr()
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		setUpWhatsApp(t, m, addStaff(t, m, "admin.it", spiker.RoleAdmin))
		post := func(body []byte) {
			t.Helper()
			if code := postWebhook(t, base, body, waSecret); code != 200 {
				t.Fatalf("delivery: %d", code)
			}
		}
		post(waDelivery(from, waFile("wamid.P", from, "image", photoID, caption)))
		post(waDelivery(from, waFile("wamid.V", from, "audio", voiceID, ""), waFile("wamid.X", from, "video", "4479537139650976", ""),
			waFile("wamid.D", from, "document", pdfID, "")))

		officer, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		reports := store.ReportService{Store: m.Store}
		items, err := reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 50})
		if err != nil || len(items) != 1 {
			t.Fatalf("the inbox: %v %+v", err, items)
		}
		id := items[0].ID
		files, notes := waitForFiles(t, m, officer, id)
		// The PDF sent as a document is stored, its metadata removed.
		if len(files) != 3 || files[0].Kind != "image/jpeg" || files[1].Kind != "audio/ogg" || files[2].Kind != "application/pdf" || !strings.HasSuffix(files[2].Name, ".pdf") {
			t.Fatalf("files: %+v", files)
		}
		if len(notes) != 1 || notes[0] != (spiker.MediaNote{At: notes[0].At, Kind: "video", State: spiker.MediaType}) {
			t.Fatalf("notes: %+v", notes)
		}
		rep, err := m.Reports.FindReport(ctx, officer, id)
		if err != nil || !strings.HasSuffix(rep.Content.Narrative, "\n"+caption) {
			t.Fatalf("the report: %v %q", err, rep.Content.Narrative)
		}

		// The officer sees the files on the report page and downloads them
		// without their metadata.
		p := newPortal(t, m)
		signIn(t, p, "konselor.satu", secret, time.Now())
		_, page := p.get("/staf/laporan/" + id)
		links := fileLinkRE.FindAllStringSubmatch(page, -1)
		if len(links) != 3 || !strings.Contains(page, "Video dari WhatsApp") || !strings.Contains(page, "tidak dapat dibersihkan") {
			t.Fatalf("the report page shows %d files and no note on the video:\n%s", len(links), page)
		}
		// The photo and the voice note open in place, sandboxed; the PDF
		// is downloaded.
		for i, original := range [][]byte{photo, voice, []byte("%PDF-1.4 kanari-pdf")} {
			resp, body := p.get(links[i][1])
			want, kind, _ := media.Clean(original)
			disposition := "inline"
			if kind == media.PDF {
				disposition = "attachment"
			}
			h := resp.Header
			if resp.StatusCode != 200 || body != string(want) || h.Get("Content-Type") != string(kind) || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(h.Get("Content-Disposition"), disposition) || disposition == "inline" && !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox;") {
				t.Fatalf("download %d: %d %s %q %q, %d bytes", i, resp.StatusCode, h.Get("Content-Type"), h.Get("Content-Disposition"), h.Get("Content-Security-Policy"), len(body))
			}
			if resp, _ := p.get(links[i][1] + "?unduh=1"); !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("download %d asked as a download: %q", i, resp.Header.Get("Content-Disposition"))
			}
			for _, g := range gone {
				if strings.Contains(body, g) {
					t.Errorf("download %d holds %q", i, g)
				}
			}
		}

		// Delivered again after the officer opened the report: nothing new.
		msgsBefore, _ := reports.ReportMessages(ctx, officer, id)
		downloadsBefore := api.downloads()
		post(waDelivery(from, waFile("wamid.P", from, "image", photoID, caption), waFile("wamid.V", from, "audio", voiceID, "")))
		time.Sleep(300 * time.Millisecond) // a job would have been woken
		files, notes = waitForFiles(t, m, officer, id)
		msgs, _ := reports.ReportMessages(ctx, officer, id)
		items, _ = reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 50})
		if downloads := api.downloads(); len(files) != 3 || len(notes) != 1 || len(msgs) != len(msgsBefore) || len(items) != 1 ||
			downloads != downloadsBefore {
			t.Fatalf("a redelivery was stored again: %d files, %d notes, %d messages, %d reports, %d downloads",
				len(files), len(notes), len(msgs), len(items), downloads)
		}

		// One batch with malformed messages: the good one is stored and the
		// delivery acknowledged.
		const third = "kanari-wa: pesan ketiga"
		post(waDelivery(from, waText("wamid.T", from, third), waText("wamid.U", "budi.lapor", "kanari-wa: dari nama"),
			waText("wamid.E", from, "  "), waMessage("wamid.R", from, "reaction", map[string]any{"emoji": "👍"})))
		msgs, _ = reports.ReportMessages(ctx, officer, id)
		if len(msgs) != len(msgsBefore)+1 || msgs[len(msgs)-1].Body != third {
			t.Fatalf("the good message of the batch: %+v", msgs)
		}
		var skipped int
		if err := m.DB.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'whatsapp.skipped'`, nil, &skipped); err != nil || skipped != 3 {
			t.Fatalf("skipped messages in the audit log: %d, %v", skipped, err)
		}

		// At rest and in the logs: no metadata, caption, media id or number.
		needles := append(gone, caption, "kanari-wa", "kanari-pdf", "budi.lapor", photoID, voiceID, pdfID, "81234567890")
		haystacks := map[string][]byte{"log": []byte(logs.String())}
		if pg := postgresOnly(dbURL); pg != "" {
			haystacks["pg_dump"] = pgDump(t, pg)
		} else {
			m.Close()
			for _, f := range []string{"spiker.db", "spiker.db-wal"} {
				haystacks[f], _ = os.ReadFile(filepath.Join(dir, f))
			}
		}
		for where, hay := range haystacks {
			for _, needle := range needles {
				if bytes.Contains(hay, []byte(needle)) {
					t.Errorf("%q in plaintext in %s", needle, where)
				}
			}
		}
	})
}
