package notify

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// browser is the receiving side of a push subscription, as a browser keeps it.
type browser struct {
	key  *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &browser{key: key, auth: auth}
}

// subscription is PushSubscription.toJSON() for endpoint.
func (b *browser) subscription(t *testing.T, endpoint string) string {
	t.Helper()
	v, err := json.Marshal(map[string]any{
		"endpoint":       endpoint,
		"expirationTime": nil,
		"keys": map[string]string{
			"p256dh": base64.RawURLEncoding.EncodeToString(b.key.PublicKey().Bytes()),
			"auth":   base64.RawURLEncoding.EncodeToString(b.auth),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// decrypt undoes RFC 8291 (Web Push message encryption) over RFC 8188 (aes128gcm content coding), independently
// of the library that encrypted it.
func (b *browser) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	// Header: salt(16) | rs(4) | idlen(1) | keyid(idlen) — the keyid is the sender's ephemeral public key.
	if len(body) < 21 {
		t.Fatalf("body of %d bytes has no aes128gcm header", len(body))
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if len(body) < 21+idlen || idlen != 65 {
		t.Fatalf("keyid length %d, want 65 (uncompressed P-256 point)", idlen)
	}
	asPublic := body[21 : 21+idlen]
	ciphertext := body[21+idlen:]
	if rs < 18 || len(ciphertext) > int(rs) {
		t.Fatalf("record size %d, ciphertext %d bytes: want a single record", rs, len(ciphertext))
	}
	senderKey, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		t.Fatalf("sender key: %v", err)
	}
	shared, err := b.key.ECDH(senderKey)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 8291 §3.4: IKM = HKDF(salt=auth_secret, ikm=ecdh_secret, info="WebPush: info\0"|ua_public|as_public, 32).
	info := append([]byte("WebPush: info\x00"), b.key.PublicKey().Bytes()...)
	info = append(info, asPublic...)
	ikm, err := hkdf.Key(sha256.New, shared, b.auth, string(info), 32)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 8188 §2.2 and §2.3: CEK and nonce from PRK = HKDF-Extract(salt, IKM).
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		t.Fatal(err)
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	// One record, so the sequence number is 0 and the nonce is used as derived.
	padded, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		t.Fatalf("decrypting: %v", err)
	}
	// Last record: data | 0x02 | zero padding.
	end := bytes.LastIndexFunc(padded, func(r rune) bool { return r != 0 })
	if end < 0 || padded[end] != 0x02 {
		t.Fatalf("record does not end with the last-record delimiter")
	}
	return padded[:end]
}

type pushRequest struct {
	header http.Header
	body   []byte
}

// pushService is an httptest HTTPS push endpoint that records requests and answers with status.
type pushService struct {
	*httptest.Server
	mu       sync.Mutex
	requests []pushRequest
	status   int
	header   map[string]string
}

func newPushService(t *testing.T) *pushService {
	t.Helper()
	p := &pushService{status: http.StatusCreated}
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/push/v1/abcDEF123" {
			t.Errorf("%s %s, want POST to the endpoint", r.Method, r.URL.Path)
		}
		p.requests = append(p.requests, pushRequest{header: r.Header.Clone(), body: body})
		for k, v := range p.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(p.status)
		if p.status >= 400 {
			_, _ = io.WriteString(w, `{"code":`+strconv.Itoa(p.status)+`,"errno":102,"error":"`+
				http.StatusText(p.status)+`","message":"Request did not validate"}`)
		}
	}))
	// The test with an untrusted certificate would log a handshake error otherwise.
	p.Config.ErrorLog = log.New(io.Discard, "", 0)
	p.StartTLS()
	t.Cleanup(p.Close)
	return p
}

func (p *pushService) answer(status int, header map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.header = status, header
}

func (p *pushService) last(t *testing.T) pushRequest {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		t.Fatal("push service got no request")
	}
	return p.requests[len(p.requests)-1]
}

