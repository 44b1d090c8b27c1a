package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// apiServer is an httptest server that checks each request with check and answers with the next queued reply.
type apiServer struct {
	*httptest.Server
	mu      sync.Mutex
	replies []apiReply
	hits    int
}

type apiReply struct {
	status int
	header map[string]string
	body   string
}

func newAPIServer(t *testing.T, check func(t *testing.T, r *http.Request, body map[string]any)) *apiServer {
	t.Helper()
	s := &apiServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request: %v", err)
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("request body is not a JSON object: %v", err)
		}
		check(t, r, body)
		s.mu.Lock()
		s.hits++
		reply := apiReply{status: 200, body: `{}`}
		if len(s.replies) > 0 {
			reply, s.replies = s.replies[0], s.replies[1:]
		}
		s.mu.Unlock()
		for k, v := range reply.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(reply.status)
		_, _ = io.WriteString(w, reply.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func (s *apiServer) queue(r ...apiReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, r...)
}

// jsonValue turns a literal into what encoding/json gives for it, for comparing request bodies.
func jsonValue(t *testing.T, literal string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(literal), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

const testBotToken = "123456789:AAF-test_token_value"

func TestTelegram(t *testing.T) {
	want := map[string]any{
		"chat_id": float64(987654321),
		"text":    testMessage.Subject + "\n\n" + testMessage.Text + "\n\n" + testMessage.Link,
		"link_preview_options": map[string]any{
			"is_disabled": true,
		},
	}
	srv := newAPIServer(t, func(t *testing.T, r *http.Request, body map[string]any) {
		if r.Method != http.MethodPost || r.URL.Path != "/bot"+testBotToken+"/sendMessage" {
			t.Errorf("%s %s, want POST /bot<token>/sendMessage", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if !reflect.DeepEqual(body, want) {
			t.Errorf("body %#v,\nwant %#v", body, want)
		}
	})
	tg := Telegram{Token: testBotToken, BaseURL: srv.URL, Client: srv.Client()}
	if tg.Channel() != "telegram" {
		t.Fatalf("Channel() = %q", tg.Channel())
	}
	ctx := context.Background()

	srv.queue(apiReply{status: 200, body: `{"ok":true,"result":{"message_id":42,"chat":{"id":987654321}}}`})
	if err := tg.Send(ctx, "987654321", testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}

	srv.queue(apiReply{status: 500, body: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`})
	err := tg.Send(ctx, "987654321", testMessage)
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("500: error %v, want temporary", err)
	}
	if _, ok := RetryAfter(err); ok {
		t.Errorf("500 without retry_after reports a delay")
	}

	srv.queue(apiReply{status: 429,
		body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}}`})
	err = tg.Send(ctx, "987654321", testMessage)
	if d, ok := RetryAfter(err); errors.Is(err, ErrPermanent) || !ok || d != 17*time.Second {
		t.Fatalf("429: error %v, RetryAfter %v %v; want temporary, 17s", err, d, ok)
	}

	for _, c := range []struct {
		status int
		body   string
	}{
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`},
		{403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`},
		{401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
		{404, `{"ok":false,"error_code":404,"description":"Not Found"}`},
	} {
		srv.queue(apiReply{status: c.status, body: c.body})
		err := tg.Send(ctx, "987654321", testMessage)
		var e *Error
		if !errors.Is(err, ErrPermanent) || !errors.As(err, &e) || e.Status != c.status {
			t.Errorf("%d: error %v, want ErrPermanent with the status", c.status, err)
			continue
		}
		if e.Description == "" {
			t.Errorf("%d: error %v lost the API's description", c.status, err)
		}
		checkNoContent(t, err, testBotToken)
	}

	// A description that quotes the message is cleaned.
	srv.queue(apiReply{status: 400,
		body: `{"ok":false,"error_code":400,"description":"Bad Request: can't parse ` + testMessage.Text + `"}`})
	err = tg.Send(ctx, "987654321", testMessage)
	checkNoContent(t, err, testBotToken)
}

func TestTelegramRecipients(t *testing.T) {
	var (
		mu  sync.Mutex
		got []any
	)
	srv := newAPIServer(t, func(t *testing.T, r *http.Request, body map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, body["chat_id"])
	})
	srv.queue(apiReply{status: 200, body: `{"ok":true}`}, apiReply{status: 200, body: `{"ok":true}`})
	tg := Telegram{Token: testBotToken, BaseURL: srv.URL}
	ctx := context.Background()
	for _, to := range []string{"-1001234567890", "@spiker_piket"} {
		if err := tg.Send(ctx, to, testMessage); err != nil {
			t.Fatalf("Send to %s: %v", to, err)
		}
	}
	mu.Lock()
	if want := []any{float64(-1001234567890), "@spiker_piket"}; !reflect.DeepEqual(got, want) {
		t.Errorf("chat_id %v, want %v", got, want)
	}
	mu.Unlock()
	for _, to := range []string{"", "0", "abc", "123/../x", "@x"} {
		if err := tg.Send(ctx, to, testMessage); !errors.Is(err, ErrPermanent) {
			t.Errorf("to %q: error %v, want ErrPermanent", to, err)
		}
	}
	for _, token := range []string{"", "123:abc/../../x", "no-colon"} {
		bad := Telegram{Token: token, BaseURL: srv.URL}
		if err := bad.Send(ctx, "1", testMessage); !errors.Is(err, ErrPermanent) {
			t.Errorf("token %q: error %v, want ErrPermanent", token, err)
		}
	}
	if srv.requests() != 2 {
		t.Errorf("server got %d requests, want 2 (invalid input must not reach it)", srv.requests())
	}
}

// A network failure is temporary, and its error does not carry the URL, which holds the bot token.
func TestTelegramNetworkErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	err := Telegram{Token: testBotToken, BaseURL: base}.Send(context.Background(), "1", testMessage)
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("error %v, want temporary", err)
	}
	checkNoContent(t, err, testBotToken, "AAF-test")
}

