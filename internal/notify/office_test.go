package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

// fakeChannels is the store's side of the channels, in memory.
type fakeChannels struct {
	spiker.Duty // the roster, limits and alerts: not used here
	settings    spiker.ChannelSettings
	saved       *spiker.ChannelSettings
	addrs       map[string]string
	delivery    *spiker.Delivery
	deliverEr   error
	delivered   []string
}

func (f *fakeChannels) ChannelSettings(context.Context) (*spiker.ChannelSettings, error) {
	c := f.settings
	return &c, nil
}

func (f *fakeChannels) SetChannelSettings(_ context.Context, _ *spiker.Actor, c *spiker.ChannelSettings) error {
	f.saved, f.settings = c, *c
	return nil
}

func (f *fakeChannels) Channels(context.Context, *spiker.Actor) (map[string]string, error) {
	return f.addrs, nil
}

func (f *fakeChannels) DeliveryOf(context.Context, int64, string) (*spiker.Delivery, error) {
	return f.delivery, f.deliverEr
}

func (f *fakeChannels) MarkDelivered(_ context.Context, n int64, ch string) error {
	f.delivered = append(f.delivered, ch)
	return nil
}

// fakeInbox is the store's side of WhatsApp, in memory.
type fakeInbox struct {
	spiker.Reports // the media and reply methods, and the rest of reports: not used here
	received       []spiker.WhatsAppMessage
	refuse         map[string]error // by message id
	skipped        []string
}

func (f *fakeInbox) ReceiveWhatsApp(_ context.Context, msg spiker.WhatsAppMessage, region string) (string, error) {
	if err := f.refuse[msg.ID]; err != nil {
		return "", err
	}
	f.received = append(f.received, msg)
	return "r1", nil
}

func (f *fakeInbox) SkipWhatsApp(_ context.Context, reasons []string) error {
	f.skipped = append(f.skipped, reasons...)
	return nil
}

func newOffice(store *fakeChannels, logs *bytes.Buffer) *Office {
	return &Office{Duty: store, Reports: &fakeInbox{}, StaffURL: func() string { return "https://staf.example" },
		Region: "35.24", Logger: slog.New(slog.NewTextHandler(logs, nil)), Clock: spiker.NewClock(nil, time.UTC)}
}

func TestAlertMessage(t *testing.T) {
	p := locale.Printer{Lang: "id"}
	m := alertMessage(spiker.Alert{Reason: "new_report", Link: "/staf/laporan/L1"}, "https://staf.example")
	if m.Subject != p.Text("alert.subject") || m.Text != p.Text("alert.reason.new_report") || m.Link != "https://staf.example/staf/laporan/L1" {
		t.Fatalf("plain alert: %+v", m)
	}
	m = alertMessage(spiker.Alert{Reason: "clock_red", Clock: "first_response", Urgent: true, Link: "/staf/laporan/L1"}, "https://staf.example")
	if m.Subject != p.Text("alert.subject_urgent") || m.Text != p.Text("alert.reason.clock_red")+" ("+p.Text("clock.first_response")+")" {
		t.Fatalf("urgent clock alert: %+v", m)
	}
	m = alertMessage(spiker.Alert{Reason: "audit_anchor", RecordKind: "audit", RecordID: "abc123", Link: "/staf/audit"}, "https://staf.example")
	if !strings.HasSuffix(m.Text, "\n\nabc123") {
		t.Fatalf("the daily anchor carries its digest: %+v", m)
	}
	for _, m := range []Message{m} {
		if err := m.validate("email"); err != nil {
			t.Fatalf("an alert message must be valid: %v", err)
		}
	}
}

func TestChannelSenders(t *testing.T) {
	if got := channelSenders(&spiker.ChannelSettings{}, "", ""); len(got) != 0 {
		t.Fatalf("nothing configured, yet senders: %v", got)
	}
	c := &spiker.ChannelSettings{SMTPHost: "smtp.example", SMTPPort: 587, TelegramToken: "1:x", WhatsAppToken: "EAAG",
		WhatsAppPhoneID: "106", VAPIDPublic: "pub", VAPIDPrivate: "priv"}
	got := channelSenders(c, "http://127.0.0.1:1", "http://127.0.0.1:2")
	if len(got) != 4 {
		t.Fatalf("senders: %v", got)
	}
	if tg := got["telegram"].(Telegram); tg.BaseURL != "http://127.0.0.1:1" {
		t.Fatalf("the Telegram address comes from the configuration: %q", tg.BaseURL)
	}
	if wa := got["whatsapp"].(WhatsApp); wa.BaseURL != "http://127.0.0.1:2" || wa.PhoneNumberID != "106" {
		t.Fatalf("the WhatsApp sender: %+v", wa)
	}
	for ch, s := range got {
		if s.Channel() != ch {
			t.Fatalf("sender for %s says %s", ch, s.Channel())
		}
	}
}

