package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Sample deliveries in the shape the Cloud API documents (webhooks "messages" field).
const (
	webhookText = `{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6285100000000", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Ibu Sari"}, "wa_id": "6281234567890"}],
        "messages": [{
          "from": "6281234567890",
          "id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEE0NkY2QTg3RjAzRjZGAA==",
          "timestamp": "1764061200",
          "text": {"body": "Saya mau lapor, tolong hubungi saya"},
          "type": "text"
        }]
      },
      "field": "messages"
    }]
  }]
}`
	webhookImage = `{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6285100000000", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Pelapor"}, "wa_id": "6289876543210"}],
        "messages": [{
          "from": "6289876543210",
          "id": "wamid.IMAGE1",
          "timestamp": "1764061260",
          "type": "image",
          "image": {"caption": "foto bukti", "mime_type": "image/jpeg",
                    "sha256": "aGVsbG8=", "id": "1479537139650973"}
        }, {
          "from": "6289876543210",
          "id": "wamid.AUDIO1",
          "timestamp": "1764061261",
          "type": "audio",
          "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "aGVsbG8=", "id": "2479537139650974", "voice": true}
        }, {
          "from": "6289876543210",
          "id": "wamid.LOC1",
          "timestamp": "1764061262",
          "type": "location",
          "location": {"latitude": -0.5, "longitude": 117.1}
        }]
      },
      "field": "messages"
    }]
  }]
}`
	webhookStatuses = `{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6285100000000", "phone_number_id": "106540352242922"},
        "statuses": [{
          "id": "wamid.SENT1",
          "status": "delivered",
          "timestamp": "1764061300",
          "recipient_id": "6281234567890",
          "conversation": {"id": "CONVERSATION_ID", "origin": {"type": "service"}},
          "pricing": {"billable": true, "pricing_model": "CBP", "category": "service"}
        }]
      },
      "field": "messages"
    }]
  }]
}`
)

func sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("app-secret-from-meta")
	body := []byte(webhookText)
	good := sign(secret, body)
	if !VerifySignature(secret, body, good) {
		t.Fatal("good signature rejected")
	}
	if !VerifySignature(secret, body, "sha256="+strings.ToUpper(good[7:])) {
		t.Error("upper-case hex rejected")
	}
	for name, c := range map[string]struct {
		secret []byte
		body   []byte
		header string
	}{
		"other secret":   {[]byte("other"), body, good},
		"changed body":   {secret, append([]byte(webhookText), ' '), good},
		"missing header": {secret, body, ""},
		"no prefix":      {secret, body, good[7:]},
		"sha1 prefix":    {secret, body, "sha1=" + good[7:]},
		"short":          {secret, body, good[:len(good)-2]},
		"long":           {secret, body, good + "00"},
		"not hex":        {secret, body, "sha256=" + strings.Repeat("zz", 32)},
		"prefix only":    {secret, body, "sha256="},
		"empty secret":   {nil, body, sign(nil, body)},
		"flipped bit":    {secret, body, good[:len(good)-1] + string("01"[good[len(good)-1]&1^1])},
	} {
		if VerifySignature(c.secret, c.body, c.header) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestVerifyChallenge(t *testing.T) {
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"token-rahasia"}, "hub.challenge": {"1158201444"}}
	if c, ok := VerifyChallenge(q, "token-rahasia"); !ok || c != "1158201444" {
		t.Fatalf("VerifyChallenge = %q, %v", c, ok)
	}
	for name, c := range map[string]struct {
		q     url.Values
		token string
	}{
		"wrong token":  {q, "other"},
		"empty token":  {url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {""}, "hub.challenge": {"1"}}, ""},
		"wrong mode":   {url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"t"}, "hub.challenge": {"1"}}, "t"},
		"no challenge": {url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"t"}}, "t"},
		"markup":       {url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"t"}, "hub.challenge": {"<script>"}}, "t"},
		"no query":     {url.Values{}, "t"},
	} {
		if got, ok := VerifyChallenge(c.q, c.token); ok || got != "" {
			t.Errorf("%s: accepted (%q)", name, got)
		}
	}
}

