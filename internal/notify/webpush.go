package notify

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// WebPush sends browser push notifications (RFC 8030) with VAPID (RFC 8292) and aes128gcm encryption (RFC 8291).
// The recipient is the browser's PushSubscription as JSON, as PushSubscription.toJSON() gives it.
type WebPush struct {
	VAPIDPublicKey  string // base64url, uncompressed P-256 point, as GenerateVAPIDKeys returns it
	VAPIDPrivateKey string // base64url, 32-byte P-256 scalar
	Subscriber      string // contact for the push service: "mailto:admin@..." or "https:..."
	Client          *http.Client
	TTL             int // seconds the push service keeps an undelivered alert; 0: 12 hours
}

// DefaultPushTTL is how long, in seconds, a push service keeps an alert for a browser that is offline: after
// half a day the alert has been escalated or answered by other means.
const DefaultPushTTL = 12 * 60 * 60

// Channel implements Sender.
func (w WebPush) Channel() string { return "webpush" }

// GenerateVAPIDKeys makes a new VAPID key pair, both base64url without padding: the public key goes to browsers
// as applicationServerKey, the private key stays with the server.
func GenerateVAPIDKeys() (public, private string, err error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		base64.RawURLEncoding.EncodeToString(k.Bytes()), nil
}

// pushSubscription is PushSubscription.toJSON().
type pushSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// pushPayload is what the service worker receives and shows.
type pushPayload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
}

// Send implements Sender. The payload is {"title":Subject,"body":Text,"url":Link}, padded by the library to a
// fixed record size, so its length says nothing either.
func (w WebPush) Send(ctx context.Context, to string, m Message) error {
	const ch = "webpush"
	if err := m.validate(ch); err != nil {
		return err
	}
	pub, priv, err := w.keys()
	if err != nil {
		return err
	}
	subscriber, err := w.subscriber()
	if err != nil {
		return err
	}
	sub, err := parseSubscription(to)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(pushPayload{Title: m.Subject, Body: m.Text, URL: m.Link})
	if err != nil {
		return &Error{Channel: ch, Op: "encode", err: err}
	}
	ttl := w.TTL
	if ttl <= 0 {
		ttl = DefaultPushTTL
	}
	var client webpush.HTTPClient = defaultClient
	if w.Client != nil {
		client = w.Client
	}
	resp, err := webpush.SendNotificationWithContext(ctx, payload, sub, &webpush.Options{
		HTTPClient:      client,
		Subscriber:      subscriber,
		TTL:             ttl,
		Urgency:         webpush.UrgencyHigh, // wakes a sleeping phone: someone is waiting for an answer
		VAPIDPublicKey:  pub,
		VAPIDPrivateKey: priv,
	})
	if err != nil {
		if errors.Is(err, webpush.ErrMaxPadExceeded) {
			return permanent(ch, "encode", "message too long for a push payload")
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			return transportError(ch, err)
		}
		// Everything before the request is built from values checked above, so this is unexpected; the
		// library's own messages hold no keys or content.
		return &Error{Channel: ch, Op: "encrypt", err: err}
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := statusError(ch, "push", &response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()})
	// 404 and 410 mean the browser dropped the subscription: the caller should delete it.
	e.Description = describe(buf.String(), append(m.sensitive(), sub.Endpoint)...)
	return e
}

// keys checks the VAPID pair and gives it in the form the library reads. A private key that does not match the
// public key would make every push fail with 401/403, so it is caught here with a clear message.
func (w WebPush) keys() (pub, priv string, err error) {
	const ch = "webpush"
	pubRaw, err1 := decodeB64(w.VAPIDPublicKey)
	privRaw, err2 := decodeB64(w.VAPIDPrivateKey)
	if err1 != nil || err2 != nil {
		return "", "", permanent(ch, "config", "VAPID keys are missing or not base64url")
	}
	k, err := ecdh.P256().NewPrivateKey(privRaw)
	if err != nil {
		return "", "", permanent(ch, "config", "VAPID private key is not a P-256 key")
	}
	if !bytes.Equal(k.PublicKey().Bytes(), pubRaw) {
		return "", "", permanent(ch, "config", "VAPID public key does not match the private key")
	}
	return base64.RawURLEncoding.EncodeToString(pubRaw), base64.RawURLEncoding.EncodeToString(privRaw), nil
}

// subscriber gives the JWT "sub" in the form webpush-go v1.4.0 expects: it prefixes "mailto:" to anything that
// does not start with "https:", so a "mailto:" value must lose its prefix or the claim would read
// "mailto:mailto:...".
func (w WebPush) subscriber() (string, error) {
	s := w.Subscriber
	switch {
	case strings.HasPrefix(s, "https:") && len(s) > len("https://"):
		return s, nil
	case strings.HasPrefix(s, "mailto:") && strings.Contains(s, "@"):
		return strings.TrimPrefix(s, "mailto:"), nil
	}
	return "", permanent("webpush", "config", `Subscriber must be a "mailto:" or "https:" contact`)
}

// maxSubscription bounds the recipient JSON: a real one is a few hundred bytes.
const maxSubscription = 8 << 10

func parseSubscription(to string) (*webpush.Subscription, error) {
	const ch = "webpush"
	bad := func(why string) error { return permanent(ch, "recipient", "subscription %s", why) }
	if len(to) > maxSubscription {
		return nil, bad("is too long")
	}
	var s pushSubscription
	if err := json.Unmarshal([]byte(to), &s); err != nil {
		return nil, bad("is not PushSubscription JSON")
	}
	// Push services are HTTPS; insisting on it also keeps a stored subscription from aiming the server's
	// requests at plain-HTTP services inside the network.
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return nil, bad("endpoint is not an https URL")
	}
	p256dh, err := decodeB64(s.Keys.P256dh)
	if err != nil {
		return nil, bad("p256dh is not base64url")
	}
	if _, err := ecdh.P256().NewPublicKey(p256dh); err != nil {
		return nil, bad("p256dh is not a P-256 public key")
	}
	auth, err := decodeB64(s.Keys.Auth)
	if err != nil || len(auth) != 16 {
		return nil, bad("auth is not a 16-byte base64url secret")
	}
	out := &webpush.Subscription{Endpoint: s.Endpoint}
	out.Keys.P256dh = base64.RawURLEncoding.EncodeToString(p256dh)
	out.Keys.Auth = base64.RawURLEncoding.EncodeToString(auth)
	return out, nil
}

// decodeB64 reads base64url with or without padding, and standard base64, which some browsers and libraries use.
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, errors.New("empty")
	}
	if strings.ContainsAny(s, "+/") {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return base64.RawURLEncoding.DecodeString(s)
}