func TestKeepWebhookSecret(t *testing.T) {
	store := &fakeChannels{settings: spiker.ChannelSettings{TelegramToken: "1:a", TelegramWebhookSecret: "old"}}
	o := newOffice(store, &bytes.Buffer{})
	for _, tc := range []struct {
		name, token, given, want string
	}{
		{"no token, no secret", "", "x", ""},
		{"same token keeps the secret", "1:a", "", "old"},
		{"a given secret stays", "1:a", "given", "given"},
	} {
		s := &spiker.ChannelSettings{TelegramToken: tc.token, TelegramWebhookSecret: tc.given}
		if err := o.keepWebhookSecret(context.Background(), s); err != nil || s.TelegramWebhookSecret != tc.want {
			t.Fatalf("%s: %q, %v", tc.name, s.TelegramWebhookSecret, err)
		}
	}
	s := &spiker.ChannelSettings{TelegramToken: "2:b"}
	if err := o.keepWebhookSecret(context.Background(), s); err != nil || len(s.TelegramWebhookSecret) != 64 || s.TelegramWebhookSecret == "old" {
		t.Fatalf("a new token gets a new secret: %q, %v", s.TelegramWebhookSecret, err)
	}
}

func TestSendTest(t *testing.T) {
	var sent []string
	api := newAPIServer(t, func(t *testing.T, r *http.Request, body map[string]any) {
		sent = append(sent, body["text"].(string))
	})
	store := &fakeChannels{addrs: map[string]string{"telegram": "12345"}}
	logs := &bytes.Buffer{}
	o := newOffice(store, logs)
	o.TelegramAPI = api.URL
	admin := &spiker.Actor{UserID: 1}
	field := func(err error) string { return spiker.ErrorFields(err)["test"] }

	if err := o.SendTest(context.Background(), admin, "email"); field(err) != "channels.err.no_address" {
		t.Fatalf("no address on the channel: %v", err)
	}
	if err := o.SendTest(context.Background(), admin, "telegram"); field(err) != "channels.err.off" {
		t.Fatalf("the channel is off: %v", err)
	}
	store.settings.TelegramToken = "1:token"
	api.replies = []apiReply{{status: 200, body: `{"ok":true,"result":{"message_id":1}}`}}
	if err := o.SendTest(context.Background(), admin, "telegram"); err != nil || len(sent) != 1 || !strings.Contains(sent[0], "https://staf.example/staf/akun") {
		t.Fatalf("the test: %v, %q", err, sent)
	}
	api.replies = []apiReply{{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`}}
	if err := o.SendTest(context.Background(), admin, "telegram"); field(err) != "channels.err.test_failed" {
		t.Fatalf("a refused test: %v", err)
	}
	if strings.Contains(logs.String(), "12345") {
		t.Fatalf("the log names the address: %s", logs)
	}
}

func TestDeliver(t *testing.T) {
	api := newAPIServer(t, func(*testing.T, *http.Request, map[string]any) {})
	store := &fakeChannels{settings: spiker.ChannelSettings{TelegramToken: "1:token"},
		delivery: &spiker.Delivery{Address: "12345", Alert: spiker.Alert{Reason: "new_report", Link: "/staf/laporan/L1"}}}
	o := newOffice(store, &bytes.Buffer{})
	o.TelegramAPI = api.URL
	job := func(ch string) spiker.Job {
		b, _ := json.Marshal(spiker.DeliverJob{Notification: 7, Channel: ch})
		return spiker.Job{Payload: string(b)}
	}
	api.replies = []apiReply{{status: 200, body: `{"ok":true,"result":{"message_id":1}}`}}
	if err := o.Deliver(context.Background(), job("telegram")); err != nil || len(store.delivered) != 1 || api.hits != 1 {
		t.Fatalf("delivering: %v, marked %v, sent %d", err, store.delivered, api.hits)
	}
	if err := o.Deliver(context.Background(), job("email")); err != nil || len(store.delivered) != 1 {
		t.Fatalf("a channel that is off is not an error and marks nothing: %v %v", err, store.delivered)
	}
	store.delivery.Sent = true
	if err := o.Deliver(context.Background(), job("telegram")); err != nil || api.hits != 1 {
		t.Fatalf("a sent delivery is not sent again: %v, %d", err, api.hits)
	}
	store.delivery.Sent = false
	api.replies = []apiReply{{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`}}
	if err := o.Deliver(context.Background(), job("telegram")); !errors.Is(err, ErrPermanent) {
		t.Fatalf("a refused address: %v", err)
	}
	store.deliverEr = spiker.Errorf(spiker.ENOTFOUND, "gone")
	if err := o.Deliver(context.Background(), job("telegram")); err != nil {
		t.Fatalf("a removed address: %v", err)
	}
}

