package main

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/locale"
	"github.com/spikerperak/spiker/internal/notify"
	"github.com/spikerperak/spiker/internal/store"
)

// newJobs makes the runner of the durable jobs: alerts, their escalation,
// time-limit clocks, deliveries, the files of WhatsApp messages, the daily
// audit anchor and the hourly purge of form tokens. It is
// made before the listeners open, since a request may wake it.
func (m *Main) newJobs() *jobs.Runner {
	duty := store.DutyService{Store: m.Store}
	r := &jobs.Runner{Queue: m.Store, Logger: m.Logger, Lease: m.Config.JobLease}
	r.Handle(store.JobAlertRaise, duty.RaiseAlert)
	r.Handle(store.JobAlertEscalate, duty.EscalateAlert)
	r.Handle(store.JobClockCheck, duty.CheckClock)
	r.Handle(store.JobDeliver, m.deliver)
	r.Handle(store.JobWhatsAppMedia, m.whatsappMedia)
	r.Handle(store.JobAuditAnchor, store.AuditService{Store: m.Store}.DailyAnchor)
	r.Handle(store.JobSubmissionsPurge, store.ReportService{Store: m.Store}.PurgeSubmissions)
	return r
}

// startJobs runs m.Jobs in the background until Close.
func (m *Main) startJobs() {
	r := m.Jobs
	if err := (store.AuditService{Store: m.Store}).ScheduleAnchors(context.Background()); err != nil {
		m.Logger.Error("scheduling the daily audit anchor", "err", err)
	}
	if err := (store.ReportService{Store: m.Store}).SchedulePurge(context.Background()); err != nil {
		m.Logger.Error("scheduling the purge of form tokens", "err", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			m.Logger.Error("job runner", "err", err)
		}
	}()
	m.stopJobs = func() {
		cancel()
		<-done
	}
}

// senders returns the external channels the admin has configured.
func (m *Main) senders(ctx context.Context) (map[string]notify.Sender, error) {
	c, err := store.DutyService{Store: m.Store}.ChannelSettings(ctx)
	if err != nil {
		return nil, err
	}
	return channelSenders(c, m.Config.TelegramAPI, m.Config.WhatsAppAPI), nil
}

// channelSenders builds a sender for each configured channel. The Telegram
// and WhatsApp addresses come from the server's configuration ("" is the
// official host), never from the settings.
func channelSenders(c *spiker.ChannelSettings, telegramAPI, whatsAppAPI string) map[string]notify.Sender {
	out := map[string]notify.Sender{}
	if c.SMTPHost != "" {
		out["email"] = notify.SMTP{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername, Password: c.SMTPPassword,
			From: c.SMTPFrom, Security: c.SMTPSecurity, Timeout: 30 * time.Second}
	}
	if c.TelegramToken != "" {
		out["telegram"] = notify.Telegram{Token: c.TelegramToken, BaseURL: telegramAPI}
	}
	if c.WhatsAppToken != "" {
		out["whatsapp"] = notify.WhatsApp{Token: c.WhatsAppToken, PhoneNumberID: c.WhatsAppPhoneID, Template: c.WhatsAppTemplate,
			Language: c.WhatsAppLanguage, BaseURL: whatsAppAPI}
	}
	if c.VAPIDPrivate != "" {
		out["webpush"] = notify.WebPush{VAPIDPublicKey: c.VAPIDPublic, VAPIDPrivateKey: c.VAPIDPrivate, Subscriber: c.VAPIDSubject}
	}
	return out
}

// alertMessage is what an alert says outside the back office: that there
// is something to look at and where, in Indonesian, and nothing else.
func alertMessage(a spiker.Alert, staffURL string) notify.Message {
	p := locale.Printer{Lang: "id"}
	text := p.Text("alert.reason." + a.Reason)
	if a.Clock != "" {
		text += " (" + p.Text("clock."+a.Clock) + ")"
	}
	subject := p.Text("alert.subject")
	if a.Urgent {
		subject = p.Text("alert.subject_urgent")
	}
	if a.RecordKind == "audit" && a.RecordID != "" {
		// The daily anchor: the digest is the message (it names no person).
		text += "\n\n" + a.RecordID
	}
	return notify.Message{Subject: subject, Text: text, Link: staffURL + a.Link}
}

