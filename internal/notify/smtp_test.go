package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

var testMessage = Message{
	Subject: "Spiker Perak: laporan baru perlu dilihat",
	Text:    "Ada laporan baru yang perlu dilihat petugas piket — mohon buka tautan berikut.",
	Link:    "https://spiker.example.go.id/kantor/laporan/01JB8Z8Q7S3X9K2M4N6P8R0T2V?from=notify&channel=email",
}

// testCert makes a self-signed certificate for 127.0.0.1 and localhost, and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "notify test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// smtpRecorder is a minimal submission server backend: AUTH PLAIN with one account, recipients that answer
// 550 or 451 on demand, and a record of everything it was told.
type smtpRecorder struct {
	mu       sync.Mutex
	authed   []string // "user:pass" per successful AUTH
	authTLS  []bool   // whether each AUTH came over TLS
	authSeen int      // AUTH attempts, successful or not
	from     []string
	rcpt     []string
	data     [][]byte
	open     atomic.Int64 // connections open on the server side
}

// countingListener counts the connections that are open on the server side.
type countingListener struct {
	net.Listener
	open *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &countedConn{Conn: c, open: l.open}, nil
}

type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// waitClosed fails unless the client has closed every connection well before the server's own timeout.
func (r *smtpRecorder) waitClosed(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if r.open.Load() == 0 {
			return
		}
	}
	t.Errorf("%d connections still open: the client left them behind", r.open.Load())
}

type smtpSession struct {
	rec  *smtpRecorder
	conn *smtp.Conn
	auth bool
}

func (r *smtpRecorder) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{rec: r, conn: c}, nil
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		_, isTLS := s.conn.TLSConnectionState()
		s.rec.mu.Lock()
		defer s.rec.mu.Unlock()
		s.rec.authSeen++
		if username != "piket" || password != "rahasia-sekali" {
			return smtp.ErrAuthFailed
		}
		s.auth = true
		s.rec.authed = append(s.rec.authed, username+":"+password)
		s.rec.authTLS = append(s.rec.authTLS, isTLS)
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.from = append(s.rec.from, from)
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "unknown@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user " + to}
	case strings.HasPrefix(to, "later@"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.rcpt = append(s.rec.rcpt, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.data = append(s.rec.data, b)
	return nil
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// startSMTP runs a server on 127.0.0.1. With tlsConf and implicit false it offers STARTTLS; with implicit true it
// speaks TLS from the first byte; with tlsConf nil it offers no TLS at all (and then allows AUTH in plaintext, so
// that only the client's refusal keeps the password safe).
func startSMTP(t *testing.T, tlsConf *tls.Config, implicit bool) (*smtpRecorder, int) {
	t.Helper()
	rec := &smtpRecorder{}
	srv := smtp.NewServer(rec)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	base, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var l net.Listener = &countingListener{Listener: base, open: &rec.open}
	if implicit {
		l = tls.NewListener(l, tlsConf)
	} else {
		srv.TLSConfig = tlsConf
		srv.AllowInsecureAuth = tlsConf == nil
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rec, l.Addr().(*net.TCPAddr).Port
}

func testSMTP(port int, roots *x509.CertPool) SMTP {
	return SMTP{
		Host:     "127.0.0.1",
		Port:     port,
		Username: "piket",
		Password: "rahasia-sekali",
		From:     "Spiker Perak <noreply@spiker.example.go.id>",
		RootCAs:  roots,
		Timeout:  5 * time.Second,
	}
}

func TestSMTPSendSTARTTLS(t *testing.T) {
	cert, roots := testCert(t)
	rec, port := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{cert}}, false)
	s := testSMTP(port, roots)
	if s.Channel() != "email" {
		t.Fatalf("Channel() = %q", s.Channel())
	}
	if err := s.Send(context.Background(), "petugas.piket@dp3a.example.go.id", testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.authed) != 1 || rec.authed[0] != "piket:rahasia-sekali" || !rec.authTLS[0] {
		t.Fatalf("AUTH: got %v over TLS %v, want one PLAIN login over TLS", rec.authed, rec.authTLS)
	}
	if len(rec.from) != 1 || rec.from[0] != "noreply@spiker.example.go.id" {
		t.Errorf("MAIL FROM = %v", rec.from)
	}
	if len(rec.rcpt) != 1 || rec.rcpt[0] != "petugas.piket@dp3a.example.go.id" {
		t.Errorf("RCPT TO = %v", rec.rcpt)
	}
	if len(rec.data) != 1 {
		t.Fatalf("got %d messages", len(rec.data))
	}
	checkMail(t, rec.data[0], "petugas.piket@dp3a.example.go.id")
	rec.waitClosed(t)
}

// checkMail checks that the e-mail holds the Message's fields and nothing else of note.
func checkMail(t *testing.T, raw []byte, to string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, raw)
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil || from.Address != "noreply@spiker.example.go.id" || from.Name != "Spiker Perak" {
		t.Errorf("From = %q", msg.Header.Get("From"))
	}
	rcpt, err := mail.ParseAddress(msg.Header.Get("To"))
	if err != nil || rcpt.Address != to || rcpt.Name != "" {
		t.Errorf("To = %q", msg.Header.Get("To"))
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != testMessage.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, testMessage.Subject)
	}
	allowed := map[string]bool{
		"From": true, "To": true, "Subject": true, "Date": true, "Message-Id": true, "Mime-Version": true,
		"Content-Type": true, "Content-Transfer-Encoding": true, "Auto-Submitted": true,
	}
	for k := range msg.Header {
		if !allowed[k] {
			t.Errorf("unexpected header %s: %q", k, msg.Header.Get(k))
		}
	}
	if got := msg.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if got := msg.Header.Get("Message-Id"); !strings.HasSuffix(got, "@spiker.example.go.id>") {
		t.Errorf("Message-ID = %q, want the sender's domain", got)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type = %q", msg.Header.Get("Content-Type"))
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(string(b), "\r\n", "\n")
	want := testMessage.Text + "\n\n" + testMessage.Link + "\n"
	if got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

func TestSMTPSendImplicitTLS(t *testing.T) {
	cert, roots := testCert(t)
	rec, port := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{cert}}, true)
	s := testSMTP(port, roots)
	s.Security = "tls"
	if err := s.Send(context.Background(), "kabid@dp3a.example.go.id", testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.data) != 1 || !rec.authTLS[0] {
		t.Fatalf("got %d messages, auth over TLS %v", len(rec.data), rec.authTLS)
	}
	checkMail(t, rec.data[0], "kabid@dp3a.example.go.id")
}

