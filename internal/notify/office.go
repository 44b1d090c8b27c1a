package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/spikerperak/spiker"
)

// Office is the office's use of its external channels: it delivers alerts,
// lets the admin configure the channels and send tests, takes the messages
// that arrive on WhatsApp and answers them, and runs the Telegram bot that
// links staff chats. It implements spiker.Channels.
type Office struct {
	// The services it works with: the channel settings and deliveries
	// (duty), WhatsApp messages (reports) and Telegram links (users).
	Duty    spiker.Duty
	Reports spiker.Reports
	Users   spiker.Users

	// TelegramAPI and WhatsAppAPI are the platforms' addresses from the
	// server's configuration ("" is the official host), never from the
	// settings.
	TelegramAPI, WhatsAppAPI string
	// PublicURL is the public portal's https address, where Telegram
	// delivers the bot's updates ("": the bot is long-polled).
	PublicURL string
	// StaffURL gives the back office's address for links in alerts; a
	// function, as a listener on port 0 knows its address only once open.
	StaffURL func() string
	// Region is the regency reports that arrive on WhatsApp are filed in.
	Region string
	// Wake wakes the job runner: the file of a WhatsApp message is fetched
	// by a job (nil: the runner finds it in its own time).
	Wake   func()
	Logger *slog.Logger
	Clock  *spiker.Clock

	bot telegramBot
}

var _ spiker.Channels = (*Office)(nil)

// ChannelSettings returns the channels' settings.
func (o *Office) ChannelSettings(ctx context.Context) (*spiker.ChannelSettings, error) {
	return o.Duty.ChannelSettings(ctx)
}

// Senders returns the external channels the admin has configured.
func (o *Office) Senders(ctx context.Context) (map[string]Sender, error) {
	c, err := o.Duty.ChannelSettings(ctx)
	if err != nil {
		return nil, err
	}
	return channelSenders(c, o.TelegramAPI, o.WhatsAppAPI), nil
}

// channelSenders builds a sender for each configured channel. The Telegram
// and WhatsApp addresses come from the server's configuration ("" is the
// official host), never from the settings.
func channelSenders(c *spiker.ChannelSettings, telegramAPI, whatsAppAPI string) map[string]Sender {
	out := map[string]Sender{}
	if c.SMTPHost != "" {
		out["email"] = SMTP{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername, Password: c.SMTPPassword,
			From: c.SMTPFrom, Security: c.SMTPSecurity, Timeout: 30 * time.Second}
	}
	if c.TelegramToken != "" {
		out["telegram"] = Telegram{Token: c.TelegramToken, BaseURL: telegramAPI}
	}
	if c.WhatsAppToken != "" {
		out["whatsapp"] = WhatsApp{Token: c.WhatsAppToken, PhoneNumberID: c.WhatsAppPhoneID, Template: c.WhatsAppTemplate,
			Language: c.WhatsAppLanguage, BaseURL: whatsAppAPI}
	}
	if c.VAPIDPrivate != "" {
		out["webpush"] = WebPush{VAPIDPublicKey: c.VAPIDPublic, VAPIDPrivateKey: c.VAPIDPrivate, Subscriber: c.VAPIDSubject}
	}
	return out
}