func testWebPush(t *testing.T, client *http.Client) WebPush {
	t.Helper()
	pub, priv, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return WebPush{VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Subscriber: "mailto:admin@dp3a.example.go.id",
		Client: client}
}

func TestWebPush(t *testing.T) {
	svc := newPushService(t)
	br := newBrowser(t)
	endpoint := svc.URL + "/push/v1/abcDEF123"
	wp := testWebPush(t, svc.Client())
	if wp.Channel() != "webpush" {
		t.Fatalf("Channel() = %q", wp.Channel())
	}
	if err := wp.Send(context.Background(), br.subscription(t, endpoint), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	req := svc.last(t)
	if got := req.header.Get("Content-Encoding"); got != "aes128gcm" {
		t.Errorf("Content-Encoding %q", got)
	}
	if got := req.header.Get("TTL"); got != "43200" {
		t.Errorf("TTL %q, want the 12-hour default", got)
	}
	if got := req.header.Get("Urgency"); got != "high" {
		t.Errorf("Urgency %q", got)
	}
	checkVAPID(t, req.header.Get("Authorization"), wp, svc.URL)

	var payload map[string]any
	plain := br.decrypt(t, req.body)
	if err := json.Unmarshal(plain, &payload); err != nil {
		t.Fatalf("payload %q is not JSON: %v", plain, err)
	}
	want := map[string]any{"title": testMessage.Subject, "body": testMessage.Text, "url": testMessage.Link}
	if !reflect.DeepEqual(payload, want) {
		t.Errorf("payload %v, want %v", payload, want)
	}

	// A set TTL and an https: subscriber go through as they are.
	wp.TTL = 600
	wp.Subscriber = "https://spiker.example.go.id/kontak"
	if err := wp.Send(context.Background(), br.subscription(t, endpoint), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	req = svc.last(t)
	if got := req.header.Get("TTL"); got != "600" {
		t.Errorf("TTL %q, want 600", got)
	}
	checkVAPID(t, req.header.Get("Authorization"), wp, svc.URL)
}

// checkVAPID checks an RFC 8292 Authorization header: "vapid t=<JWT>, k=<public key>", the JWT signed with ES256
// by the VAPID key, its aud the endpoint's origin and its sub the Subscriber.
func checkVAPID(t *testing.T, header string, wp WebPush, origin string) {
	t.Helper()
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		t.Fatalf("Authorization %q is not vapid", header)
	}
	var token, k string
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		switch {
		case strings.HasPrefix(part, "t="):
			token = part[2:]
		case strings.HasPrefix(part, "k="):
			k = part[2:]
		}
	}
	if k != wp.VAPIDPublicKey {
		t.Errorf("k=%q, want the VAPID public key %q", k, wp.VAPIDPublicKey)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("t=%q is not a JWT", token)
	}
	var head, claims map[string]any
	decodePart := func(s string, v any) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("JWT part: %v", err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("JWT part: %v", err)
		}
	}
	decodePart(parts[0], &head)
	decodePart(parts[1], &claims)
	if head["alg"] != "ES256" {
		t.Errorf("JWT alg %v", head["alg"])
	}
	if claims["aud"] != origin {
		t.Errorf("JWT aud %v, want %s", claims["aud"], origin)
	}
	if claims["sub"] != wp.Subscriber {
		t.Errorf("JWT sub %v, want %s", claims["sub"], wp.Subscriber)
	}
	exp, _ := claims["exp"].(float64)
	if until := time.Until(time.Unix(int64(exp), 0)); until <= 0 || until > 24*time.Hour {
		t.Errorf("JWT exp is %v away, want within 24 h (RFC 8292)", until)
	}
	pubBytes, err := base64.RawURLEncoding.DecodeString(wp.VAPIDPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pubBytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("JWT signature is not 64 bytes of r|s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		t.Error("JWT signature does not verify with the VAPID public key")
	}
}

