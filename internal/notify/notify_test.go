package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The four senders satisfy Sender.
var _ = []Sender{SMTP{}, Telegram{}, WhatsApp{}, WebPush{}}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"-3", 0},
		{"99999999999999999", maxWait},
		{"9223372036854775807", maxWait},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{now.Add(1000 * time.Hour).Format(http.TimeFormat), maxWait},
		{"soon", 0},
	} {
		if got := parseRetryAfter(c.in, now); got != c.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	// A date without the response's Date to measure it from is ignored.
	if got := parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), time.Time{}); got != 0 {
		t.Errorf("a Retry-After date without a Date header: %v", got)
	}
}

func TestRetryAfter(t *testing.T) {
	if _, ok := RetryAfter(nil); ok {
		t.Error("nil error has a delay")
	}
	if _, ok := RetryAfter(errors.New("x")); ok {
		t.Error("plain error has a delay")
	}
	e := fmt.Errorf("outbox: %w", &Error{Channel: "telegram", Op: "sendMessage", Status: 429, Wait: 3 * time.Second})
	if d, ok := RetryAfter(e); !ok || d != 3*time.Second {
		t.Errorf("wrapped: %v %v", d, ok)
	}
	if errors.Is(e, ErrPermanent) {
		t.Error("temporary error is permanent")
	}
	p := fmt.Errorf("outbox: %w", &Error{Channel: "email", Op: "RCPT", Status: 550, Permanent: true})
	if !errors.Is(p, ErrPermanent) {
		t.Error("permanent error is not ErrPermanent")
	}
}

func TestMessageValidate(t *testing.T) {
	if err := testMessage.validate("x"); err != nil {
		t.Fatalf("valid message: %v", err)
	}
	for name, m := range map[string]Message{
		"empty subject":   {Text: "a", Link: "https://x.example/"},
		"newline subject": {Subject: "a\nb", Text: "a", Link: "https://x.example/"},
		"long subject":    {Subject: strings.Repeat("a", MaxSubject+1), Text: "a", Link: "https://x.example/"},
		"empty text":      {Subject: "a", Link: "https://x.example/"},
		"long text":       {Subject: "a", Text: strings.Repeat("é", MaxText+1), Link: "https://x.example/"},
		"control in text": {Subject: "a", Text: "a\x1b[31m", Link: "https://x.example/"},
		"invalid UTF-8":   {Subject: "a", Text: "a\xff", Link: "https://x.example/"},
		"relative link":   {Subject: "a", Text: "a", Link: "/kantor/laporan/1"},
		"javascript link": {Subject: "a", Text: "a", Link: "javascript:alert(1)"},
		"link with space": {Subject: "a", Text: "a", Link: "https://x.example/a b"},
		"link with user":  {Subject: "a", Text: "a", Link: "https://u:p@x.example/"},
		"link too long":   {Subject: "a", Text: "a", Link: "https://x.example/" + strings.Repeat("a", MaxLink)},
		"no link":         {Subject: "a", Text: "a"},
	} {
		err := m.validate("email")
		if !errors.Is(err, ErrPermanent) {
			t.Errorf("%s: error %v, want ErrPermanent", name, err)
		}
	}
	// Two sentences with a line break are fine.
	ok := Message{Subject: "a", Text: "Satu.\nDua.", Link: "http://intranet.example/kantor"}
	if err := ok.validate("x"); err != nil {
		t.Errorf("two lines: %v", err)
	}
}

// Every sender refuses an invalid message before touching the network.
func TestSendersValidate(t *testing.T) {
	bad := Message{Subject: "a", Text: "a", Link: "not a url"}
	for _, s := range []Sender{
		SMTP{Host: "127.0.0.1", Port: 1, From: "a@b.example"},
		Telegram{Token: testBotToken, BaseURL: "http://127.0.0.1:1"},
		WhatsApp{Token: "t", PhoneNumberID: "1", Template: "x", BaseURL: "http://127.0.0.1:1"},
		WebPush{},
	} {
		err := s.Send(context.Background(), "x", bad)
		var e *Error
		if !errors.Is(err, ErrPermanent) || !errors.As(err, &e) || e.Op != "message" || e.Channel != s.Channel() {
			t.Errorf("%s: error %v, want a permanent message error", s.Channel(), err)
		}
	}
}

func TestDescribe(t *testing.T) {
	m := Message{Subject: "Judul rahasia", Text: "Isi yang tidak boleh bocor", Link: "https://x.example/l/1"}
	got := describe("Bad Request: can't parse \"Isi yang tidak boleh bocor\" at https://x.example/l/1\n\tend", m.sensitive()...)
	if want := `Bad Request: can't parse "[redacted]" at [redacted] end`; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	long := describe(strings.Repeat("é", 400))
	if len(long) > maxDescription+len("…") || !strings.HasSuffix(long, "…") {
		t.Errorf("long description: %d bytes", len(long))
	}
	if !strings.HasPrefix(long, "é") || strings.ContainsRune(long, '\uFFFD') {
		t.Errorf("long description cut inside a character")
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Channel: "whatsapp", Op: "messages", Status: 400, Code: "131026", Description: "Message undeliverable",
		Permanent: true}
	if got, want := e.Error(), "whatsapp: messages: status 400 (code 131026): Message undeliverable [permanent]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{Channel: "telegram", Op: "sendMessage", Status: 429, Wait: 5 * time.Second}
	if got, want := e.Error(), "telegram: sendMessage: status 429 [retry after 5s]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