func TestTelegramContextCanceled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := Telegram{Token: testBotToken, BaseURL: srv.URL}.Send(ctx, "1", testMessage)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrPermanent) {
		t.Fatalf("error %v, want a temporary error wrapping context.DeadlineExceeded", err)
	}
}

const (
	testWAToken   = "EAAGtestTOKENvalue"
	testWAPhoneID = "106540352242922"
)

func TestWhatsAppTemplate(t *testing.T) {
	want := jsonValue(t, `{
		"messaging_product": "whatsapp",
		"to": "6281234567890",
		"type": "template",
		"template": {
			"name": "spiker_alert",
			"language": {"code": "id"},
			"components": [{
				"type": "body",
				"parameters": [{"type": "text", "text": "`+testMessage.Link+`"}]
			}]
		}
	}`)
	srv := newAPIServer(t, func(t *testing.T, r *http.Request, body map[string]any) {
		checkWARequest(t, r)
		if !reflect.DeepEqual(body, want) {
			t.Errorf("body %#v,\nwant %#v", body, want)
		}
	})
	wa := WhatsApp{Token: testWAToken, PhoneNumberID: testWAPhoneID, Template: "spiker_alert", BaseURL: srv.URL,
		Client: srv.Client()}
	if wa.Channel() != "whatsapp" {
		t.Fatalf("Channel() = %q", wa.Channel())
	}
	ctx := context.Background()

	srv.queue(apiReply{status: 200, body: `{"messaging_product":"whatsapp","contacts":[{"input":"6281234567890",` +
		`"wa_id":"6281234567890"}],"messages":[{"id":"wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEjQ="}]}`})
	if err := wa.Send(ctx, "6281234567890", testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// A leading "+" is accepted and dropped.
	srv.queue(apiReply{status: 200, body: `{}`})
	if err := wa.Send(ctx, "+6281234567890", testMessage); err != nil {
		t.Fatalf("Send with +: %v", err)
	}

	srv.queue(apiReply{status: 500, body: `{"error":{"message":"An unknown error occurred","type":"OAuthException","code":1}}`})
	err := wa.Send(ctx, "6281234567890", testMessage)
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("500: error %v, want temporary", err)
	}

	srv.queue(apiReply{status: 429, header: map[string]string{"Retry-After": "30"},
		body: `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429}}`})
	err = wa.Send(ctx, "6281234567890", testMessage)
	if d, ok := RetryAfter(err); errors.Is(err, ErrPermanent) || !ok || d != 30*time.Second {
		t.Fatalf("429: error %v, RetryAfter %v %v; want temporary, 30s", err, d, ok)
	}

	// Meta reports throttling with HTTP 400 too; that is still temporary.
	srv.queue(apiReply{status: 400,
		body: `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056}}`})
	if err := wa.Send(ctx, "6281234567890", testMessage); err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("400/131056: error %v, want temporary", err)
	}

	for _, c := range []struct {
		status int
		code   string
		body   string
	}{
		{400, "132001/2494073", `{"error":{"message":"(#132001) Template name does not exist in the translation","type":"OAuthException","code":132001,"error_subcode":2494073,"error_data":{"messaging_product":"whatsapp","details":"template name (spiker_alert) does not exist in id"},"fbtrace_id":"AbC"}}`},
		{401, "190", `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}`},
		{403, "10", `{"error":{"message":"(#10) Application does not have permission for this action","type":"OAuthException","code":10}}`},
		{404, "", `not json`},
	} {
		srv.queue(apiReply{status: c.status, body: c.body})
		err := wa.Send(ctx, "6281234567890", testMessage)
		var e *Error
		if !errors.Is(err, ErrPermanent) || !errors.As(err, &e) || e.Status != c.status {
			t.Errorf("%d: error %v, want ErrPermanent with the status", c.status, err)
			continue
		}
		if c.code != "" && !strings.HasPrefix(e.Code, strings.Split(c.code, "/")[0]) {
			t.Errorf("%d: code %q, want %q", c.status, e.Code, c.code)
		}
		checkNoContent(t, err, testWAToken)
		t.Logf("%v", err)
	}
}