func TestSMTPNoSTARTTLSNoFallback(t *testing.T) {
	rec, port := startSMTP(t, nil, false)
	s := testSMTP(port, nil)
	err := s.Send(context.Background(), "petugas@dp3a.example.go.id", testMessage)
	if err == nil {
		t.Fatal("Send succeeded on a server without STARTTLS")
	}
	if !errors.Is(err, ErrPermanent) {
		t.Errorf("error %v: want ErrPermanent (the server's setup will not change by retrying)", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.authSeen != 0 || len(rec.from) != 0 || len(rec.data) != 0 {
		t.Fatalf("server saw AUTH %d, MAIL %v, DATA %d: the client fell back to plaintext", rec.authSeen, rec.from,
			len(rec.data))
	}
	t.Logf("error: %v", err)
	rec.waitClosed(t)
}

func TestSMTPSecurityNoneLocalhost(t *testing.T) {
	rec, port := startSMTP(t, nil, false)
	s := testSMTP(port, nil)
	s.Security = "none"
	if err := s.Send(context.Background(), "petugas@dp3a.example.go.id", testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.data) != 1 {
		t.Fatalf("got %d messages", len(rec.data))
	}
	checkMail(t, rec.data[0], "petugas@dp3a.example.go.id")
}

// With Security "none", a password goes only to localhost: 127.0.0.2 is loopback too, but not by name.
func TestSMTPSecurityNoneRefusesRemoteAuth(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	rec := &smtpRecorder{}
	srv := smtp.NewServer(rec)
	srv.AllowInsecureAuth = true
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	s := testSMTP(l.Addr().(*net.TCPAddr).Port, nil)
	s.Host = "127.0.0.2"
	s.Security = "none"
	err = s.Send(context.Background(), "petugas@dp3a.example.go.id", testMessage)
	if !errors.Is(err, ErrPermanent) {
		t.Fatalf("error %v, want ErrPermanent", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.authSeen != 0 || len(rec.data) != 0 {
		t.Fatal("password or message sent in the clear to a host that is not localhost")
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	cert, _ := testCert(t)
	rec, port := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{cert}}, false)
	_, otherRoots := testCert(t)
	err := testSMTP(port, otherRoots).Send(context.Background(), "petugas@dp3a.example.go.id", testMessage)
	if !errors.Is(err, ErrPermanent) {
		t.Fatalf("error %v: want ErrPermanent for an untrusted certificate", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.authSeen != 0 {
		t.Fatal("password sent over an untrusted connection")
	}
}

func TestSMTPErrors(t *testing.T) {
	cert, roots := testCert(t)
	rec, port := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{cert}}, false)
	ctx := context.Background()
	defer rec.waitClosed(t)

	t.Run("550 recipient", func(t *testing.T) {
		err := testSMTP(port, roots).Send(ctx, "unknown@dp3a.example.go.id", testMessage)
		if !errors.Is(err, ErrPermanent) {
			t.Fatalf("error %v: want ErrPermanent", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Status != 550 || e.Code != "5.1.1" {
			t.Fatalf("error %#v: want status 550, code 5.1.1", err)
		}
		checkNoContent(t, err, "unknown@")
	})
	t.Run("451 recipient", func(t *testing.T) {
		err := testSMTP(port, roots).Send(ctx, "later@dp3a.example.go.id", testMessage)
		if err == nil || errors.Is(err, ErrPermanent) {
			t.Fatalf("error %v: want a temporary error", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Status != 451 {
			t.Fatalf("error %v: want status 451", err)
		}
		checkNoContent(t, err)
	})
	t.Run("wrong password", func(t *testing.T) {
		s := testSMTP(port, roots)
		s.Password = "salah"
		err := s.Send(ctx, "petugas@dp3a.example.go.id", testMessage)
		var e *Error
		if !errors.Is(err, ErrPermanent) || !errors.As(err, &e) || e.Status != 535 {
			t.Fatalf("error %v: want permanent 535", err)
		}
		checkNoContent(t, err, "salah")
	})
	t.Run("bad recipient address", func(t *testing.T) {
		err := testSMTP(port, roots).Send(ctx, "not an address", testMessage)
		if !errors.Is(err, ErrPermanent) {
			t.Fatalf("error %v: want ErrPermanent", err)
		}
	})
	t.Run("unknown security", func(t *testing.T) {
		s := testSMTP(port, roots)
		s.Security = "ssl"
		if err := s.Send(ctx, "petugas@dp3a.example.go.id", testMessage); !errors.Is(err, ErrPermanent) {
			t.Fatalf("error %v: want ErrPermanent", err)
		}
	})
	t.Run("nobody listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := l.Addr().(*net.TCPAddr).Port
		l.Close()
		err = testSMTP(closed, roots).Send(ctx, "petugas@dp3a.example.go.id", testMessage)
		if err == nil || errors.Is(err, ErrPermanent) {
			t.Fatalf("error %v: want a temporary error", err)
		}
	})
	t.Run("subject with a newline", func(t *testing.T) {
		m := testMessage
		m.Subject = "Spiker\r\nBcc: someone@example.com"
		err := testSMTP(port, roots).Send(ctx, "petugas@dp3a.example.go.id", m)
		if !errors.Is(err, ErrPermanent) {
			t.Fatalf("error %v: want ErrPermanent", err)
		}
	})
}

// checkNoContent fails if an error repeats any part of the message, or any of extra.
func checkNoContent(t *testing.T, err error, extra ...string) {
	t.Helper()
	s := err.Error()
	for _, v := range append([]string{testMessage.Subject, testMessage.Text, testMessage.Link}, extra...) {
		if v != "" && strings.Contains(s, v) {
			t.Errorf("error %q contains %q", s, v)
		}
	}
}