func TestWebPushErrors(t *testing.T) {
	svc := newPushService(t)
	br := newBrowser(t)
	endpoint := svc.URL + "/push/v1/abcDEF123"
	sub := br.subscription(t, endpoint)
	wp := testWebPush(t, svc.Client())
	ctx := context.Background()

	for _, status := range []int{404, 410, 400, 403, 413} {
		svc.answer(status, nil)
		err := wp.Send(ctx, sub, testMessage)
		var e *Error
		if !errors.Is(err, ErrPermanent) || !errors.As(err, &e) || e.Status != status {
			t.Errorf("%d: error %v, want ErrPermanent with the status", status, err)
		}
		checkNoContent(t, err, "abcDEF123")
	}
	svc.answer(429, map[string]string{"Retry-After": "120"})
	err := wp.Send(ctx, sub, testMessage)
	if d, ok := RetryAfter(err); errors.Is(err, ErrPermanent) || !ok || d != 2*time.Minute {
		t.Errorf("429: error %v, RetryAfter %v %v", err, d, ok)
	}
	svc.answer(503, nil)
	if err := wp.Send(ctx, sub, testMessage); err == nil || errors.Is(err, ErrPermanent) {
		t.Errorf("503: error %v, want temporary", err)
	}
	svc.answer(201, nil)

	// The default client does not trust the test server's certificate: permanent, and the endpoint's
	// capability token stays out of the error.
	noTrust := wp
	noTrust.Client = nil
	err = noTrust.Send(ctx, sub, testMessage)
	if !errors.Is(err, ErrPermanent) {
		t.Errorf("untrusted certificate: error %v, want ErrPermanent", err)
	}
	checkNoContent(t, err, "abcDEF123")

	// Nothing below reaches the push service.
	svc.mu.Lock()
	before := len(svc.requests)
	svc.mu.Unlock()
	bad := func(name string, wp WebPush, to string) {
		t.Helper()
		if err := wp.Send(ctx, to, testMessage); !errors.Is(err, ErrPermanent) {
			t.Errorf("%s: error %v, want ErrPermanent", name, err)
		}
	}
	bad("http endpoint", wp, br.subscription(t, strings.Replace(endpoint, "https:", "http:", 1)))
	bad("not JSON", wp, "endpoint")
	bad("empty", wp, "")
	bad("short auth", wp, strings.Replace(sub, base64.RawURLEncoding.EncodeToString(br.auth),
		base64.RawURLEncoding.EncodeToString(br.auth[:8]), 1))
	bad("p256dh not a point", wp, strings.Replace(sub,
		base64.RawURLEncoding.EncodeToString(br.key.PublicKey().Bytes()),
		base64.RawURLEncoding.EncodeToString(make([]byte, 65)), 1))
	other := testWebPush(t, svc.Client())
	mismatched := wp
	mismatched.VAPIDPrivateKey = other.VAPIDPrivateKey
	bad("mismatched VAPID keys", mismatched, sub)
	noKeys := wp
	noKeys.VAPIDPublicKey = ""
	bad("no VAPID key", noKeys, sub)
	noContact := wp
	noContact.Subscriber = "admin@dp3a.example.go.id"
	bad("subscriber without scheme", noContact, sub)
	svc.mu.Lock()
	after := len(svc.requests)
	svc.mu.Unlock()
	if after != before {
		t.Errorf("push service got %d requests for invalid input", after-before)
	}
}

func TestGenerateVAPIDKeys(t *testing.T) {
	pub, priv, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	p, err := base64.RawURLEncoding.DecodeString(pub)
	if err != nil || len(p) != 65 || p[0] != 4 {
		t.Fatalf("public key %q: want 65-byte uncompressed point, base64url", pub)
	}
	k, err := base64.RawURLEncoding.DecodeString(priv)
	if err != nil || len(k) != 32 {
		t.Fatalf("private key: want 32 bytes, base64url")
	}
	pub2, _, _ := GenerateVAPIDKeys()
	if pub2 == pub {
		t.Fatal("two key pairs are the same")
	}
	if _, _, err := (WebPush{VAPIDPublicKey: pub, VAPIDPrivateKey: priv}).keys(); err != nil {
		t.Fatalf("generated pair does not check out: %v", err)
	}
}
