package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/locale"
	"github.com/spikerperak/spiker/internal/notify"
	"github.com/spikerperak/spiker/internal/store"
)

// The office's Telegram bot takes staff members' linking codes. Telegram
// delivers its updates by webhook where the public portal has an https
// address (--public-url), and this program long-polls for them otherwise.

const (
	telegramWait  = 25 * time.Second // how long one getUpdates waits for a message
	telegramLease = 90 * time.Second // how long a node holds the poll: more than one getUpdates
	telegramIdle  = 30 * time.Second // how soon a node that does not poll looks again
	telegramAsk   = 10 * time.Second // how long a call to the Bot API from a request may take
	// telegramQuiet is how long the bot's username is not asked for again
	// after Telegram did not answer, so that account pages stay quick.
	telegramQuiet = 5 * time.Minute
)

// telegramBot is the bot's state in this process: its username, asked of
// Telegram once per token, and the poller's wake-up.
type telegramBot struct {
	mu       sync.Mutex
	token    string
	username string
	failedAt time.Time
	wake     chan struct{}
	stop     func()
}

// botAPI is the Bot API client for the configured bot, at the Bot API's
// address: the official one unless the operator's configuration overrides
// it (never the web settings).
func (m *Main) botAPI(c *spiker.ChannelSettings) notify.Telegram {
	return notify.Telegram{Token: c.TelegramToken, BaseURL: m.Config.TelegramAPI}
}

// botID is the public half of a bot token: the bot's id.
func botID(token string) string {
	id, _, _ := strings.Cut(token, ":")
	return id
}

// telegramWebhookURL is where Telegram delivers the bot's updates, or ""
// when the portal has no public https address (long polling).
func (m *Main) telegramWebhookURL() string {
	if !strings.HasPrefix(m.Config.PublicURL, "https://") {
		return ""
	}
	return strings.TrimRight(m.Config.PublicURL, "/") + "/telegram/webhook"
}

// checkPublicURL refuses a --public-url that Telegram could not deliver to.
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--public-url (SPIKER_PUBLIC_URL) %q is not the https:// address of the public portal", raw)
	}
	return nil
}

// botUsername returns the bot's username, asking Telegram once per token
// and not again for a few minutes after it did not answer.
func (m *Main) botUsername(ctx context.Context, c *spiker.ChannelSettings) (string, error) {
	b := &m.telegram
	b.mu.Lock()
	if b.token == c.TelegramToken && (b.username != "" || m.DB.Now().Sub(b.failedAt) < telegramQuiet) {
		name := b.username
		b.mu.Unlock()
		return name, nil
	}
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, telegramAsk)
	defer cancel()
	name, err := m.botAPI(c).GetMe(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.token, b.username, b.failedAt = c.TelegramToken, name, time.Time{}
	if err != nil {
		b.failedAt = m.DB.Now()
	}
	return name, err
}

// setUpTelegram tells Telegram where the bot's updates go, after the admin
// saved the channels: to the webhook with its secret when the portal has a
// public https address, else to nobody, for this program's long polling,
// which it wakes. Asking the bot's username first checks the token.
func (m *Main) setUpTelegram(ctx context.Context, c *spiker.ChannelSettings) error {
	if c.TelegramToken == "" {
		return nil
	}
	m.telegram.mu.Lock()
	m.telegram.token = "" // a new token, or the same one again: ask afresh
	m.telegram.mu.Unlock()
	if _, err := m.botUsername(ctx, c); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, telegramAsk)
	defer cancel()
	if hook := m.telegramWebhookURL(); hook != "" {
		return m.botAPI(c).SetWebhook(ctx, hook, c.TelegramWebhookSecret)
	}
	defer m.telegram.wakePoller()
	return m.botAPI(c).DeleteWebhook(ctx)
}

