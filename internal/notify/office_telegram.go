package notify

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

// The office's Telegram bot takes staff members' linking codes. Telegram
// delivers its updates by webhook where the public portal has an https
// address (PublicURL), and the office long-polls for them otherwise.

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

// BotAPI is the Bot API client for the configured bot, at the Bot API's
// address: the official one unless the operator's configuration overrides
// it (never the web settings).
func (o *Office) BotAPI(c *spiker.ChannelSettings) Telegram {
	return Telegram{Token: c.TelegramToken, BaseURL: o.TelegramAPI}
}

// botID is the public half of a bot token: the bot's id.
func botID(token string) string {
	id, _, _ := strings.Cut(token, ":")
	return id
}

// telegramWebhookURL is where Telegram delivers the bot's updates, or ""
// when the portal has no public https address (long polling).
func (o *Office) telegramWebhookURL() string {
	if !strings.HasPrefix(o.PublicURL, "https://") {
		return ""
	}
	return strings.TrimRight(o.PublicURL, "/") + "/telegram/webhook"
}

// botUsername returns the bot's username, asking Telegram once per token
// and not again for a few minutes after it did not answer.
func (o *Office) botUsername(ctx context.Context, c *spiker.ChannelSettings) (string, error) {
	b := &o.bot
	b.mu.Lock()
	if b.token == c.TelegramToken && (b.username != "" || o.Clock.Now().Sub(b.failedAt) < telegramQuiet) {
		name := b.username
		b.mu.Unlock()
		return name, nil
	}
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, telegramAsk)
	defer cancel()
	name, err := o.BotAPI(c).GetMe(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.token, b.username, b.failedAt = c.TelegramToken, name, time.Time{}
	if err != nil {
		b.failedAt = o.Clock.Now()
	}
	return name, err
}

// setUpTelegram tells Telegram where the bot's updates go, after the admin
// saved the channels: to the webhook with its secret when the portal has a
// public https address, else to nobody, for the office's long polling,
// which it wakes. Asking the bot's username first checks the token.
func (o *Office) setUpTelegram(ctx context.Context, c *spiker.ChannelSettings) error {
	if c.TelegramToken == "" {
		return nil
	}
	o.bot.mu.Lock()
	o.bot.token = "" // a new token, or the same one again: ask afresh
	o.bot.mu.Unlock()
	if _, err := o.botUsername(ctx, c); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, telegramAsk)
	defer cancel()
	if hook := o.telegramWebhookURL(); hook != "" {
		return o.BotAPI(c).SetWebhook(ctx, hook, c.TelegramWebhookSecret)
	}
	defer o.bot.wakePoller()
	return o.BotAPI(c).DeleteWebhook(ctx)
}

// TelegramBot says whether the bot is set up, and its username.
func (o *Office) TelegramBot(ctx context.Context) (bool, string) {
	c, err := o.Duty.ChannelSettings(ctx)
	if err != nil || c.TelegramToken == "" {
		return false, ""
	}
	name, err := o.botUsername(ctx, c)
	if err != nil {
		o.Logger.Warn("telegram: asking the bot's username", "err", err)
	}
	return true, name
}

// NewTelegramCode makes a linking code for the actor's account.
func (o *Office) NewTelegramCode(ctx context.Context, actor *spiker.Actor) (string, time.Time, error) {
	return o.Users.NewTelegramCode(ctx, actor)
}

// TelegramWebhookSecret is the secret the webhook's deliveries must carry,
// or "" when the bot is not set up or the portal has no public https
// address, and so the webhook does not exist.
func (o *Office) TelegramWebhookSecret(ctx context.Context) (string, error) {
	c, err := o.Duty.ChannelSettings(ctx)
	if err != nil {
		return "", err
	}
	if c.TelegramToken == "" || c.TelegramWebhookSecret == "" || o.telegramWebhookURL() == "" {
		return "", nil
	}
	return c.TelegramWebhookSecret, nil
}

// TakeTelegramUpdate takes an update that Telegram POSTed to the webhook.
// An unreadable one is an ErrTelegramUpdate; any other error means it was
// not taken, and Telegram delivers it again later.
func (o *Office) TakeTelegramUpdate(ctx context.Context, body []byte) error {
	u, err := ParseTelegramUpdate(body)
	if err != nil {
		// The reason names a position in the body, never its text.
		return err
	}
	c, err := o.Duty.ChannelSettings(ctx)
	if err != nil {
		return err
	}
	return o.takeTelegramUpdate(ctx, c, u)
}

// takeTelegramUpdate takes one update of the bot, from the webhook or a
// poll: a private message's code links its chat, and the bot answers in
// that chat, in Indonesian, saying nothing of whose account it is. The
// answer is sent after the commit, once: a failed one is logged, not
// retried. Groups, channels and edits are left alone.
func (o *Office) takeTelegramUpdate(ctx context.Context, c *spiker.ChannelSettings, u TelegramUpdate) error {
	if !u.Private {
		return nil
	}
	code, _ := TelegramStart(u.Text)
	out, err := o.Users.TakeTelegramMessage(ctx, botID(c.TelegramToken), u.ID, u.ChatID, code)
	if err != nil || out == spiker.TelegramIgnored {
		return err
	}
	text := locale.Printer{Lang: "id"}.Text("telegram.reply." + string(out))
	if err := o.BotAPI(c).SendText(ctx, u.ChatID, text); err != nil {
		o.Logger.Warn("telegram: the bot's answer was not sent", "outcome", string(out), "err", err)
	}
	return nil
}
