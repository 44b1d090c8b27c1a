package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Telegram sends alerts through a Telegram bot (Bot API sendMessage). The recipient is a chat id: the staff
// member's numeric user id after they started the bot, a group id (negative) or "@channelname".
type Telegram struct {
	Token   string       // from @BotFather, "123456:ABC..."
	BaseURL string       // default https://api.telegram.org
	Client  *http.Client // nil: a client with a 30 s timeout
}

// Channel implements Sender.
func (t Telegram) Channel() string { return "telegram" }

var (
	telegramToken    = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	telegramUsername = regexp.MustCompile(`^@[A-Za-z][A-Za-z0-9_]{3,31}$`)
)

type telegramSend struct {
	ChatID      json.RawMessage     `json:"chat_id"`
	Text        string              `json:"text"`
	LinkPreview telegramLinkPreview `json:"link_preview_options"`
}

type telegramLinkPreview struct {
	IsDisabled bool `json:"is_disabled"`
}

type telegramReply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// Send implements Sender. The chat message is plain text (no parse mode, so nothing needs escaping): subject,
// text and link on their own paragraphs. The link preview is off so that Telegram does not fetch the back office
// page, which may sit on an intranet.
func (t Telegram) Send(ctx context.Context, to string, m Message) error {
	const ch = "telegram"
	if err := m.validate(ch); err != nil {
		return err
	}
	chatID, ok := telegramChatID(to)
	if !ok {
		return permanent(ch, "recipient", "not a chat id or @channel name")
	}
	return t.call(ctx, "sendMessage", telegramSend{
		ChatID:      chatID,
		Text:        m.Subject + "\n\n" + m.Text + "\n\n" + m.Link,
		LinkPreview: telegramLinkPreview{IsDisabled: true},
	}, nil, m.sensitive()...)
}

// call posts params as JSON to a Bot API method and decodes the answer's result into out (nil: not read). The
// values in sensitive, and the token, are removed from the error's description.
func (t Telegram) call(ctx context.Context, method string, params, out any, sensitive ...string) error {
	return t.callLimit(ctx, method, params, out, maxResponse, sensitive...)
}

// callLimit is call reading at most limit bytes of the answer.
func (t Telegram) callLimit(ctx context.Context, method string, params, out any, limit int64, sensitive ...string) error {
	const ch = "telegram"
	// The token goes into the URL path: checking its shape keeps a misconfigured value from changing the path.
	if !telegramToken.MatchString(t.Token) {
		return permanent(ch, "config", "bot token is missing or malformed")
	}
	body, err := json.Marshal(params)
	if err != nil {
		return &Error{Channel: ch, Op: "encode", err: err}
	}
	base := strings.TrimRight(t.BaseURL, "/")
	if base == "" {
		base = "https://api.telegram.org"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/bot"+t.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return permanent(ch, "config", "BaseURL is not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := doLimit(t.Client, ch, req, limit)
	if err != nil {
		return err
	}
	var reply telegramReply
	jsonErr := json.Unmarshal(r.body, &reply)
	if r.status/100 == 2 && jsonErr == nil && reply.OK {
		if out != nil && json.Unmarshal(reply.Result, out) != nil {
			return &Error{Channel: ch, Op: method, Status: r.status, Description: "unexpected result"}
		}
		return nil
	}
	e := statusError(ch, method, r)
	if r.status/100 == 2 {
		// A 2xx that is not the Bot API's {"ok":true}: a proxy or a broken service; worth another try.
		e.Description = "unexpected answer"
		return e
	}
	if reply.ErrorCode != 0 {
		e.Code = strconv.Itoa(reply.ErrorCode)
	}
	e.Description = describe(reply.Description, append(sensitive, t.Token)...)
	if reply.Parameters.RetryAfter > 0 {
		e.Wait = clampWait(time.Duration(reply.Parameters.RetryAfter) * time.Second)
	}
	return e
}

// telegramChatID gives the JSON for chat_id: a number for numeric ids, as the Bot API documents it, or the
// "@channel" string.
func telegramChatID(to string) (json.RawMessage, bool) {
	to = strings.TrimSpace(to)
	if n, err := strconv.ParseInt(to, 10, 64); err == nil && n != 0 {
		return json.RawMessage(strconv.FormatInt(n, 10)), true
	}
	if telegramUsername.MatchString(to) {
		b, _ := json.Marshal(to)
		return b, true
	}
	return nil, false
}
