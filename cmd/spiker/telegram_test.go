package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

const fakeBotToken = "123456:uji-token_bot"

// fakeBot stands in for the Telegram Bot API (/bot<token>/<method>):
// getMe, setWebhook, deleteWebhook, getUpdates with long polling (and 409
// to a second poller at once) and sendMessage, recording what it is sent.
type fakeBot struct {
	*httptest.Server
	mu        sync.Mutex
	updates   []map[string]any
	arrived   chan struct{} // closed and replaced when an update is queued
	polling   int
	conflicts int
	offsets   []int64
	webhook   map[string]any
	sent      []map[string]any
}

func newFakeBot(t *testing.T) *fakeBot {
	f := &fakeBot{arrived: make(chan struct{})}
	f.Server = httptest.NewServer(f)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+fakeBotToken+"/")
	var params map[string]any
	if json.NewDecoder(r.Body).Decode(&params) != nil || !ok {
		w.WriteHeader(404)
		io.WriteString(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	f.mu.Lock()
	var result any = true
	switch method {
	case "getMe":
		result = map[string]any{"id": 123456, "is_bot": true, "first_name": "Spiker Uji", "username": "spiker_uji_bot"}
	case "setWebhook":
		f.webhook = params
	case "sendMessage":
		f.sent = append(f.sent, params)
		result = map[string]any{"message_id": len(f.sent)}
	case "getUpdates":
		f.mu.Unlock()
		f.getUpdates(w, r, int64(params["offset"].(float64)))
		return
	}
	f.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

// getUpdates answers with the queued updates from offset on, waiting a
// little for one to come, as Telegram's long polling does.
func (f *fakeBot) getUpdates(w http.ResponseWriter, r *http.Request, offset int64) {
	f.mu.Lock()
	f.offsets = append(f.offsets, offset)
	if f.polling > 0 {
		f.conflicts++
		f.mu.Unlock()
		w.WriteHeader(409)
		io.WriteString(w, `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`)
		return
	}
	f.polling++
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.polling--; f.mu.Unlock() }()
	give := time.After(300 * time.Millisecond)
	for {
		f.mu.Lock()
		ups := []map[string]any{}
		for _, u := range f.updates {
			if int64(u["update_id"].(int)) >= offset {
				ups = append(ups, u)
			}
		}
		arrived := f.arrived
		f.mu.Unlock()
		if len(ups) > 0 {
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": ups})
			return
		}
		select {
		case <-arrived:
		case <-give:
			io.WriteString(w, `{"ok":true,"result":[]}`)
			return
		case <-r.Context().Done():
			return
		}
	}
}

// message is an update with a message from a chat.
func message(id int, chat int64, kind, text string) map[string]any {
	return map[string]any{"update_id": id, "message": map[string]any{"message_id": id, "date": 1767225600,
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Petugas"},
		"chat": map[string]any{"id": chat, "type": kind, "first_name": "Petugas"}, "text": text}}
}

// push queues an update for getUpdates.
func (f *fakeBot) push(u map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, u)
	close(f.arrived)
	f.arrived = make(chan struct{})
}

// repliesTo returns the texts sent to a chat.
func (f *fakeBot) repliesTo(chat int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.sent {
		if p["chat_id"] == float64(chat) {
			out = append(out, p["text"].(string))
		}
	}
	return out
}

