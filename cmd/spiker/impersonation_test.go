package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestChannelsCannotBeImpersonated: an anonymous API client cannot make a
// WhatsApp (or telephone) report, so a staff reply never goes out to a
// number it chose; and no form token or Idempotency-Key can take another
// source's value, such as the message id of a report that came on
// WhatsApp, to obtain its receipt. Refusals store nothing.
func TestChannelsCannotBeImpersonated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		api := newCloudAPI(t)
		m, _ := startMain(t, t.TempDir(), dbURL, whatsAppAt(api.URL))
		base := "http://" + m.PublicAddr()
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		setUpWhatsApp(t, m, addStaff(t, m, "admin.it", spiker.RoleAdmin))
		a := apiClient{t, base}

		// A WhatsApp report, whose submission token is its message id.
		if code := postWebhook(t, base, waPayload("wamid.HBgLNjI4MTIzNDU2Nzg5", "6281234567890", "tolong saya"), waSecret); code != 200 {
			t.Fatalf("webhook: %d", code)
		}

		// The API refuses any channel but web, with the reason in Indonesian.
		for _, ch := range []string{"whatsapp", "telepon", "WhatsApp"} {
			body := apiReport()
			body["channel"] = ch
			code, out, _ := a.call("POST", "/api/v1/reports", body, nil)
			fields, _ := out["error"].(map[string]any)["fields"].(map[string]any)
			if msg, _ := fields["channel"].(string); code != 400 || !strings.Contains(msg, "selalu berkanal web") {
				t.Fatalf("channel %q: %d %v", ch, code, out)
			}
		}
		for _, key := range []string{"whatsapp:wamid.HBgLNjI4MTIzNDU2Nzg5", "wamid.HBgLNjI4MTIzNDU2Nzg5"} {
			if code, out, _ := a.call("POST", "/api/v1/reports", apiReport(), map[string]string{"Idempotency-Key": key}); code != 400 {
				t.Fatalf("Idempotency-Key %q: %d %v", key, code, out)
			}
		}
		if n := countReports(t, m); n != 1 {
			t.Fatalf("refused API reports were stored: %d reports", n)
		}

		// The web form refuses a token it did not issue, keeps the answers
		// and gives a fresh token; no receipt is shown.
		p := newPortal(t, m)
		for _, token := range []string{"whatsapp:wamid.HBgLNjI4MTIzNDU2Nzg5", "wamid.HBgLNjI4MTIzNDU2Nzg5", "", "pendek"} {
			resp, page := p.post("/", validAnswers(token), nil)
			fresh := tokenRE.FindStringSubmatch(page)
			if resp.StatusCode != 422 || receiptRE.MatchString(page) || !strings.Contains(page, "Formulir ini tidak lengkap atau sudah usang") ||
				!strings.Contains(page, "Saya dipukul suami tadi malam.") || fresh == nil || fresh[1] == token {
				t.Fatalf("form token %q: %d %.300s", token, resp.StatusCode, page)
			}
		}
		if n := countReports(t, m); n != 1 {
			t.Fatalf("refused forms were stored: %d reports", n)
		}

		// The same value as an API key and as a form token makes two
		// reports with two receipts: the namespaces are apart.
		shared := spiker.NewFormToken(time.Now())
		code, out, _ := a.call("POST", "/api/v1/reports", apiReport(), map[string]string{"Idempotency-Key": shared})
		_, page := p.report(validAnswers(shared), nil)
		formReceipt := receiptRE.FindStringSubmatch(page)
		if code != 201 || formReceipt == nil || strings.ReplaceAll(formReceipt[1], " ", "") == out["receipt"] || countReports(t, m) != 3 {
			t.Fatalf("an API key and a form token with one value: %d %v, %v", code, out, formReceipt)
		}

		// A reply to the API's web report, whose contact is a WhatsApp
		// number, is not sent to WhatsApp.
		officer, err := m.Users.Authenticate(t.Context(), "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		items, _ := m.Web.Reports.FindReports(t.Context(), officer, spiker.ReportFilter{Limit: 50})
		staff := newPortal(t, m)
		csrf := signIn(t, staff, "konselor.satu", secret, time.Now())
		replied := 0
		for _, it := range items {
			if it.Channel != spiker.ChannelWeb {
				continue
			}
			resp, _ := staff.post("/staf/laporan/"+it.ID+"/balas", url.Values{"csrf": {csrf}, "body": {"Kami akan menghubungi Anda."}}, nil)
			if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || strings.Contains(loc, "wa=") {
				t.Fatalf("reply to a web report: %d %s", resp.StatusCode, loc)
			}
			replied++
		}
		if sent := api.messages(); replied != 2 || len(sent) != 0 {
			t.Fatalf("%d replies to web reports sent %d WhatsApp messages", replied, len(sent))
		}
	})
}
