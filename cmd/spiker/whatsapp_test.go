package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

const waSecret = "app-secret-for-tests"

// waPayload is a webhook delivery of one text message.
func waPayload(id, from, text string) []byte { return waDelivery(from, waText(id, from, text)) }

func postWebhook(t *testing.T, base string, body []byte, secret string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/whatsapp/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWhatsAppInbound: a message to the office's WhatsApp number becomes a
// report in the duty inbox with the channel recorded and the sender's number
// encrypted; a redelivery is stored once; a later message joins the same
// report; an unsigned one is refused; and a staff reply goes back through
// the Cloud API.
func TestWhatsAppInbound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		dir := t.TempDir()
		graph := newCloudAPI(t)
		m, _ := startMain(t, dir, dbURL, whatsAppAt(graph.URL))
		base := "http://" + m.PublicAddr()
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		admin := addStaff(t, m, "admin.it", spiker.RoleAdmin)
		// Not set up: the webhook does not exist.
		if code := postWebhook(t, base, waPayload("wamid.0", "6281234567890", "halo"), waSecret); code != 404 {
			t.Fatalf("webhook before set-up: %d", code)
		}
		setUpWhatsApp(t, m, admin)

		// The subscription challenge.
		if code, body := get(t, base+"/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=verif-123&hub.challenge=1158201444"); code != 200 || body != "1158201444" {
			t.Fatalf("challenge: %d %q", code, body)
		}
		if code, _ := get(t, base+"/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"); code != 400 {
			t.Fatalf("challenge with a wrong token: %d", code)
		}

		const first, second = "kanari-wa: saya dipukul suami, tolong", "kanari-wa: sekarang saya di rumah ibu"
		if code := postWebhook(t, base, waPayload("wamid.1", "6281234567890", first), "wrong-secret"); code != 401 {
			t.Fatalf("a forged delivery: %d", code)
		}
		for range 2 { // the platform redelivers
			if code := postWebhook(t, base, waPayload("wamid.1", "6281234567890", first), waSecret); code != 200 {
				t.Fatalf("delivery: %d", code)
			}
		}
		if code := postWebhook(t, base, waPayload("wamid.2", "6281234567890", second), waSecret); code != 200 {
			t.Fatalf("second message: %d", code)
		}

		officer, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		items, err := (store.ReportService{Store: m.Store}).FindReports(ctx, officer, spiker.ReportFilter{Limit: 50})
		if err != nil || len(items) != 1 || items[0].Channel != spiker.ChannelWhatsApp {
			t.Fatalf("the duty inbox: %v %+v", err, items)
		}
		rep, err := m.Reports.FindReport(ctx, officer, items[0].ID)
		if err != nil || rep.Content.Narrative != first || rep.Content.Contact.Number != "6281234567890" {
			t.Fatalf("the report: %v %+v", err, rep)
		}
		msgs, err := (store.ReportService{Store: m.Store}).ReportMessages(ctx, officer, rep.ID)
		if err != nil || len(msgs) != 1 || msgs[0].Body != second || msgs[0].From != spiker.FromReporter {
			t.Fatalf("the later message in the conversation: %v %+v", err, msgs)
		}

		// The reply goes back on WhatsApp.
		p := newPortal(t, m)
		csrf := signIn(t, p, "konselor.satu", secret, time.Now())
		resp, _ := p.post("/staf/laporan/"+rep.ID+"/balas", url.Values{"csrf": {csrf}, "body": {"Kami akan menghubungi Anda."}}, nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasSuffix(loc, "?wa=terkirim") {
			t.Fatalf("reply: %d %s", resp.StatusCode, loc)
		}
		if sent := graph.messages(); len(sent) != 1 || sent[0]["to"] != "6281234567890" || sent[0]["type"] != "text" ||
			sent[0]["text"].(map[string]any)["body"] != "Kami akan menghubungi Anda." {
			t.Fatalf("sent to WhatsApp: %+v", sent)
		}

		// At rest, neither the number nor the messages are in the clear.
		if postgresOnly(dbURL) == "" {
			m.Close()
			for _, f := range []string{"spiker.db", "spiker.db-wal"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				for _, needle := range []string{"kanari-wa", "81234567890"} {
					if bytes.Contains(b, []byte(needle)) {
						t.Errorf("%q in plaintext in %s", needle, f)
					}
				}
			}
		}
	})
}