func TestWhatsAppSendText(t *testing.T) {
	const reply = "Terima kasih, laporan Anda sudah kami terima. Petugas akan menghubungi Anda."
	want := map[string]any{
		"messaging_product": "whatsapp",
		"to":                "6281234567890",
		"type":              "text",
		"text":              map[string]any{"body": reply},
	}
	srv := newAPIServer(t, func(t *testing.T, r *http.Request, body map[string]any) {
		checkWARequest(t, r)
		if !reflect.DeepEqual(body, want) {
			t.Errorf("body %#v,\nwant %#v", body, want)
		}
	})
	wa := WhatsApp{Token: testWAToken, PhoneNumberID: testWAPhoneID, BaseURL: srv.URL}
	ctx := context.Background()
	srv.queue(apiReply{status: 200, body: `{"messages":[{"id":"wamid.X"}]}`})
	if err := wa.SendText(ctx, "6281234567890", reply); err != nil {
		t.Fatalf("SendText: %v", err)
	}
	// Outside the 24-hour window: permanent, and the reply's words stay out of the error.
	srv.queue(apiReply{status: 400, body: `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException",` +
		`"code":131047,"error_data":{"details":"Message failed to send because more than 24 hours have passed: ` + reply + `"}}}`})
	err := wa.SendText(ctx, "6281234567890", reply)
	if !errors.Is(err, ErrPermanent) || strings.Contains(err.Error(), reply) {
		t.Fatalf("131047: error %v, want ErrPermanent without the text", err)
	}
	if err := wa.SendText(ctx, "6281234567890", "  "); !errors.Is(err, ErrPermanent) {
		t.Errorf("empty text: error %v", err)
	}
}

func TestWhatsAppInvalid(t *testing.T) {
	srv := newAPIServer(t, func(t *testing.T, r *http.Request, body map[string]any) {})
	ok := WhatsApp{Token: testWAToken, PhoneNumberID: testWAPhoneID, Template: "spiker_alert", BaseURL: srv.URL}
	ctx := context.Background()
	for _, to := range []string{"", "081234567890", "62 812 3456 7890", "62812345678901234", "abc"} {
		if err := ok.Send(ctx, to, testMessage); !errors.Is(err, ErrPermanent) {
			t.Errorf("to %q: error %v, want ErrPermanent", to, err)
		}
	}
	for name, wa := range map[string]WhatsApp{
		"no token":       {PhoneNumberID: testWAPhoneID, Template: "spiker_alert", BaseURL: srv.URL},
		"bad phone id":   {Token: testWAToken, PhoneNumberID: "../me", Template: "spiker_alert", BaseURL: srv.URL},
		"no template":    {Token: testWAToken, PhoneNumberID: testWAPhoneID, BaseURL: srv.URL},
		"template caps":  {Token: testWAToken, PhoneNumberID: testWAPhoneID, Template: "Spiker", BaseURL: srv.URL},
		"empty phone id": {Token: testWAToken, Template: "spiker_alert", BaseURL: srv.URL},
	} {
		if err := wa.Send(ctx, "6281234567890", testMessage); !errors.Is(err, ErrPermanent) {
			t.Errorf("%s: error %v, want ErrPermanent", name, err)
		}
	}
	if srv.requests() != 0 {
		t.Errorf("server got %d requests for invalid input", srv.requests())
	}
}

func checkWARequest(t *testing.T, r *http.Request) {
	t.Helper()
	if r.Method != http.MethodPost || r.URL.Path != "/"+testWAPhoneID+"/messages" {
		t.Errorf("%s %s, want POST /<phone-number-id>/messages", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testWAToken {
		t.Errorf("Authorization %q", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}
