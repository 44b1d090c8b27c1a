package spiker

import (
	"context"
	"time"
)

// ChannelService is the office's side of its external channels, as the back
// office and the public listener's webhooks use it: the channel settings,
// test alerts, replies on WhatsApp, the Telegram bot, and the messages the
// platforms deliver. internal/notify implements it.
type ChannelService interface {
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

// ChannelStore keeps the channel settings, the staff's alert addresses and
// what was delivered to them.
type ChannelStore interface {
	ChannelSettings(ctx context.Context) (*ChannelSettings, error)
	SetChannelSettings(ctx context.Context, actor *Actor, c *ChannelSettings) error
	// Channels returns the actor's alert addresses by channel.
	Channels(ctx context.Context, actor *Actor) (map[string]string, error)
	DeliveryOf(ctx context.Context, notification int64, channel string) (*Delivery, error)
	MarkDelivered(ctx context.Context, notification int64, channel string) error
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

// WhatsAppInbox keeps the messages that arrive on the office's WhatsApp
// number, their files, and the way back to their senders.
type WhatsAppInbox interface {
	ReceiveWhatsApp(ctx context.Context, msg WhatsAppMessage, region string) (reportID string, err error)
	// SkipWhatsApp records messages that were not stored, by reason only.
	SkipWhatsApp(ctx context.Context, reasons []string) error
	// ReplyTarget returns the channel a report came by and its number.
	ReplyTarget(ctx context.Context, actor *Actor, id string) (channel, number string, err error)
	PendingWhatsAppMedia(ctx context.Context, id string) (string, error)
	StoreWhatsAppMedia(ctx context.Context, id, kind string, data []byte) error
	NoteWhatsAppMedia(ctx context.Context, id, state string) error
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

// TelegramLinks keeps the linking codes of the office bot and the state of
// its long poll, which nodes sharing a database take turns at.
type TelegramLinks interface {
	NewTelegramCode(ctx context.Context, actor *Actor) (code string, expires time.Time, err error)
	// TakeTelegramMessage takes a private message to the bot, once per
	// update, and says what the bot answers.
	TakeTelegramMessage(ctx context.Context, bot string, updateID, chatID int64, text string) (TelegramOutcome, error)
	ClaimTelegramPoll(ctx context.Context, node, bot string, lease time.Duration) (offset int64, held bool, err error)
	SaveTelegramOffset(ctx context.Context, node, bot string, offset int64) error
	ReleaseTelegramPoll(ctx context.Context, node string) error
}
