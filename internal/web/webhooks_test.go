package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/notify"
)

// fakeChannels answers the webhooks' questions and records what they hand on.
type fakeChannels struct {
	spiker.Channels // the back office's methods: not used here
	settings        spiker.ChannelSettings
	tgSecret        string
	takeErr         error
	taken           [][]byte
}

func (f *fakeChannels) ChannelSettings(context.Context) (*spiker.ChannelSettings, error) {
	c := f.settings
	return &c, nil
}

func (f *fakeChannels) TelegramWebhookSecret(context.Context) (string, error) { return f.tgSecret, nil }

func (f *fakeChannels) TakeWhatsApp(_ context.Context, body []byte) error {
	f.taken = append(f.taken, body)
	return f.takeErr
}

func (f *fakeChannels) TakeTelegramUpdate(_ context.Context, body []byte) error {
	f.taken = append(f.taken, body)
	return f.takeErr
}

func signed(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func call(h http.HandlerFunc, method, target string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h(rec, req)
	return rec
}

func TestWhatsAppWebhook(t *testing.T) {
	s, logs := newTestServer(t, nil)
	ch := &fakeChannels{}
	s.Channels = ch
	h := s.whatsappWebhook
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	if rec := call(h, "POST", "/whatsapp/webhook", body, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("without the app secret the webhook does not exist: %d", rec.Code)
	}
	ch.settings = spiker.ChannelSettings{WhatsAppAppSecret: "app-secret", WhatsAppVerifyToken: "verify"}
	if rec := call(h, "GET", "/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=verify&hub.challenge=abc123", nil, nil); rec.Code != 200 || rec.Body.String() != "abc123" {
		t.Fatalf("the challenge: %d %q", rec.Code, rec.Body)
	}
	if rec := call(h, "GET", "/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=abc123", nil, nil); rec.Code != http.StatusBadRequest {
		t.Fatalf("a wrong verify token: %d", rec.Code)
	}
	if rec := call(h, "POST", "/whatsapp/webhook", body, map[string]string{"X-Hub-Signature-256": signed("other", body)}); rec.Code != http.StatusUnauthorized || len(ch.taken) != 0 {
		t.Fatalf("a bad signature: %d, taken %d", rec.Code, len(ch.taken))
	}
	big := bytes.Repeat([]byte("x"), notify.MaxWebhookBody+1)
	if rec := call(h, "POST", "/whatsapp/webhook", big, map[string]string{"X-Hub-Signature-256": signed("app-secret", big)}); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the limit: %d", rec.Code)
	}
	sig := map[string]string{"X-Hub-Signature-256": signed("app-secret", body)}
	if rec := call(h, "POST", "/whatsapp/webhook", body, sig); rec.Code != 200 || len(ch.taken) != 1 {
		t.Fatalf("a signed delivery: %d, taken %d", rec.Code, len(ch.taken))
	}
	ch.takeErr = fmt.Errorf("%w: entry[0]: not an object", notify.ErrWebhook)
	if rec := call(h, "POST", "/whatsapp/webhook", body, sig); rec.Code != http.StatusBadRequest || !strings.Contains(logs.String(), "unreadable payload") {
		t.Fatalf("an unreadable payload: %d %s", rec.Code, logs)
	}
	ch.takeErr = errors.New("database down")
	if rec := call(h, "POST", "/whatsapp/webhook", body, sig); rec.Code != http.StatusInternalServerError {
		t.Fatalf("a store failure: %d", rec.Code)
	}
}

func TestTelegramWebhook(t *testing.T) {
	s, _ := newTestServer(t, nil)
	ch := &fakeChannels{}
	s.Channels = ch
	h := s.telegramWebhook
	body := []byte(`{"update_id":1}`)
	if rec := call(h, "POST", "/telegram/webhook", body, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("without a webhook secret the webhook does not exist: %d", rec.Code)
	}
	ch.tgSecret = "s3cret"
	if rec := call(h, "POST", "/telegram/webhook", body, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no secret token: %d", rec.Code)
	}
	if rec := call(h, "POST", "/telegram/webhook", body, map[string]string{"X-Telegram-Bot-Api-Secret-Token": "wrong"}); rec.Code != http.StatusForbidden || len(ch.taken) != 0 {
		t.Fatalf("a wrong secret token: %d", rec.Code)
	}
	ok := map[string]string{"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
	if rec := call(h, "POST", "/telegram/webhook", bytes.Repeat([]byte("x"), notify.MaxTelegramUpdate+1), ok); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the limit: %d", rec.Code)
	}
	if rec := call(h, "POST", "/telegram/webhook", body, ok); rec.Code != 200 || len(ch.taken) != 1 {
		t.Fatalf("an update: %d, taken %d", rec.Code, len(ch.taken))
	}
	ch.takeErr = fmt.Errorf("%w: no update_id", notify.ErrTelegramUpdate)
	if rec := call(h, "POST", "/telegram/webhook", body, ok); rec.Code != http.StatusBadRequest {
		t.Fatalf("an unreadable update: %d", rec.Code)
	}
	ch.takeErr = errors.New("database down")
	if rec := call(h, "POST", "/telegram/webhook", body, ok); rec.Code != http.StatusInternalServerError {
		t.Fatalf("a failure: %d", rec.Code)
	}
}

// TestWebhookRoutes: the webhooks are public routes, in the route table
// the access-control matrix is made from, whenever there are channels.
func TestWebhookRoutes(t *testing.T) {
	s, _ := newTestServer(t, nil)
	has := func(kinds int) map[string]bool {
		out := map[string]bool{}
		for _, rt := range s.Routes(kinds) {
			out[rt.Method+" "+rt.Path] = true
		}
		return out
	}
	if got := has(Public); got["POST /whatsapp/webhook"] || got["POST /telegram/webhook"] {
		t.Fatal("webhooks without channels")
	}
	s.Channels = &fakeChannels{}
	for _, want := range []string{"GET /whatsapp/webhook", "POST /whatsapp/webhook", "POST /telegram/webhook"} {
		if !has(Public)[want] || has(Staff)[want] {
			t.Fatalf("%s: on the public listener only", want)
		}
	}
}
