package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/notify"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/vault"
)

// TestAdminCannotBecomeAReader plays the administrator on the web and the
// console: no case role beside admin, for a new user or on an edit; no
// change of its own roles or region; and no channel API host from the
// channels page, whose saved settings keep the official hosts while the
// operator's configuration still overrides them.
func TestAdminCannotBecomeAReader(t *testing.T) {
	ctx := context.Background()
	graph := newCloudAPI(t)
	m, _ := startMain(t, t.TempDir(), "", whatsAppAt(graph.URL))
	adminSecret := addStaffWithTOTP(t, m, "admin.it", spiker.RoleAdmin, "35.24")
	admin := signInStaff(t, m, "admin.it", adminSecret, time.Now())

	// The console refuses the combination before asking for a password.
	code, _, stderr := runCLI(t, "tubruk pasar sapi kabut\n", nil, "user", "add", "--data", m.Config.DataDir,
		"--username", "admin.baca", "--role", "admin,supervisor")
	if code == 0 || !strings.Contains(stderr, "separation of duties") {
		t.Fatalf("console admin+supervisor: %d %s", code, stderr)
	}

	// The web refuses it for a new user.
	resp, page := admin.p.post("/staf/pengguna", url.Values{"csrf": {admin.csrf}, "username": {"admin.baca"},
		"roles": {"admin", "konselor_piket"}, "region": {"35.24"}, "password": {"tubruk pasar sapi kabut sekali"}}, nil)
	if resp.StatusCode != 422 || !strings.Contains(page, "Peran admin tidak boleh digabung") {
		t.Fatalf("web admin+konselor: %d %.600s", resp.StatusCode, page)
	}
	if _, err := m.Users.FindUserByUsername(ctx, "admin.baca"); spiker.ErrorCode(err) != spiker.ENOTFOUND {
		t.Fatalf("the refused user exists: %v", err)
	}

	// The admin cannot give itself a role or move its own region.
	for _, form := range []url.Values{
		{"roles": {"admin", "supervisor"}, "region": {"35.24"}},
		{"roles": {"admin", "tim_data"}, "region": {"35.24"}},
		{"roles": {"admin"}, "region": {"35.24.22"}},
	} {
		form.Set("csrf", admin.csrf)
		resp, page := admin.p.post(fmt.Sprintf("/staf/pengguna/%d/peran", admin.actor.UserID), form, nil)
		if resp.StatusCode != 422 || !strings.Contains(page, "tidak dapat mengubah peran atau wilayah akun Anda sendiri") {
			t.Fatalf("admin editing itself %v: %d %.600s", form, resp.StatusCode, page)
		}
	}
	if u, _ := m.Users.FindUserByID(ctx, admin.actor.UserID); len(u.Roles) != 1 || u.Roles[0] != spiker.RoleAdmin || u.RegionCode != "35.24" {
		t.Fatalf("the admin after the refusals: %v %s", u.Roles, u.RegionCode)
	}
	// Nor add a case role to another admin.
	addStaff(t, m, "admin.dua", spiker.RoleAdmin)
	other, _ := m.Users.FindUserByUsername(ctx, "admin.dua")
	resp, page = admin.p.post(fmt.Sprintf("/staf/pengguna/%d/peran", other.ID), url.Values{"csrf": {admin.csrf},
		"roles": {"admin", "manajer_kasus"}, "region": {"35.24"}}, nil)
	if resp.StatusCode != 422 || !strings.Contains(page, "Peran admin tidak boleh digabung") {
		t.Fatalf("admin+manajer for another admin: %d %.600s", resp.StatusCode, page)
	}

	// The channels page has no API address field; one slipped into the
	// form is not stored, and the senders use the operator's override.
	if _, page := admin.p.get("/staf/saluran"); strings.Contains(page, `name="whatsapp_api"`) || strings.Contains(page, `name="telegram_api"`) {
		t.Fatal("the channels page offers an API address")
	}
	resp, page = admin.p.post("/staf/saluran", url.Values{"csrf": {admin.csrf}, "smtp_port": {"587"},
		"whatsapp_token": {"EAAG-test"}, "whatsapp_phone_id": {"106540352242922"}, "whatsapp_template": {"peringatan_staf"},
		"whatsapp_api": {"https://wa.penyadap.example/v21.0"}, "telegram_api": {"https://tg.penyadap.example"}}, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Pengaturan saluran tersimpan") {
		t.Fatalf("saving channels: %d %.600s", resp.StatusCode, page)
	}
	var sealed string
	if err := m.Store.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT value FROM settings WHERE name = 'channels'`, nil, &sealed)
	}); err != nil || sealed == "" {
		t.Fatalf("no channel settings stored: %v", err)
	}
	raw, _ := base64.StdEncoding.DecodeString(sealed)
	plain, err := m.Secrets.Open(vault.PurposeChannels, raw, []byte("channels"))
	if err != nil || !strings.Contains(string(plain), "EAAG-test") || strings.Contains(string(plain), "penyadap") || strings.Contains(string(plain), "_api") {
		t.Fatalf("the stored settings: %v %s", err, plain)
	}
	senders, err := m.Notify.Senders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wa, ok := senders["whatsapp"].(notify.WhatsApp)
	if !ok || wa.BaseURL != graph.URL {
		t.Fatalf("the WhatsApp sender's address: %q, want the configured %q", wa.BaseURL, graph.URL)
	}
	c, err := store.DutyService{Store: m.Store}.ChannelSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tg := m.Notify.BotAPI(c); tg.BaseURL != "" {
		t.Fatalf("the Telegram address without an override: %q, want the official one", tg.BaseURL)
	}
	if _, page := admin.p.get("/staf/saluran"); strings.Contains(page, "penyadap") {
		t.Fatal("the page shows the slipped-in address")
	}
}

// The operator's override must be an https address (or a local test
// server): a plain-http host elsewhere is refused at start.
func TestChannelAPIOverrideChecked(t *testing.T) {
	for _, c := range []Config{{WhatsAppAPI: "http://wa.penyadap.example/v21.0"}, {TelegramAPI: "ftp://tg.example"}} {
		m := &Main{Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		m.Config = Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Region: "35.24", ExitURL: "https://www.bmkg.go.id/",
			WhatsAppAPI: c.WhatsAppAPI, TelegramAPI: c.TelegramAPI}
		err := m.Run(context.Background())
		m.Close()
		if err == nil || !strings.Contains(err.Error(), "_API") {
			t.Fatalf("override %+v: %v", c, err)
		}
	}
}
