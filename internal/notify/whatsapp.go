package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// WhatsApp sends through the WhatsApp Business Cloud API. The recipient is a number in international form without
// "+" or spaces ("6281234567890").
//
// Meta lets a business start a conversation only with an approved template, so Send uses the template named
// Template, whose body must have exactly one parameter: the link. SendText sends free text, which Meta accepts
// only within 24 hours of the person's last message to the business.
type WhatsApp struct {
	Token         string // system-user access token
	PhoneNumberID string // the business phone number's id (not the number itself)
	Template      string // approved template name, e.g. "spiker_alert"
	Language      string // template language code; default "id"
	BaseURL       string // default https://graph.facebook.com/v21.0
	Client        *http.Client
}

// base is the API's address with its version, without a trailing slash.
func (w WhatsApp) base() string {
	if b := strings.TrimRight(w.BaseURL, "/"); b != "" {
		return b
	}
	return "https://graph.facebook.com/v21.0"
}

// Channel implements Sender.
func (w WhatsApp) Channel() string { return "whatsapp" }

var (
	waNumber   = regexp.MustCompile(`^[1-9][0-9]{7,14}$`) // E.164 without "+"
	waID       = regexp.MustCompile(`^[0-9]{1,32}$`)
	waTemplate = regexp.MustCompile(`^[a-z0-9_]{1,512}$`) // Meta allows lowercase letters, digits and underscores
)

// The request bodies follow the Cloud API's documented shape field for field.
type (
	waTemplateMessage struct {
		MessagingProduct string      `json:"messaging_product"`
		To               string      `json:"to"`
		Type             string      `json:"type"`
		Template         waTemplBody `json:"template"`
	}
	waTemplBody struct {
		Name       string        `json:"name"`
		Language   waLanguage    `json:"language"`
		Components []waComponent `json:"components"`
	}
	waLanguage struct {
		Code string `json:"code"`
	}
	waComponent struct {
		Type       string        `json:"type"`
		Parameters []waParameter `json:"parameters"`
	}
	waParameter struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	waTextMessage struct {
		MessagingProduct string `json:"messaging_product"`
		To               string `json:"to"`
		Type             string `json:"type"`
		Text             waText `json:"text"`
	}
	waText struct {
		Body string `json:"body"`
	}
	waErrorReply struct {
		Error struct {
			Message      string `json:"message"`
			Type         string `json:"type"`
			Code         int    `json:"code"`
			ErrorSubcode int    `json:"error_subcode"`
			ErrorData    struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"error"`
	}
)

// Send implements Sender with the configured template; its one body parameter is m.Link. The template's fixed
// wording carries the "something to look at" part, so Subject and Text are not sent.
func (w WhatsApp) Send(ctx context.Context, to string, m Message) error {
	const ch = "whatsapp"
	if err := m.validate(ch); err != nil {
		return err
	}
	if !waTemplate.MatchString(w.Template) {
		return permanent(ch, "config", "template name is missing or malformed")
	}
	lang := w.Language
	if lang == "" {
		lang = "id"
	}
	return w.post(ctx, to, waTemplateMessage{
		MessagingProduct: "whatsapp",
		To:               strings.TrimPrefix(to, "+"),
		Type:             "template",
		Template: waTemplBody{
			Name:     w.Template,
			Language: waLanguage{Code: lang},
			Components: []waComponent{{
				Type:       "body",
				Parameters: []waParameter{{Type: "text", Text: m.Link}},
			}},
		},
	}, m.sensitive())
}

// MaxWhatsAppText is the Cloud API's limit on a text message body, in characters.
const MaxWhatsAppText = 4096

// SendText sends a free-form text message, for answering a reporter who wrote in on WhatsApp. Meta delivers it
// only inside the 24-hour customer-service window; outside it the API answers with code 131047, which is
// permanent here.
func (w WhatsApp) SendText(ctx context.Context, to, body string) error {
	const ch = "whatsapp"
	if strings.TrimSpace(body) == "" {
		return permanent(ch, "message", "text is empty")
	}
	if err := checkLine("text", body, MaxWhatsAppText, true); err != nil {
		return permanent(ch, "message", "%s", err)
	}
	return w.post(ctx, to, waTextMessage{
		MessagingProduct: "whatsapp",
		To:               strings.TrimPrefix(to, "+"),
		Type:             "text",
		Text:             waText{Body: body},
	}, []string{body})
}

func (w WhatsApp) post(ctx context.Context, to string, payload any, sent []string) error {
	const ch = "whatsapp"
	if w.Token == "" {
		return permanent(ch, "config", "no access token")
	}
	// The id goes into the URL path.
	if !waID.MatchString(w.PhoneNumberID) {
		return permanent(ch, "config", "phone number id is missing or not numeric")
	}
	if !waNumber.MatchString(strings.TrimPrefix(to, "+")) {
		return permanent(ch, "recipient", "not a number in international form (62812...)")
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return &Error{Channel: ch, Op: "encode", err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base()+"/"+w.PhoneNumberID+"/messages",
		bytes.NewReader(body))
	if err != nil {
		return permanent(ch, "config", "BaseURL is not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.Token)
	r, err := do(w.Client, ch, req)
	if err != nil {
		return err
	}
	if r.status/100 == 2 {
		return nil
	}
	return replyError("messages", r, append(sent, w.Token))
}

// replyError reads the Cloud API's error answer into an *Error, with the values in sent taken out of its
// description.
func replyError(op string, r *response, sent []string) *Error {
	const ch = "whatsapp"
	e := statusError(ch, op, r)
	var reply waErrorReply
	if json.Unmarshal(r.body, &reply) == nil && reply.Error.Code != 0 {
		e.Code = fmt.Sprint(reply.Error.Code)
		if reply.Error.ErrorSubcode != 0 {
			e.Code += fmt.Sprintf("/%d", reply.Error.ErrorSubcode)
		}
		desc := reply.Error.Message
		if d := reply.Error.ErrorData.Details; d != "" && d != desc {
			desc += " — " + d
		}
		e.Description = describe(desc, sent...)
		// Meta reports its throttling and passing outages with HTTP 400; those clear up by themselves.
		if waTemporaryCodes[reply.Error.Code] {
			e.Permanent = false
		}
	}
	return e
}

// waTemporaryCodes are Cloud API and Graph API error codes for throttling and temporary outages
// (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
var waTemporaryCodes = map[int]bool{
	1:      true, // API unknown
	2:      true, // API service: temporary
	4:      true, // API too many calls
	17:     true, // user request limit reached
	341:    true, // application limit reached
	80007:  true, // rate limit issues
	130429: true, // rate limit hit (throughput)
	131000: true, // something went wrong
	131016: true, // service unavailable
	131048: true, // spam rate limit hit
	131056: true, // pair rate limit hit: too many messages to the same number
}
