package notify

import (
	"context"
	"time"

	"github.com/spikerperak/spiker/internal/jobs"
)

// StartPoller runs the bot's long poller in the background until
// StopPoller. Every node runs one; a lease in the database lets one at a
// time poll.
func (o *Office) StartPoller() {
	p := &telegramPoller{o: o, node: jobs.NodeName()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	o.bot.mu.Lock()
	o.bot.wake = make(chan struct{}, 1)
	wake := o.bot.wake
	o.bot.stop = func() {
		cancel()
		<-done
	}
	o.bot.mu.Unlock()
	go func() {
		defer close(done)
		p.run(ctx, wake)
	}()
}

// StopPoller stops the long poller, which gives its lease back. Without
// one it does nothing.
func (o *Office) StopPoller() {
	b := &o.bot
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
	o    *Office
	node string
}

// run sets the bot up as this process's configuration says (webhook or
// polling: the public address may have changed since the admin saved it),
// then polls until ctx ends and gives the poll back.
func (p *telegramPoller) run(ctx context.Context, wake <-chan struct{}) {
	defer func() {
		release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := p.o.Users.ReleaseTelegramPoll(release, p.node); err != nil {
			p.o.Logger.Warn("telegram: giving the poll back", "err", err)
		}
	}()
	if c, err := p.o.Duty.ChannelSettings(ctx); err == nil {
		p.logUnlessStopping(ctx, "telegram: setting the bot up", p.o.setUpTelegram(ctx, c))
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
	c, err := p.o.Duty.ChannelSettings(ctx)
	if err != nil || c.TelegramToken == "" || p.o.telegramWebhookURL() != "" {
		p.logUnlessStopping(ctx, "telegram: reading the channel settings", err)
		return telegramIdle
	}
	bot := botID(c.TelegramToken)
	offset, held, err := p.o.Users.ClaimTelegramPoll(ctx, p.node, bot, telegramLease)
	if err != nil || !held {
		p.logUnlessStopping(ctx, "telegram: claiming the poll", err)
		return telegramIdle
	}
	updates, err := p.o.BotAPI(c).GetUpdates(ctx, offset, telegramWait)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		p.o.Logger.Warn("telegram: polling for updates failed", "err", err)
		if d, ok := RetryAfter(err); ok {
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
		if err := p.o.takeTelegramUpdate(ctx, c, u); err != nil {
			p.o.Logger.Error("telegram: taking an update", "err", err)
			wait = telegramIdle
			break
		}
		offset = u.ID + 1
	}
	p.logUnlessStopping(ctx, "telegram: saving the offset", p.o.Users.SaveTelegramOffset(ctx, p.node, bot, offset))
	return wait
}

// logUnlessStopping logs a failure that is not the shutdown's doing.
func (p *telegramPoller) logUnlessStopping(ctx context.Context, msg string, err error) {
	if err != nil && ctx.Err() == nil {
		p.o.Logger.Error(msg, "err", err)
	}
}
