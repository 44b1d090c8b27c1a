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
	"slices"
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
	Kind        string    // message type: one of the InboundKinds
	Text        string    // the text of a "text" message; "" for every other Kind
	Caption     string    // caption of an image, video or document, if any
	MediaID     string    // media id of an image, audio, video, document or sticker, to fetch it from the API
	At          time.Time // when WhatsApp received it, UTC
}

// InboundKinds are the message types ParseWebhook reads; any other type (a reaction, a button reply, a type Meta
// reports as "unsupported") is skipped.
var InboundKinds = []string{"text", "image", "audio", "video", "document", "sticker", "location", "contacts"}

// mediaKinds are the types that carry a file, under a field of the same name.
var mediaKinds = map[string]bool{"image": true, "audio": true, "video": true, "document": true, "sticker": true}

// Skipped is a message ParseWebhook left out because it is malformed: where it was and why, never its content.
type Skipped struct {
	Position string // e.g. "entry[0].changes[0].value.messages[2]"
	Reason   string // e.g. "sender is not a phone number"
}

func (s Skipped) String() string { return s.Position + ": " + s.Reason }

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
					// Each message is decoded on its own, so that one of the wrong shape is skipped alone.
					Messages []json.RawMessage `json:"messages"`
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

// ErrWebhook is wrapped by every ParseWebhook error, so a handler can answer 400 to all of them.
var ErrWebhook = errors.New("whatsapp webhook")

func webhookError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrWebhook}, args...)...)
}

// ParseWebhook reads the messages in a Cloud API webhook body: entry[].changes[].value.messages[]. Delivery
// statuses and other change fields are ignored, so a statuses-only body gives no messages and no error.
//
// Only a body that is not a webhook delivery at all is an error: over MaxWebhookBody bytes, not JSON, not of the
// whatsapp_business_account object, of the wrong shape outside the messages, or with more than
// MaxWebhookMessages messages. A malformed message (no id, a sender that is not a phone number, an empty text, a
// type it does not read, a missing media id, a field of the wrong type) is returned in skipped, and the others
// are read: one bad message must not make the platform deliver the whole batch again and again. Neither errors
// nor skipped reasons quote the body, which holds what a reporter wrote.
func ParseWebhook(body []byte) (msgs []Inbound, skipped []Skipped, err error) {
	w, err := decodeWebhook(body)
	if err != nil {
		return nil, nil, err
	}
	for i, e := range w.Entry {
		for j, c := range e.Changes {
			if c.Field != "" && c.Field != "messages" {
				continue
			}
			names := make(map[string]string, len(c.Value.Contacts))
			for _, ct := range c.Value.Contacts {
				names[ct.WaID] = ct.Profile.Name
			}
			for k, raw := range c.Value.Messages {
				in, err := readInbound(raw)
				if err != nil {
					skipped = append(skipped, Skipped{fmt.Sprintf("entry[%d].changes[%d].value.messages[%d]", i, j, k), err.Error()})
					continue
				}
				in.ProfileName = names[in.From]
				msgs = append(msgs, in)
			}
		}
	}
	return msgs, skipped, nil
}

func decodeWebhook(body []byte) (*waWebhook, error) {
	if len(body) > MaxWebhookBody {
		return nil, webhookError("body is %d bytes, more than %d", len(body), MaxWebhookBody)
	}
	var w waWebhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, webhookError("%s", jsonProblem(err, "body is not a JSON object"))
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
	return &w, nil
}

// jsonProblem says what is wrong with a JSON value without quoting it.
func jsonProblem(err error, notObject string) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not JSON (syntax error at byte %d)", se.Offset)
	case errors.As(err, &te) && te.Field == "":
		return notObject
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "not JSON"
}

func readInbound(raw json.RawMessage) (Inbound, error) {
	var m waInbound
	if err := json.Unmarshal(raw, &m); err != nil {
		return Inbound{}, errors.New(jsonProblem(err, "not a message object"))
	}
	if m.ID == "" || len(m.ID) > 256 {
		return Inbound{}, errors.New("missing or overlong id")
	}
	// A sender without a phone number (Meta is bringing in usernames) can be neither threaded nor answered.
	if !waNumber.MatchString(m.From) {
		return Inbound{}, errors.New("sender is not a phone number")
	}
	if !slices.Contains(InboundKinds, m.Type) {
		return Inbound{}, errors.New("unknown or missing type")
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
	if m.Type == "text" {
		if m.Text == nil || strings.TrimSpace(m.Text.Body) == "" {
			return Inbound{}, errors.New("empty text")
		}
		in.Text = m.Text.Body
	}
	if mediaKinds[m.Type] {
		media := map[string]*waMedia{"image": m.Image, "audio": m.Audio, "video": m.Video, "document": m.Document, "sticker": m.Sticker}[m.Type]
		if media == nil || !waID.MatchString(media.ID) {
			return Inbound{}, errors.New("missing or malformed media id")
		}
		in.MediaID, in.Caption = media.ID, media.Caption
	}
	return in, nil
}