func TestParseWebhook(t *testing.T) {
	got, skipped, err := ParseWebhook([]byte(webhookText))
	if err != nil || skipped != nil {
		t.Fatal(err)
	}
	want := []Inbound{{
		ID:          "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEE0NkY2QTg3RjAzRjZGAA==",
		From:        "6281234567890",
		ProfileName: "Ibu Sari",
		Kind:        "text",
		Text:        "Saya mau lapor, tolong hubungi saya",
		At:          time.Date(2025, 11, 25, 9, 0, 0, 0, time.UTC),
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("text: got %+v,\nwant %+v", got, want)
	}

	got, skipped, err = ParseWebhook([]byte(webhookImage))
	if err != nil || skipped != nil {
		t.Fatal(err)
	}
	want = []Inbound{
		{ID: "wamid.IMAGE1", From: "6289876543210", ProfileName: "Pelapor", Kind: "image", Caption: "foto bukti",
			MediaID: "1479537139650973", At: time.Unix(1764061260, 0).UTC()},
		{ID: "wamid.AUDIO1", From: "6289876543210", ProfileName: "Pelapor", Kind: "audio",
			MediaID: "2479537139650974", At: time.Unix(1764061261, 0).UTC()},
		{ID: "wamid.LOC1", From: "6289876543210", ProfileName: "Pelapor", Kind: "location",
			At: time.Unix(1764061262, 0).UTC()},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("media: got %+v,\nwant %+v", got, want)
	}

	got, _, err = ParseWebhook([]byte(webhookStatuses))
	if err != nil || len(got) != 0 {
		t.Errorf("statuses only: got %v, %v; want no messages, no error", got, err)
	}

	// Other change fields are not messages even if they look alike.
	other := strings.Replace(webhookText, `"field": "messages"`, `"field": "message_template_status_update"`, 1)
	if got, _, err := ParseWebhook([]byte(other)); err != nil || len(got) != 0 {
		t.Errorf("other field: got %v, %v", got, err)
	}
}

func TestParseWebhookRejects(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"from":"6281234567890","id":"wamid.%d","timestamp":"1764061200","type":"text","text":{"body":"x"}}`, i)
		}
		b.WriteString(`]}}]}]}`)
		return b.String()
	}
	if got, _, err := ParseWebhook([]byte(many(MaxWebhookMessages))); err != nil || len(got) != MaxWebhookMessages {
		t.Fatalf("%d messages: %d, %v", MaxWebhookMessages, len(got), err)
	}
	secret := "Saya mau lapor"
	cases := map[string]string{
		"too many messages": many(MaxWebhookMessages + 1),
		"too big":           `{"object":"whatsapp_business_account","x":"` + strings.Repeat("a", MaxWebhookBody) + `"}`,
		"empty":             ``,
		"garbage":           "\x00\xff" + secret,
		"not an object":     `["` + secret + `"]`,
		"empty object":      `{}`,
		"other object":      `{"object":"page","entry":[]}`,
		"trailing data":     webhookText + `{}`,
		"truncated":         webhookText[:len(webhookText)/2],
		"wrong type":        `{"object":"whatsapp_business_account","entry":{"changes":"` + secret + `"}}`,
		"messages not list": `{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":"` + secret + `"}}]}]}`,
	}
	for name, body := range cases {
		got, _, err := ParseWebhook([]byte(body))
		if err == nil {
			t.Errorf("%s: accepted, %d messages", name, len(got))
			continue
		}
		if !errors.Is(err, ErrWebhook) {
			t.Errorf("%s: error %v does not wrap ErrWebhook", name, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error %q quotes the body", name, err)
		}
		if testing.Verbose() && len(body) < 4096 {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestParseWebhookSkips: malformed messages are left out, each with its
// position and a reason that does not quote it, and the rest are read.
func TestParseWebhookSkips(t *testing.T) {
	const secret = "Saya mau lapor"
	msg := func(fields string) string {
		return `{"id":"wamid.X","from":"6281234567890","timestamp":"1764061200",` + fields + `}`
	}
	good := msg(`"type":"text","text":{"body":"` + secret + `"}`)
	poisoned := []struct{ message, reason string }{
		{strings.Replace(good, `"from":"6281234567890"`, `"from":"budi.lapor"`, 1), "sender is not a phone number"},
		{strings.Replace(good, `"from":"6281234567890"`, `"from":""`, 1), "sender is not a phone number"},
		{msg(`"type":"text","text":{"body":"  "}`), "empty text"},
		{msg(`"type":"text"`), "empty text"},
		{msg(`"type":"reaction","reaction":{"emoji":"` + secret + `"}`), "unknown or missing type"},
		{msg(`"text":{"body":"` + secret + `"}`), "unknown or missing type"},
		{msg(`"type":"image","image":{"caption":"` + secret + `"}`), "missing or malformed media id"},
		{msg(`"type":"audio","audio":{"id":"../../me"}`), "missing or malformed media id"},
		{msg(`"type":"text","text":{"body":5}`), `field "text.body" has the wrong type`},
		{`"` + secret + `"`, "not a message object"},
		{strings.Replace(good, `"id":"wamid.X"`, `"id":""`, 1), "missing or overlong id"},
		{strings.Replace(good, `"timestamp":"1764061200"`, `"timestamp":"kemarin"`, 1), "timestamp is not a Unix time"},
	}
	list := []string{good}
	for _, p := range poisoned {
		list = append(list, p.message, good)
	}
	body := `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[` +
		strings.Join(list, ",") + `]}}]}]}`
	got, skipped, err := ParseWebhook([]byte(body))
	if err != nil || len(got) != len(poisoned)+1 || len(skipped) != len(poisoned) {
		t.Fatalf("ParseWebhook = %d messages, %d skipped, %v", len(got), len(skipped), err)
	}
	for i, s := range skipped {
		want := Skipped{fmt.Sprintf("entry[0].changes[0].value.messages[%d]", 2*i+1), poisoned[i].reason}
		if s != want {
			t.Errorf("skipped %d = %+v, want %+v", i, s, want)
		}
		if strings.Contains(s.String(), secret) {
			t.Errorf("skipped %d quotes the message: %s", i, s)
		}
	}
	for _, in := range got {
		if in.Text != secret {
			t.Errorf("a good message read as %+v", in)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, s := range []string{webhookText, webhookImage, webhookStatuses, `{}`, `[]`, `null`, ``,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"id":"1","from":"1","type":"image","image":null,"timestamp":"-1"}]}}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, skipped, err := ParseWebhook(body)
		if err != nil {
			if got != nil || skipped != nil {
				t.Fatalf("messages %v with error %v", got, err)
			}
			if !errors.Is(err, ErrWebhook) {
				t.Fatalf("error %v does not wrap ErrWebhook", err)
			}
			return
		}
		if len(got)+len(skipped) > MaxWebhookMessages {
			t.Fatalf("%d messages, %d skipped", len(got), len(skipped))
		}
		for _, s := range skipped {
			if s.Position == "" || s.Reason == "" {
				t.Fatalf("skipped without position or reason: %+v", s)
			}
		}
		for _, in := range got {
			if in.ID == "" || in.From == "" || in.Kind == "" {
				t.Fatalf("incomplete message %+v", in)
			}
			if in.Kind == "text" && strings.TrimSpace(in.Text) == "" {
				t.Fatal("a text message without text")
			}
			if in.Kind != "text" && in.Text != "" {
				t.Fatalf("%s message with text", in.Kind)
			}
			if in.At.Location() != time.UTC {
				t.Fatalf("time %v not in UTC", in.At)
			}
		}
	})
}
