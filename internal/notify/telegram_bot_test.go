package notify

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	tgPrivate = `{"update_id":900001,"message":{"message_id":7,"from":{"id":555111,"is_bot":false,"first_name":"Sri"},` +
		`"chat":{"id":555111,"first_name":"Sri","type":"private"},"date":1767225600,"text":"/start K7QM4XPA",` +
		`"entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`
	tgGroup  = `{"update_id":900002,"message":{"message_id":8,"chat":{"id":-100123,"title":"Piket","type":"supergroup"},"text":"K7QM4XPA"}}`
	tgEdited = `{"update_id":900003,"edited_message":{"message_id":7,"chat":{"id":555111,"type":"private"},"text":"x"}}`
	tgPhoto  = `{"update_id":900004,"message":{"message_id":9,"chat":{"id":555111,"type":"private"},"photo":[{"file_id":"a"}],"caption":"lihat"}}`
)

func TestParseTelegramUpdate(t *testing.T) {
	long := `{"update_id":900005,"message":{"chat":{"id":555111,"type":"private"},"text":"` + strings.Repeat("a", MaxTelegramText+1) + `"}}`
	for _, c := range []struct {
		name, body string
		want       TelegramUpdate
	}{
		{"private /start", tgPrivate, TelegramUpdate{ID: 900001, ChatID: 555111, Private: true, Text: "/start K7QM4XPA"}},
		{"group message", tgGroup, TelegramUpdate{ID: 900002, ChatID: -100123, Text: "K7QM4XPA"}},
		{"an edit is no message", tgEdited, TelegramUpdate{ID: 900003}},
		{"a photo has no text", tgPhoto, TelegramUpdate{ID: 900004, ChatID: 555111, Private: true}},
		{"a long text is not kept", long, TelegramUpdate{ID: 900005, ChatID: 555111, Private: true}},
		{"unknown fields", `{"update_id":1,"my_chat_member":{"chat":{"id":5}}}`, TelegramUpdate{ID: 1}},
	} {
		got, err := ParseTelegramUpdate([]byte(c.body))
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
	for _, body := range []string{``, `null`, `[]`, `{}`, `"x"`, `{"update_id":0}`, `{"update_id":-5}`, `{"update_id":"1"}`,
		`{"update_id":1,"message":{"chat":{"id":"555"}}}`, `{"update_id":1,"message":{"text":5}}`, `{"update_id":1`,
		`{"update_id":1e30}`, `{"update_id":1}` + strings.Repeat(" ", MaxTelegramUpdate)} {
		got, err := ParseTelegramUpdate([]byte(body))
		if !errors.Is(err, ErrTelegramUpdate) || got != (TelegramUpdate{}) {
			t.Errorf("%.40q: %+v %v, want ErrTelegramUpdate", body, got, err)
			continue
		}
		if len(body) > 2 && strings.Contains(err.Error(), body) {
			t.Errorf("%q: the error quotes the body: %v", body, err)
		}
	}
}

func TestTelegramStart(t *testing.T) {
	for _, c := range []struct {
		text, arg string
		start     bool
	}{
		{"/start K7QM4XPA", "K7QM4XPA", true},
		{"/start@spiker_perak_bot K7QM4XPA", "K7QM4XPA", true},
		{"  /start   k7qm-4xpa ", "k7qm-4xpa", true},
		{"/start", "", true},
		{"/start@spiker_perak_bot", "", true},
		{"K7QM 4XPA", "K7QM 4XPA", false},
		{"/help", "", false},
		{"/startK7QM4XPA", "", false},
		{"", "", false},
	} {
		arg, start := TelegramStart(c.text)
		if arg != c.arg || start != c.start {
			t.Errorf("%q: %q %v, want %q %v", c.text, arg, start, c.arg, c.start)
		}
	}
}

func FuzzParseTelegramUpdate(f *testing.F) {
	for _, s := range []string{tgPrivate, tgGroup, tgEdited, tgPhoto, ``, `{}`, `[]`, `null`, `{"update_id":1,"message":null}`,
		`{"update_id":1,"message":{"chat":{"id":0,"type":"private"},"text":"a"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := ParseTelegramUpdate(body)
		if err != nil {
			if !errors.Is(err, ErrTelegramUpdate) || u != (TelegramUpdate{}) {
				t.Fatalf("%+v with error %v", u, err)
			}
			return
		}
		if u.ID <= 0 || len(u.Text) > MaxTelegramText || (u.ChatID == 0 && (u.Private || u.Text != "")) {
			t.Fatalf("impossible update %+v", u)
		}
		arg, _ := TelegramStart(u.Text)
		if len(arg) > len(u.Text) {
			t.Fatalf("argument %q longer than the text %q", arg, u.Text)
		}
	})
}

// TestTelegramBotCalls: getMe, setWebhook, deleteWebhook, getUpdates and a reply reach the Bot API's methods
// with the parameters the bot relies on, and their answers are read.
func TestTelegramBotCalls(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]map[string]any{}
	)
	srv := newAPIServer(t, func(t *testing.T, r *http.Request, body map[string]any) {
		method, ok := strings.CutPrefix(r.URL.Path, "/bot"+testBotToken+"/")
		if !ok || r.Method != http.MethodPost {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		mu.Lock()
		seen[method] = body
		mu.Unlock()
	})
	tg := Telegram{Token: testBotToken, BaseURL: srv.URL}
	ctx := context.Background()

	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Spiker","username":"spiker_perak_bot"}}`})
	if name, err := tg.GetMe(ctx); err != nil || name != "spiker_perak_bot" {
		t.Fatalf("GetMe: %q %v", name, err)
	}
	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":{"id":1,"is_bot":true,"username":"x/../y"}}`})
	if _, err := tg.GetMe(ctx); err == nil {
		t.Fatal("GetMe took a malformed username")
	}

	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":true}`})
	if err := tg.SetWebhook(ctx, "https://spiker.example/telegram/webhook", "rahasia-webhook"); err != nil {
		t.Fatal(err)
	}
	srv.queue(apiReply{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: bad webhook: https://spiker.example/telegram/webhook rahasia-webhook"}`})
	err := tg.SetWebhook(ctx, "https://spiker.example/telegram/webhook", "rahasia-webhook")
	if !errors.Is(err, ErrPermanent) || strings.Contains(err.Error(), "rahasia-webhook") || strings.Contains(err.Error(), "spiker.example") {
		t.Fatalf("a refused webhook: %v", err)
	}
	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":true}`})
	if err := tg.DeleteWebhook(ctx); err != nil {
		t.Fatal(err)
	}

	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":[` + tgPrivate + `,` + tgEdited +
		`,{"update_id":900010,"message":{"chat":{"id":"odd"}}}]}`})
	ups, err := tg.GetUpdates(ctx, 900001, 25*time.Second)
	want := []TelegramUpdate{{ID: 900001, ChatID: 555111, Private: true, Text: "/start K7QM4XPA"}, {ID: 900003}, {ID: 900010}}
	if err != nil || !reflect.DeepEqual(ups, want) {
		t.Fatalf("GetUpdates: %+v %v", ups, err)
	}
	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":[{"message":{}}]}`})
	if _, err := tg.GetUpdates(ctx, 1, time.Second); err == nil {
		t.Fatal("an update without an id was taken")
	}
	srv.queue(apiReply{status: 409, body: `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`})
	if _, err := tg.GetUpdates(ctx, 1, time.Second); err == nil {
		t.Fatal("a conflict was taken for no updates")
	}

	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":{"message_id":1}}`})
	if err := tg.SendText(ctx, 555111, "Akun tertaut."); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	checks := map[string]map[string]any{
		"setWebhook":    {"url": "https://spiker.example/telegram/webhook", "secret_token": "rahasia-webhook", "allowed_updates": []any{"message"}},
		"deleteWebhook": {"drop_pending_updates": false},
		"getUpdates":    {"offset": float64(1), "timeout": float64(1), "limit": float64(TelegramBatch), "allowed_updates": []any{"message"}},
		"sendMessage":   {"chat_id": float64(555111), "text": "Akun tertaut."},
		"getMe":         {},
	}
	for method, want := range checks {
		if !reflect.DeepEqual(seen[method], want) {
			t.Errorf("%s: %#v, want %#v", method, seen[method], want)
		}
	}
}
