package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file is the office bot's side of the Bot API beyond sending alerts: who the bot is (getMe), where its
// updates go (setWebhook, deleteWebhook), reading them (getUpdates, or a webhook POST read by
// ParseTelegramUpdate) and a plain reply in a chat. The bot reads only messages: staff send it a one-time code
// to link their chat to their account.

// TelegramUpdate is what is read of one Bot API update: its id, and for a message its chat and short text.
type TelegramUpdate struct {
	ID      int64  // update_id, increasing; the next getUpdates offset is the last ID + 1
	ChatID  int64  // the chat of a message; 0 for every other kind of update
	Private bool   // the chat is one person's private chat with the bot
	Text    string // the message's text, only when at most MaxTelegramText bytes; "" otherwise
}

// Bounds on what is read from Telegram. A webhook POST holds one update; getUpdates asks for at most
// TelegramBatch of them.
const (
	MaxTelegramUpdate = 256 << 10 // bytes of one webhook body
	MaxTelegramText   = 256       // bytes of a message text worth reading: a command with a code is far shorter
	TelegramBatch     = 20
	maxTelegramBatch  = TelegramBatch * MaxTelegramUpdate
)

// ErrTelegramUpdate is wrapped by every ParseTelegramUpdate error, so a handler can answer 400 to all of them.
var ErrTelegramUpdate = errors.New("telegram update")

type telegramUpdate struct {
	UpdateID *int64 `json:"update_id"`
	Message  *struct {
		Chat struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		Text string `json:"text"`
	} `json:"message"`
}

// ParseTelegramUpdate reads one update, as a webhook POST carries it. It refuses a body over MaxTelegramUpdate
// bytes, one that is not a JSON object, and one without a positive update_id. An update that is not a message
// (an edit, a channel post, a button) has no ChatID and is still well-formed. Errors never quote the body.
func ParseTelegramUpdate(body []byte) (TelegramUpdate, error) {
	if len(body) > MaxTelegramUpdate {
		return TelegramUpdate{}, fmt.Errorf("%w: body is %d bytes, more than %d", ErrTelegramUpdate, len(body), MaxTelegramUpdate)
	}
	var u telegramUpdate
	if err := json.Unmarshal(body, &u); err != nil {
		return TelegramUpdate{}, fmt.Errorf("%w: %s", ErrTelegramUpdate, jsonProblem(err, "body is not a JSON object"))
	}
	return u.update()
}

func (u telegramUpdate) update() (TelegramUpdate, error) {
	if u.UpdateID == nil || *u.UpdateID <= 0 {
		return TelegramUpdate{}, fmt.Errorf("%w: missing or invalid update_id", ErrTelegramUpdate)
	}
	out := TelegramUpdate{ID: *u.UpdateID}
	if m := u.Message; m != nil && m.Chat.ID != 0 {
		out.ChatID, out.Private = m.Chat.ID, m.Chat.Type == "private"
		if len(m.Text) <= MaxTelegramText {
			out.Text = m.Text
		}
	}
	return out, nil
}

// TelegramStart reads the text of a message to the bot as a linking attempt: the argument of "/start ARG" (or
// "/start@botname ARG", as a deep link t.me/bot?start=ARG sends it), or the whole text when it is no command. The
// second result says whether the text was /start, which with no argument is someone opening the bot.
func TelegramStart(text string) (arg string, start bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return text, false
	}
	cmd, rest, _ := strings.Cut(text, " ")
	cmd, _, _ = strings.Cut(cmd, "@")
	if cmd != "/start" {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// telegramBotName is a bot's username as getMe gives it.
var telegramBotName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)

// GetMe returns the bot's username, for the t.me link staff open.
func (t Telegram) GetMe(ctx context.Context) (string, error) {
	var me struct {
		Username string `json:"username"`
	}
	if err := t.call(ctx, "getMe", struct{}{}, &me); err != nil {
		return "", err
	}
	if !telegramBotName.MatchString(me.Username) {
		return "", &Error{Channel: "telegram", Op: "getMe", Description: "the bot has no valid username"}
	}
	return me.Username, nil
}

// SetWebhook has Telegram POST the bot's messages to url, with secret in the X-Telegram-Bot-Api-Secret-Token
// header of every delivery.
func (t Telegram) SetWebhook(ctx context.Context, url, secret string) error {
	return t.call(ctx, "setWebhook", map[string]any{"url": url, "secret_token": secret, "allowed_updates": []string{"message"}},
		nil, url, secret)
}

// DeleteWebhook stops webhook deliveries, which getUpdates needs. Updates not yet fetched are kept.
func (t Telegram) DeleteWebhook(ctx context.Context) error {
	return t.call(ctx, "deleteWebhook", map[string]any{"drop_pending_updates": false}, nil)
}

// GetUpdates long-polls for the messages from offset on, waiting up to wait for the first. Telegram forgets the
// updates before offset. With no Client, it uses one whose timeout outlasts the wait.
func (t Telegram) GetUpdates(ctx context.Context, offset int64, wait time.Duration) ([]TelegramUpdate, error) {
	if t.Client == nil {
		t.Client = &http.Client{Timeout: wait + 15*time.Second}
	}
	params := map[string]any{"offset": offset, "timeout": int(wait / time.Second), "limit": TelegramBatch,
		"allowed_updates": []string{"message"}}
	var raw []json.RawMessage
	if err := t.callLimit(ctx, "getUpdates", params, &raw, maxTelegramBatch); err != nil {
		return nil, err
	}
	out := make([]TelegramUpdate, 0, len(raw))
	for _, r := range raw {
		u, err := ParseTelegramUpdate(r)
		if err != nil {
			// A message of a shape not known here is skipped by its id; without an id, an update cannot be
			// confirmed and nothing after it can be read either.
			var id struct {
				UpdateID int64 `json:"update_id"`
			}
			if json.Unmarshal(r, &id) != nil || id.UpdateID <= 0 {
				return nil, &Error{Channel: "telegram", Op: "getUpdates", Description: "an update without an id", err: err}
			}
			u = TelegramUpdate{ID: id.UpdateID}
		}
		out = append(out, u)
	}
	return out, nil
}

// SendText sends plain text to a chat: the bot's answer to a message.
func (t Telegram) SendText(ctx context.Context, chatID int64, text string) error {
	return t.call(ctx, "sendMessage", map[string]any{"chat_id": chatID, "text": text}, nil, strconv.FormatInt(chatID, 10))
}
