package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file reads the WhatsApp Business Cloud API webhook: Meta's GET to verify the callback URL, and its POSTs
// with incoming messages, signed with the app secret.
//
// A handler reads the raw body (at most MaxWebhookBody bytes, e.g. with http.MaxBytesReader), checks
// VerifySignature before anything else, then calls ParseWebhook. Meta redelivers a POST it got no 200 for, so the
// same message ID can come twice: the caller deduplicates by Inbound.ID.

// VerifySignature reports whether header, the X-Hub-Signature-256 value "sha256=<hex>", is the HMAC-SHA256 of the
// raw body under the app secret. The comparison is constant-time. An empty secret never verifies: anyone can
// compute an HMAC under an empty key.
func VerifySignature(appSecret, body []byte, header string) bool {
	if len(appSecret) == 0 {
		return false
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, appSecret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// challengeChars is what a hub.challenge may hold. Meta sends a number; the value is echoed in the response body,
// so anything that could be markup is refused. Write it as text/plain all the same.
var challengeChars = regexp.MustCompile(`^[A-Za-z0-9._-]{1,256}$`)

// VerifyChallenge answers Meta's subscription check, a GET with hub.mode=subscribe, hub.verify_token and
// hub.challenge: when the mode is right and the token equals verifyToken (constant-time), it returns the
// challenge to write back with status 200. An empty verifyToken never matches.
func VerifyChallenge(q url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || q.Get("hub.mode") != "subscribe" {
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(verifyToken)) != 1 {
		return "", false
	}
	c := q.Get("hub.challenge")
	if !challengeChars.MatchString(c) {
		return "", false
	}
	return c, true
}

// Inbound is one message a person sent to the business number.
type Inbound struct {
	ID          string    // WhatsApp message id ("wamid..."), unique: use it to drop redeliveries
	From        string    // sender's number in international form, without "+"
	ProfileName string    // the sender's WhatsApp profile name, if Meta sent it
	Kind        string    // message type: "text", "image", "audio", "video", "document", "location", ...
	Text        string    // the text of a "text" message; "" for every other Kind
	Caption     string    // caption of an image, video or document, if any
	MediaID     string    // media id of an image, audio, video, document or sticker, to fetch it from the API
	At          time.Time // when WhatsApp received it, UTC
}

// Bounds on a webhook delivery. Meta batches at most a handful of messages in one POST, so anything beyond
// these is not Meta and is refused before it costs memory or work.
const (
	MaxWebhookBody     = 1 << 20 // bytes
	MaxWebhookMessages = 100
)

type (
	waWebhook struct {
		Object string `json:"object"`
		Entry  []struct {
			Changes []struct {
				Field string `json:"field"`
				Value struct {
					Contacts []struct {
						WaID    string `json:"wa_id"`
						Profile struct {
							Name string `json:"name"`
						} `json:"profile"`
					} `json:"contacts"`
					Messages []waInbound `json:"messages"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	waInbound struct {
		ID        string   `json:"id"`
		From      string   `json:"from"`
		Timestamp string   `json:"timestamp"`
		Type      string   `json:"type"`
		Text      *waText  `json:"text"`
		Image     *waMedia `json:"image"`
		Audio     *waMedia `json:"audio"`
		Video     *waMedia `json:"video"`
		Document  *waMedia `json:"document"`
		Sticker   *waMedia `json:"sticker"`
	}
	waMedia struct {
		ID      string `json:"id"`
		Caption string `json:"caption"`
	}
)

// waSender is what Inbound.From may hold.
var waSender = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// ErrWebhook is wrapped by every ParseWebhook error, so a handler can answer 400 to all of them.
var ErrWebhook = errors.New("whatsapp webhook")

func webhookError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrWebhook}, args...)...)
}

// ParseWebhook reads the messages in a Cloud API webhook body: entry[].changes[].value.messages[]. Delivery
// statuses and other change fields are ignored, so a statuses-only body gives no messages and no error. It
// refuses bodies over MaxWebhookBody bytes and with more than MaxWebhookMessages messages. Error messages never
// quote the body, which holds what a reporter wrote.
func ParseWebhook(body []byte) ([]Inbound, error) {
	if len(body) > MaxWebhookBody {
		return nil, webhookError("body is %d bytes, more than %d", len(body), MaxWebhookBody)
	}
	var w waWebhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, webhookError("%s", jsonProblem(err))
	}
	if w.Object != "whatsapp_business_account" {
		return nil, webhookError("object is not whatsapp_business_account")
	}
	n := 0
	for _, e := range w.Entry {
		for _, c := range e.Changes {
			n += len(c.Value.Messages)
		}
	}
	if n > MaxWebhookMessages {
		return nil, webhookError("%d messages, more than %d", n, MaxWebhookMessages)
	}
	out := make([]Inbound, 0, n)
	for i, e := range w.Entry {
		for j, c := range e.Changes {
			if c.Field != "" && c.Field != "messages" {
				continue
			}
			names := make(map[string]string, len(c.Value.Contacts))
			for _, ct := range c.Value.Contacts {
				names[ct.WaID] = ct.Profile.Name
			}
			for k, m := range c.Value.Messages {
				in, err := m.inbound()
				if err != nil {
					return nil, webhookError("entry[%d].changes[%d].value.messages[%d]: %v", i, j, k, err)
				}
				in.ProfileName = names[in.From]
				out = append(out, in)
			}
		}
	}
	return out, nil
}

// jsonProblem says why json.Unmarshal refused a body, without quoting the body.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not JSON (syntax error at byte %d)", se.Offset)
	case errors.As(err, &te) && te.Field == "":
		return "body is not a JSON object"
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "not JSON"
}

func (m waInbound) inbound() (Inbound, error) {
	if m.ID == "" || len(m.ID) > 256 {
		return Inbound{}, errors.New("missing or overlong id")
	}
	// Not checked against waNumber: Meta is bringing in usernames, and a message must not be lost to a stricter
	// idea of "from" than Meta's. SendText still insists on a number.
	if !waSender.MatchString(m.From) {
		return Inbound{}, errors.New("missing or malformed from")
	}
	if m.Type == "" || len(m.Type) > 64 {
		return Inbound{}, errors.New("missing or overlong type")
	}
	in := Inbound{ID: m.ID, From: m.From, Kind: m.Type}
	if m.Timestamp != "" {
		sec, err := strconv.ParseInt(m.Timestamp, 10, 64)
		// Bounded so that time.Unix stays meaningful; Meta sends seconds since 1970.
		if err != nil || sec < 0 || sec > 1<<40 {
			return Inbound{}, errors.New("timestamp is not a Unix time")
		}
		in.At = time.Unix(sec, 0).UTC()
	}
	var media *waMedia
	switch m.Type {
	case "text":
		if m.Text != nil {
			in.Text = m.Text.Body
		}
	case "image":
		media = m.Image
	case "audio":
		media = m.Audio
	case "video":
		media = m.Video
	case "document":
		media = m.Document
	case "sticker":
		media = m.Sticker
	}
	if media != nil {
		in.MediaID = media.ID
		in.Caption = media.Caption
	}
	return in, nil
}
