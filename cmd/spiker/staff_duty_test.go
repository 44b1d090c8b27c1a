package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
)

// TestStaffAlertAddresses: a staff member sets their own alert addresses
// (checked, WhatsApp numbers as people write them; a Telegram chat id is
// never typed, only linked through the bot) and this browser's push
// subscription; the admin's channel page never shows stored secrets.
func TestStaffAlertAddresses(t *testing.T) {
	ctx := context.Background()
	bot := httptest.NewServer(botAPIFor(http.NotFoundHandler()))
	defer bot.Close()
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.TelegramAPI = bot.URL })
	secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	p := newPortal(t, m)
	csrf := signIn(t, p, "konselor.satu", secret, time.Now())

	resp, page := p.post("/staf/akun", url.Values{"csrf": {csrf}, "email": {"bukan-surel"}, "whatsapp": {"0812-3456-7890"}}, nil)
	if resp.StatusCode != 422 || !strings.Contains(page, "Tulis alamat surel yang benar") {
		t.Fatalf("bad addresses: %d %.400s", resp.StatusCode, page)
	}
	// A chat id slipped into the form is ignored: Telegram is linked by code.
	resp, page = p.post("/staf/akun", url.Values{"csrf": {csrf}, "email": {"konselor@uptd.example"}, "telegram": {"123456789"}, "whatsapp": {"+62 812-3456-7890"}}, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Tersimpan") {
		t.Fatalf("good addresses: %d %.400s", resp.StatusCode, page)
	}
	actor, _ := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
	duty := store.DutyService{Store: m.Store}
	ch, _ := duty.Channels(ctx, actor)
	if ch["email"] != "konselor@uptd.example" || ch["telegram"] != "" || ch["whatsapp"] != "6281234567890" {
		t.Fatalf("stored addresses: %v", ch)
	}

	// Web push: offered once the admin has the channel (its key pair).
	if _, page := p.get("/staf/akun"); strings.Contains(page, "push-on") {
		t.Fatal("push offered without a server key")
	}
	admin := addStaffWithTOTP(t, m, "admin.it", spiker.RoleAdmin, "35.24")
	ap := newPortal(t, m)
	acsrf := signIn(t, ap, "admin.it", admin, time.Now())
	resp, page = ap.post("/staf/saluran", url.Values{"csrf": {acsrf}, "smtp_port": {"587"}, "telegram_token": {"123456:rahasia-bot"},
		"vapid_subject": {"mailto:it@uptd.example"}}, nil)
	if resp.StatusCode != 200 || strings.Contains(page, "rahasia-bot") {
		t.Fatalf("saving channels: %d", resp.StatusCode)
	}
	if _, page := ap.get("/staf/saluran"); strings.Contains(page, "rahasia-bot") || !strings.Contains(page, "tersimpan") {
		t.Fatal("the channel page shows a stored token, or does not say one is stored")
	}
	_, page = p.get("/staf/akun")
	if !strings.Contains(page, `id="push-on"`) {
		t.Fatal("push not offered once the channel has its key")
	}
	sub := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}}`
	if resp, _ := p.post("/staf/akun/push", url.Values{"csrf": {csrf}, "subscription": {"{}"}}, nil); resp.StatusCode != 422 {
		t.Fatalf("a broken subscription: %d", resp.StatusCode)
	}
	if resp, page := p.post("/staf/akun/push", url.Values{"csrf": {csrf}, "subscription": {sub}}, nil); resp.StatusCode != 200 || !strings.Contains(page, "Notifikasi peramban aktif") {
		t.Fatalf("subscribing: %d", resp.StatusCode)
	}
	if resp, _ := p.post("/staf/akun/push", url.Values{"csrf": {csrf}, "subscription": {"hapus"}}, nil); resp.StatusCode != 200 {
		t.Fatalf("unsubscribing: %d", resp.StatusCode)
	}
	if ch, _ := duty.Channels(ctx, actor); ch["webpush"] != "" {
		t.Fatal("the subscription stayed")
	}
	// Someone else's alert cannot be acknowledged.
	if resp, _ := p.post("/staf/peringatan/not-mine/terima", url.Values{"csrf": {csrf}}, nil); resp.StatusCode != 404 {
		t.Fatalf("acknowledging an alert one never got: %d", resp.StatusCode)
	}
}