// waitFor waits until cond holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// botAPIFor answers the Bot API methods the bot calls by itself (getMe,
// webhook set-up, getUpdates with nothing new) and gives sendMessage to h:
// for tests about alerts, which count what is sent.
func botAPIFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/sendMessage"):
			h.ServeHTTP(w, r)
		case strings.HasSuffix(r.URL.Path, "/getMe"):
			io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"username":"spiker_uji_bot"}}`)
		case strings.HasSuffix(r.URL.Path, "/getUpdates"):
			io.WriteString(w, `{"ok":true,"result":[]}`)
		default:
			io.WriteString(w, `{"ok":true,"result":true}`)
		}
	})
}

var startCodeRE = regexp.MustCompile(`<code>/start ([0-9A-Z]{8})</code>`)

// telegramStaff is a signed-in staff member's browser, on the account page.
type telegramStaff struct {
	t      *testing.T
	p      *portal
	csrf   string
	actor  *spiker.Actor
	duty   store.DutyService
	linked func() string
}

func signInStaff(t *testing.T, m *Main, name, secret string, at time.Time) *telegramStaff {
	t.Helper()
	s := &telegramStaff{t: t, p: newPortal(t, m), duty: store.DutyService{Store: m.Store}}
	s.csrf = signIn(t, s.p, name, secret, at)
	var err error
	if s.actor, err = m.Users.Authenticate(context.Background(), name, "tubruk pasar sapi kabut"); err != nil {
		t.Fatal(err)
	}
	s.linked = func() string {
		ch, err := s.duty.Channels(context.Background(), s.actor)
		if err != nil {
			t.Fatal(err)
		}
		return ch["telegram"]
	}
	return s
}

// newCode asks the account page for a linking code.
func (s *telegramStaff) newCode() (string, string) {
	s.t.Helper()
	resp, page := s.p.post("/staf/akun/telegram", url.Values{"csrf": {s.csrf}}, nil)
	m := startCodeRE.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		s.t.Fatalf("a linking code: %d %.600s", resp.StatusCode, page)
	}
	return m[1], page
}

// TestTelegramLinking: the admin sets the bot up; a staff member gets a
// one-time code on the account page and sends it to the bot; by long
// polling, then (after a restart with a public https address) by webhook
// with its secret token, the chat is linked and answered, and an alert
// then reaches that chat. Wrong, reused and expired codes link nothing,
// no chat id is typed anywhere, the next offset survives the restart, and
// a forged or broken webhook delivery is refused.
func TestTelegramLinking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		dir := t.TempDir()
		bot := newFakeBot(t)
		var skew atomic.Int64 // the program's clock runs this far ahead
		clock := func() time.Time { return time.Now().UTC().Add(time.Duration(skew.Load())) }
		m, logs := startMain(t, dir, dbURL, func(c *Config) { c.Clock = clock; c.TelegramAPI = bot.URL })
		secret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
		adminSecret := addStaffWithTOTP(t, m, "admin.it", spiker.RoleAdmin, "35.24")
		sup := signInStaff(t, m, "kepala.uptd", secret, clock())

		// Before the bot is set up: no code, no webhook, no chat-id field.
		_, page := sup.p.get("/staf/akun")
		if !strings.Contains(page, "Admin belum menyiapkan bot Telegram") || strings.Contains(page, `name="telegram"`) {
			t.Fatalf("the account page without a bot: %.2000s", page)
		}
		if resp, _ := sup.p.post("/staf/akun/telegram", url.Values{"csrf": {sup.csrf}}, nil); resp.StatusCode != 422 {
			t.Fatalf("a code without a bot: %d", resp.StatusCode)
		}
		if code := postTelegram(t, "http://"+m.PublicAddr(), "x", message(1, 1, "private", "x")); code != 404 {
			t.Fatalf("the webhook without a bot: %d", code)
		}

		// The admin sets the bot up: without a public address it polls.
		admin := signInStaff(t, m, "admin.it", adminSecret, clock())
		resp, page := admin.p.post("/staf/saluran", url.Values{"csrf": {admin.csrf}, "telegram_token": {fakeBotToken}}, nil)
		if resp.StatusCode != 200 || !strings.Contains(page, "Pengaturan saluran tersimpan") {
			t.Fatalf("saving the bot: %d %.600s", resp.StatusCode, page)
		}
		bot.mu.Lock()
		if bot.webhook != nil || bot.sent != nil {
			t.Fatal("a webhook was set without a public address, or a message was sent")
		}
		bot.mu.Unlock()

		// The code, the t.me link and the words to send.
		code, page := sup.newCode()
		if !strings.Contains(page, `href="https://t.me/spiker_uji_bot?start=`+code+`"`) || !strings.Contains(page, "@spiker_uji_bot") {
			t.Fatalf("no deep link on the account page: %.3000s", page)
		}
		reply := func(chat int64, want string) {
			t.Helper()
			waitFor(t, fmt.Sprintf("the bot's answer %q", want), func() bool {
				r := bot.repliesTo(chat)
				return len(r) > 0 && strings.Contains(r[len(r)-1], want)
			})
		}
		bot.push(message(101, 7001, "private", "/start ZZZZ2222"))
		reply(7001, "tidak berlaku")
		bot.push(message(102, 7002, "group", "/start "+code))
		bot.push(message(103, 7003, "private", "/start "+code))
		reply(7003, "sudah tertaut")
		if sup.linked() != "7003" || len(bot.repliesTo(7002)) != 0 {
			t.Fatalf("linked to %q; answers in the group %v", sup.linked(), bot.repliesTo(7002))
		}
		for _, r := range bot.repliesTo(7003) {
			if strings.Contains(r, "kepala") {
				t.Fatalf("the bot's answer names the account: %q", r)
			}
		}
		bot.push(message(104, 7004, "private", "/start "+code))
		reply(7004, "tidak berlaku")
		expiring, _ := sup.newCode()
		skew.Add(int64(spiker.LinkCodeTTL + time.Minute))
		bot.push(message(105, 7005, "private", strings.ToLower(expiring)))
		reply(7005, "tidak berlaku")
		if sup.linked() != "7003" {
			t.Fatalf("a used or expired code moved the address to %q", sup.linked())
		}
		if _, page := sup.p.get("/staf/akun"); !strings.Contains(page, "Telegram sudah tertaut") || !strings.Contains(page, "/staf/akun/telegram/lepas") {
			t.Fatalf("the account page does not say Telegram is linked: %.3000s", page)
		}

		// An alert reaches the linked chat.
		newAlert(t, m)
		reply(7003, "/staf/laporan/")

		// Unlinking stops it; the next offset stays in the database.
		if resp, page := sup.p.post("/staf/akun/telegram/lepas", url.Values{"csrf": {sup.csrf}}, nil); resp.StatusCode != 200 || sup.linked() != "" ||
			!strings.Contains(page, "Telegram belum tertaut") {
			t.Fatalf("unlinking: %d %q", resp.StatusCode, sup.linked())
		}
		waitFor(t, "the next offset after the last update", func() bool {
			var offset int64
			return m.DB.Get(ctx, `SELECT next_offset FROM telegram_poll`, nil, &offset) == nil && offset == 106
		})
		answered := len(bot.repliesTo(7003)) + len(bot.repliesTo(7001))
		m.Close()

		// A restart with a public https address: the webhook is set with a
		// secret token, nothing is polled or answered again, and only
		// deliveries bearing the secret are taken.
		bot.mu.Lock()
		polled := len(bot.offsets)
		bot.mu.Unlock()
		m, logs2 := startMain(t, dir, dbURL, func(c *Config) { c.Clock = clock; c.PublicURL = "https://spiker.example/"; c.TelegramAPI = bot.URL })
		waitFor(t, "the webhook's set-up", func() bool { bot.mu.Lock(); defer bot.mu.Unlock(); return bot.webhook != nil })
		bot.mu.Lock()
		hook := bot.webhook
		bot.mu.Unlock()
		token, _ := hook["secret_token"].(string)
		if hook["url"] != "https://spiker.example/telegram/webhook" || len(token) < 32 {
			t.Fatalf("setWebhook %v", hook)
		}
		sup = signInStaff(t, m, "kepala.uptd", secret, clock().Add(30*time.Second))
		code, _ = sup.newCode()
		base := "http://" + m.PublicAddr()
		for _, c := range []struct {
			secret string
			body   any
			want   int
		}{
			{"", message(201, 7101, "private", "/start "+code), 401},
			{"salah", message(201, 7101, "private", "/start "+code), 403},
			{token[:len(token)-1] + "x", message(201, 7101, "private", "/start "+code), 403},
			{token, "{bukan json", 400},
			{token, map[string]any{"message": map[string]any{"text": "/start " + code}}, 400},
			{token, strings.Repeat(" ", 300<<10), 413},
			{token, map[string]any{"update_id": 200, "edited_message": map[string]any{"chat": map[string]any{"id": 7101}}}, 200},
			{token, message(201, 7101, "private", "/start "+code), 200},
			{token, message(201, 7101, "private", "/start "+code), 200}, // redelivered
		} {
			if got := postTelegram(t, base, c.secret, c.body); got != c.want {
				t.Fatalf("webhook delivery with secret %.6q: %d, want %d", c.secret, got, c.want)
			}
			if c.want != 200 && sup.linked() != "" {
				t.Fatalf("a refused delivery (%d) linked the chat", c.want)
			}
		}
		if r := bot.repliesTo(7101); sup.linked() != "7101" || len(r) != 1 || !strings.Contains(r[0], "sudah tertaut") {
			t.Fatalf("by webhook: linked %q, answers %v", sup.linked(), r)
		}
		newAlert(t, m)
		reply(7101, "/staf/laporan/")

		if n := len(bot.repliesTo(7003)) + len(bot.repliesTo(7001)); n != answered {
			t.Errorf("%d answers before the restart, %d after", answered, n)
		}
		bot.mu.Lock()
		if len(bot.offsets) != polled || bot.conflicts != 0 {
			t.Errorf("polled %d times in webhook mode; %d conflicts", len(bot.offsets)-polled, bot.conflicts)
		}
		bot.mu.Unlock()
		for _, never := range []string{code, "7101", "7003", "spiker.example", token} {
			if strings.Contains(logs.String()+logs2.String(), never) {
				t.Errorf("the log holds %q", never)
			}
		}
	})
}

// postTelegram delivers an update to the webhook as Telegram does, with
// the secret token (none when empty), and returns the status.
func postTelegram(t *testing.T, base, secret string, body any) int {
	t.Helper()
	b, ok := body.(string)
	if !ok {
		raw, _ := json.Marshal(body)
		b = string(raw)
	}
	req, _ := http.NewRequest("POST", base+"/telegram/webhook", bytes.NewReader([]byte(b)))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// newAlert files a report, whose alert goes to every supervisor when
// nobody is on the roster.
func newAlert(t *testing.T, m *Main) {
	t.Helper()
	r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban,
		ViolenceTypes: []string{"Psikis"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "diancam"}}
	if _, err := m.Reports.CreateReport(context.Background(), r, ""); err != nil {
		t.Fatal(err)
	}
	m.Jobs.Wake()
}
