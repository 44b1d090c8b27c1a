package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

// SaveChannelSettings saves the admin's channel settings and sets the
// Telegram bot up for them.
func (o *Office) SaveChannelSettings(ctx context.Context, actor *spiker.Actor, s *spiker.ChannelSettings) error {
	if s.VAPIDPrivate == "" {
		// Web push needs the server's own key pair: made once, kept.
		pub, priv, err := GenerateVAPIDKeys()
		if err != nil {
			return err
		}
		s.VAPIDPublic, s.VAPIDPrivate = pub, priv
	}
	if err := o.keepWebhookSecret(ctx, s); err != nil {
		return err
	}
	if err := o.Duty.SetChannelSettings(ctx, actor, s); err != nil {
		return err
	}
	if err := o.setUpTelegram(ctx, s); err != nil {
		o.Logger.Warn("telegram: setting the bot up", "err", err)
		return &spiker.Error{Code: spiker.EINVALID, Message: "saved, but Telegram did not take the bot's set-up",
			Fields: map[string]string{"telegram_token": "channels.err.telegram_setup"}}
	}
	return nil
}

// keepWebhookSecret gives the Telegram webhook its secret: the stored one
// while the token stays, a new one with a new token, none without a token.
func (o *Office) keepWebhookSecret(ctx context.Context, s *spiker.ChannelSettings) error {
	old, err := o.Duty.ChannelSettings(ctx)
	if err != nil {
		return err
	}
	switch {
	case s.TelegramToken == "":
		s.TelegramWebhookSecret = ""
	case s.TelegramWebhookSecret != "":
	case s.TelegramToken == old.TelegramToken && old.TelegramWebhookSecret != "":
		s.TelegramWebhookSecret = old.TelegramWebhookSecret
	default:
		s.TelegramWebhookSecret = newWebhookSecret()
	}
	return nil
}

// newWebhookSecret makes the secret Telegram sends with each delivery.
func newWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SendTest sends a test alert to the actor's own address on a channel, at
// once, and returns what the channel answered.
func (o *Office) SendTest(ctx context.Context, actor *spiker.Actor, channel string) error {
	addrs, err := o.Duty.Channels(ctx, actor)
	if err != nil {
		return err
	}
	if addrs[channel] == "" {
		return &spiker.Error{Code: spiker.EINVALID, Message: "you have no address on this channel", Fields: map[string]string{"test": "channels.err.no_address"}}
	}
	senders, err := o.Senders(ctx)
	if err != nil {
		return err
	}
	sender := senders[channel]
	if sender == nil {
		return &spiker.Error{Code: spiker.EINVALID, Message: "the channel is not configured", Fields: map[string]string{"test": "channels.err.off"}}
	}
	p := locale.Printer{Lang: "id"}
	msg := Message{Subject: p.Text("channels.test_subject"), Text: p.Text("channels.test_text"), Link: o.StaffURL() + "/staf/akun"}
	if err := sender.Send(ctx, addrs[channel], msg); err != nil {
		o.Logger.Warn("channel test failed", "channel", channel, "err", err)
		return &spiker.Error{Code: spiker.EINVALID, Message: "the test was not delivered", Fields: map[string]string{"test": "channels.err.test_failed"}}
	}
	return nil
}