// newWebhookSecret makes the secret Telegram sends with each delivery.
func newWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// telegramWebhook takes the bot's updates that Telegram POSTs, when the
// portal has a public https address and the bot is set up; otherwise it
// does not exist. Every well-formed update is answered 200, taken or not,
// so that Telegram does not deliver it again.
func (m *Main) telegramWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := store.DutyService{Store: m.Store}.ChannelSettings(ctx)
	if err != nil {
		m.Logger.Error("telegram webhook: channel settings", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if c.TelegramToken == "" || c.TelegramWebhookSecret == "" || m.telegramWebhookURL() == "" {
		http.NotFound(w, r)
		return
	}
	switch got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token"); {
	case got == "":
		http.Error(w, "no secret token", http.StatusUnauthorized)
		return
	case subtle.ConstantTimeCompare([]byte(got), []byte(c.TelegramWebhookSecret)) != 1:
		http.Error(w, "wrong secret token", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, notify.MaxTelegramUpdate))
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	u, err := notify.ParseTelegramUpdate(body)
	if err != nil {
		// The reason names a position in the body, never its text.
		m.Logger.Warn("telegram webhook: unreadable update", "err", err)
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	if err := m.takeTelegramUpdate(ctx, c, u); err != nil {
		// Not acknowledged: Telegram delivers it again later.
		m.Logger.Error("telegram webhook: taking an update", "err", err)
		http.Error(w, "not taken", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// takeTelegramUpdate takes one update of the bot, from the webhook or a
// poll: a private message's code links its chat, and the bot answers in
// that chat, in Indonesian, saying nothing of whose account it is. The
// answer is sent after the commit, once: a failed one is logged, not
// retried. Groups, channels and edits are left alone.
func (m *Main) takeTelegramUpdate(ctx context.Context, c *spiker.ChannelSettings, u notify.TelegramUpdate) error {
	if !u.Private {
		return nil
	}
	code, _ := notify.TelegramStart(u.Text)
	out, err := store.TelegramService{Store: m.Store}.TakeTelegramMessage(ctx, botID(c.TelegramToken), u.ID, u.ChatID, code)
	if err != nil || out == spiker.TelegramIgnored {
		return err
	}
	text := locale.Printer{Lang: "id"}.Text("telegram.reply." + string(out))
	if err := m.botAPI(c).SendText(ctx, u.ChatID, text); err != nil {
		m.Logger.Warn("telegram: the bot's answer was not sent", "outcome", string(out), "err", err)
	}
	return nil
}

// startTelegram runs the long poller in the background until Close. Every
// node runs one; a lease in the database lets one at a time poll.
func (m *Main) startTelegram() {
	p := &telegramPoller{m: m, node: jobs.NodeName(), tg: store.TelegramService{Store: m.Store}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	m.telegram.mu.Lock()
	m.telegram.wake = make(chan struct{}, 1)
	wake := m.telegram.wake
	m.telegram.stop = func() {
		cancel()
		<-done
	}
	m.telegram.mu.Unlock()
	go func() {
		defer close(done)
		p.run(ctx, wake)
	}()
}

// stopPoller stops the long poller, which gives its lease back.
func (b *telegramBot) stopPoller() {
	b.mu.Lock()
	stop := b.stop
	b.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// wakePoller makes the poller look at the settings now.
func (b *telegramBot) wakePoller() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// telegramPoller long-polls the bot where no webhook can reach this
// program. Nodes sharing a database take turns by a lease in it, since
// Telegram refuses a second getUpdates at once (409), and the next offset
// lives there too, so a restart neither loses nor repeats an update.
type telegramPoller struct {
	m    *Main
	node string
	tg   store.TelegramService
}

// run sets the bot up as this process's configuration says (webhook or
// polling: --public-url may have changed since the admin saved it), then
// polls until ctx ends and gives the poll back.
func (p *telegramPoller) run(ctx context.Context, wake <-chan struct{}) {
	defer func() {
		release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := p.tg.ReleaseTelegramPoll(release, p.node); err != nil {
			p.m.Logger.Warn("telegram: giving the poll back", "err", err)
		}
	}()
	if c, err := (store.DutyService{Store: p.m.Store}).ChannelSettings(ctx); err == nil {
		p.logUnlessStopping(ctx, "telegram: setting the bot up", p.m.setUpTelegram(ctx, c))
	}
	for {
		wait := p.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-time.After(wait):
		}
	}
}

// once polls once if the bot is set up for polling and this node holds the
// poll, and says how long to wait before the next time.
func (p *telegramPoller) once(ctx context.Context) time.Duration {
	c, err := store.DutyService{Store: p.m.Store}.ChannelSettings(ctx)
	if err != nil || c.TelegramToken == "" || p.m.telegramWebhookURL() != "" {
		p.logUnlessStopping(ctx, "telegram: reading the channel settings", err)
		return telegramIdle
	}
	bot := botID(c.TelegramToken)
	offset, held, err := p.tg.ClaimTelegramPoll(ctx, p.node, bot, telegramLease)
	if err != nil || !held {
		p.logUnlessStopping(ctx, "telegram: claiming the poll", err)
		return telegramIdle
	}
	updates, err := p.m.botAPI(c).GetUpdates(ctx, offset, telegramWait)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		p.m.Logger.Warn("telegram: polling for updates failed", "err", err)
		if d, ok := notify.RetryAfter(err); ok {
			return d
		}
		return telegramIdle
	}
	// An empty answer came after Telegram's long wait; a short pause more
	// keeps a service that answers at once from being asked in a loop.
	wait := time.Duration(0)
	if len(updates) == 0 {
		wait = time.Second
	}
	for _, u := range updates {
		if err := p.m.takeTelegramUpdate(ctx, c, u); err != nil {
			p.m.Logger.Error("telegram: taking an update", "err", err)
			wait = telegramIdle
			break
		}
		offset = u.ID + 1
	}
	p.logUnlessStopping(ctx, "telegram: saving the offset", p.tg.SaveTelegramOffset(ctx, p.node, bot, offset))
	return wait
}

// logUnlessStopping logs a failure that is not the shutdown's doing.
func (p *telegramPoller) logUnlessStopping(ctx context.Context, msg string, err error) {
	if err != nil && ctx.Err() == nil {
		p.m.Logger.Error(msg, "err", err)
	}
}

// telegramAccount is the account page's side of the bot.
type telegramAccount struct{ m *Main }

// TelegramBot says whether the bot is set up, and its username.
func (a telegramAccount) TelegramBot(ctx context.Context) (bool, string) {
	c, err := store.DutyService{Store: a.m.Store}.ChannelSettings(ctx)
	if err != nil || c.TelegramToken == "" {
		return false, ""
	}
	name, err := a.m.botUsername(ctx, c)
	if err != nil {
		a.m.Logger.Warn("telegram: asking the bot's username", "err", err)
	}
	return true, name
}

func (a telegramAccount) NewTelegramCode(ctx context.Context, actor *spiker.Actor) (string, time.Time, error) {
	return store.TelegramService{Store: a.m.Store}.NewTelegramCode(ctx, actor)
}