func TestWhatsAppMediaText(t *testing.T) {
	p := locale.Printer{Lang: "id"}
	for _, tc := range []struct {
		in             Inbound
		text, kind, id string
	}{
		{Inbound{Kind: "location"}, p.Text("whatsapp.media", p.Text("whatsapp.kind.location")), "", ""},
		{Inbound{Kind: "image", MediaID: "m1", Caption: "foto"}, p.Text("whatsapp.media_file", p.Text("whatsapp.kind.image")) + "\nfoto", "image", "m1"},
		{Inbound{Kind: "video", MediaID: "m2"}, p.Text("whatsapp.media_refused", p.Text("whatsapp.kind.video")), "video", ""},
	} {
		text, kind, id := whatsappMediaText(tc.in)
		if text != tc.text || kind != tc.kind || id != tc.id {
			t.Fatalf("%s: %q %q %q", tc.in.Kind, text, kind, id)
		}
	}
}

func waBody(messages ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "1", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp", "messages": messages}}}}}})
	return b
}

func TestTakeWhatsApp(t *testing.T) {
	logs := &bytes.Buffer{}
	o := newOffice(&fakeChannels{}, logs)
	inbox := &fakeInbox{refuse: map[string]error{"w3": spiker.Errorf(spiker.EINVALID, "too long")}}
	o.Reports = inbox
	woken := 0
	o.Wake = func() { woken++ }
	body := waBody(
		map[string]any{"from": "6281234567890", "id": "w1", "type": "text", "text": map[string]any{"body": "tolong"}},
		map[string]any{"from": "6281234567890", "id": "w2", "type": "image", "image": map[string]any{"id": "1234567890"}},
		map[string]any{"from": "6281234567890", "id": "w3", "type": "text", "text": map[string]any{"body": "ditolak"}},
		map[string]any{"from": "6281234567890", "id": "w4", "type": "text"},
	)
	if err := o.TakeWhatsApp(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	if len(inbox.received) != 2 || inbox.received[0].Text != "tolong" || inbox.received[1].MediaID != "1234567890" || woken != 1 {
		t.Fatalf("received %+v, woken %d", inbox.received, woken)
	}
	if len(inbox.skipped) != 2 {
		t.Fatalf("skipped: %q", inbox.skipped)
	}
	for _, secret := range []string{"6281234567890", "tolong", "ditolak"} {
		if strings.Contains(logs.String(), secret) || strings.Contains(strings.Join(inbox.skipped, " "), secret) {
			t.Fatalf("the log or the skip reasons name %q: %s %q", secret, logs, inbox.skipped)
		}
	}
	if err := o.TakeWhatsApp(context.Background(), []byte(`[]`)); !errors.Is(err, ErrWebhook) {
		t.Fatalf("an unreadable payload: %v", err)
	}
	inbox.refuse["w1"] = errors.New("database down")
	if err := o.TakeWhatsApp(context.Background(), body); err == nil || errors.Is(err, ErrWebhook) {
		t.Fatalf("a store failure leaves the delivery unacknowledged: %v", err)
	}
}

func TestTelegramWebhookSecret(t *testing.T) {
	store := &fakeChannels{settings: spiker.ChannelSettings{TelegramToken: "1:a", TelegramWebhookSecret: "s3cret"}}
	o := newOffice(store, &bytes.Buffer{})
	if got, err := o.TelegramWebhookSecret(context.Background()); err != nil || got != "" {
		t.Fatalf("without a public https address there is no webhook: %q %v", got, err)
	}
	o.PublicURL = "https://lapor.example/"
	if got, _ := o.TelegramWebhookSecret(context.Background()); got != "s3cret" || o.telegramWebhookURL() != "https://lapor.example/telegram/webhook" {
		t.Fatalf("the webhook's secret: %q at %q", got, o.telegramWebhookURL())
	}
	store.settings.TelegramToken = ""
	if got, _ := o.TelegramWebhookSecret(context.Background()); got != "" {
		t.Fatalf("without a bot there is no webhook: %q", got)
	}
}