// deliver is the notify.deliver job: one notification over one channel,
// sent once (a delivery recorded as sent is not sent again).
func (m *Main) deliver(ctx context.Context, j spiker.Job) error {
	var p store.DeliverJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return jobs.Permanent(err)
	}
	duty := store.DutyService{Store: m.Store}
	d, err := duty.DeliveryOf(ctx, p.Notification, p.Channel)
	if spiker.ErrorCode(err) == spiker.ENOTFOUND {
		return nil // the address was removed meanwhile
	} else if err != nil || d.Sent {
		return err
	}
	senders, err := m.senders(ctx)
	if err != nil {
		return err
	}
	sender := senders[p.Channel]
	if sender == nil {
		return nil // the channel is off: the alert is in the app
	}
	if err := sender.Send(ctx, d.Address, alertMessage(d.Alert, m.staffURL())); err != nil {
		if errors.Is(err, notify.ErrPermanent) {
			return jobs.Permanent(err)
		}
		if after, ok := notify.RetryAfter(err); ok {
			return jobs.RetryAfter(err, after)
		}
		return err
	}
	return duty.MarkDelivered(ctx, p.Notification, p.Channel)
}

// staffURL is the back office's address for links in alerts.
func (m *Main) staffURL() string {
	if m.Config.StaffURL != "" {
		return m.Config.StaffURL
	}
	return "http://" + m.StaffAddr()
}

// passkeyURL is the address passkeys are bound to: the back office's
// (--staff-url), or the public portal's (--public-url) when the back office
// shares its listener. Empty: passkeys work only on localhost.
func (m *Main) passkeyURL() string {
	if m.Config.StaffURL != "" {
		return m.Config.StaffURL
	}
	if m.Config.StaffAddr == "" {
		return m.Config.PublicURL
	}
	return ""
}

// channelAdmin lets the admin configure the alert channels and send a test
// to their own address on one.
type channelAdmin struct{ m *Main }

func (c *channelAdmin) ChannelSettings(ctx context.Context) (*spiker.ChannelSettings, error) {
	return store.DutyService{Store: c.m.Store}.ChannelSettings(ctx)
}

func (c *channelAdmin) SaveChannelSettings(ctx context.Context, actor *spiker.Actor, s *spiker.ChannelSettings) error {
	if s.VAPIDPrivate == "" {
		// Web push needs the server's own key pair: made once, kept.
		pub, priv, err := notify.GenerateVAPIDKeys()
		if err != nil {
			return err
		}
		s.VAPIDPublic, s.VAPIDPrivate = pub, priv
	}
	if err := c.keepWebhookSecret(ctx, s); err != nil {
		return err
	}
	if err := (store.DutyService{Store: c.m.Store}).SetChannelSettings(ctx, actor, s); err != nil {
		return err
	}
	if err := c.m.setUpTelegram(ctx, s); err != nil {
		c.m.Logger.Warn("telegram: setting the bot up", "err", err)
		return &spiker.Error{Code: spiker.EINVALID, Message: "saved, but Telegram did not take the bot's set-up",
			Fields: map[string]string{"telegram_token": "channels.err.telegram_setup"}}
	}
	return nil
}

// keepWebhookSecret gives the Telegram webhook its secret: the stored one
// while the token stays, a new one with a new token, none without a token.
func (c *channelAdmin) keepWebhookSecret(ctx context.Context, s *spiker.ChannelSettings) error {
	old, err := c.ChannelSettings(ctx)
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

// SendTest sends a test alert to the actor's own address on a channel, at
// once, and returns what the channel answered.
func (c *channelAdmin) SendTest(ctx context.Context, actor *spiker.Actor, channel string) error {
	duty := store.DutyService{Store: c.m.Store}
	addrs, err := duty.Channels(ctx, actor)
	if err != nil {
		return err
	}
	if addrs[channel] == "" {
		return &spiker.Error{Code: spiker.EINVALID, Message: "you have no address on this channel", Fields: map[string]string{"test": "channels.err.no_address"}}
	}
	senders, err := c.m.senders(ctx)
	if err != nil {
		return err
	}
	sender := senders[channel]
	if sender == nil {
		return &spiker.Error{Code: spiker.EINVALID, Message: "the channel is not configured", Fields: map[string]string{"test": "channels.err.off"}}
	}
	p := locale.Printer{Lang: "id"}
	msg := notify.Message{Subject: p.Text("channels.test_subject"), Text: p.Text("channels.test_text"), Link: c.m.staffURL() + "/staf/akun"}
	if err := sender.Send(ctx, addrs[channel], msg); err != nil {
		c.m.Logger.Warn("channel test failed", "channel", channel, "err", err)
		return &spiker.Error{Code: spiker.EINVALID, Message: "the test was not delivered", Fields: map[string]string{"test": "channels.err.test_failed"}}
	}
	return nil
}
