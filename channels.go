package spiker

import (
	"context"
	"time"
)

// Channels is the office's side of its external channels, as the back
// office and the public listener's webhooks use it: the channel settings,
// test alerts, replies on WhatsApp, the Telegram bot, and the messages the
// platforms deliver. internal/notify implements it.
type Channels interface {
	ChannelSettings(ctx context.Context) (*ChannelSettings, error)
	// SaveChannelSettings saves the admin's settings, keeping the server's
	// own secrets (the web push key pair, the Telegram webhook's secret),
	// and sets the bot up.
	SaveChannelSettings(ctx context.Context, actor *Actor, s *ChannelSettings) error
	// SendTest sends a test alert to the actor's own address on a channel.
	SendTest(ctx context.Context, actor *Actor, channel string) error
	// SendReply sends a staff reply back on the channel the report came by
	// (WhatsApp), when that channel is set up; sent is false otherwise.
	SendReply(ctx context.Context, actor *Actor, reportID, body string) (sent bool, err error)
	// TelegramBot says whether the office bot is set up, and its username
	// ("" while Telegram cannot be asked).
	TelegramBot(ctx context.Context) (on bool, username string)
	// NewTelegramCode makes a one-time code that links the Telegram chat
	// sending it to the bot to the actor's account.
	NewTelegramCode(ctx context.Context, actor *Actor) (code string, expires time.Time, err error)
	// TelegramWebhookSecret is the secret Telegram sends with the bot's
	// updates, or "" when they do not come by webhook (no bot, or no public
	// https address).
	TelegramWebhookSecret(ctx context.Context) (string, error)
	// TakeTelegramUpdate takes one update delivered to the webhook.
	TakeTelegramUpdate(ctx context.Context, body []byte) error
	// TakeWhatsApp takes a delivery of the WhatsApp webhook whose signature
	// was checked: its messages become reports or join them.
	TakeWhatsApp(ctx context.Context, body []byte) error
}

// Delivery is what delivering one notification over one channel needs: the
// address and the alert, and whether it was sent already.
type Delivery struct {
	Address string
	Alert   Alert
	Sent    bool
}

// DeliverJob is the payload of the job that delivers one notification over
// one external channel.
type DeliverJob struct {
	Notification int64  `json:"notification"`
	Channel      string `json:"channel"`
}

// WhatsAppMessage is one message to the office's number, as the webhook
// read it.
type WhatsAppMessage struct {
	ID, From string
	// Text is what the conversation shows: the message's text, or for a
	// file a note saying what came (with its caption).
	Text string
	// Media is the WhatsApp type of a file that came with the message
	// ("image", "audio", "document", "video", "sticker"), or "".
	Media string
	// MediaID is the platform's id of the file when it is to be fetched
	// and stored; "" when its kind cannot be cleaned of metadata, and a
	// note for staff is all that is kept.
	MediaID string
}

// WhatsAppMediaJob is the payload of the job that fetches the file of a
// WhatsApp message.
type WhatsAppMediaJob struct {
	Media string `json:"media"` // whatsapp_media.id
}
