package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
)

// SMTP sends alerts by e-mail through a submission server. The recipient address is a plain e-mail address.
type SMTP struct {
	Host     string
	Port     int // 0: 587 for "starttls", 465 for "tls", 25 for "none"
	Username string
	Password string
	From     string // envelope and header sender, e.g. "Spiker Perak <noreply@dp3a.example.go.id>"
	// Security is "starttls" (default: STARTTLS is required, never a plaintext fallback), "tls" (TLS from the
	// first byte, port 465) or "none" (only for tests and relays on the same machine: credentials are then sent
	// only to localhost).
	Security string
	RootCAs  *x509.CertPool // nil: system roots
	Timeout  time.Duration  // per connection; 0: 15 s
}

// Channel implements Sender.
func (s SMTP) Channel() string { return "email" }

// Send implements Sender. The e-mail is plain text: the message's Text, a blank line and the Link.
func (s SMTP) Send(ctx context.Context, to string, m Message) error {
	const ch = "email"
	if err := m.validate(ch); err != nil {
		return err
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return permanent(ch, "recipient", "not a valid e-mail address")
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return permanent(ch, "config", "From is not a valid e-mail address")
	}
	if s.Host == "" {
		return permanent(ch, "config", "no SMTP host")
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(from)
	msg.ToMailAddress(&mail.Address{Address: rcpt.Address})
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text+"\n\n"+m.Link+"\n")
	// go-mail would put this machine's host name in the Message-ID; the sender's domain says less about the
	// network the server sits in.
	msg.SetMessageIDWithValue(rand.Text() + "@" + domainOf(from.Address))
	// RFC 3834: keeps vacation responders from answering an alert.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")

	tlsConf := &tls.Config{ServerName: s.Host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
	opts := []gomail.Option{gomail.WithTLSConfig(tlsConf)}
	port := s.Port
	switch s.Security {
	case "", "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	case "tls":
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if port == 0 {
			port = 25
		}
	default:
		return permanent(ch, "config", "unknown Security %q (want starttls, tls or none)", s.Security)
	}
	opts = append(opts, gomail.WithPort(port))
	if s.Timeout > 0 {
		opts = append(opts, gomail.WithTimeout(s.Timeout))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
		if s.Security == "none" {
			// go-mail's PLAIN refuses an unencrypted connection to any host but localhost, so a password never
			// crosses a network in the clear.
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain))
		} else {
			// Inside verified TLS, PLAIN and LOGIN are safe and are what submission servers (Gmail, Microsoft
			// 365, Postfix with Dovecot) offer for a mailbox password; go-mail's own order would try NTLM or
			// CRAM-MD5 first where a server lists them. Other mechanisms remain the fallback.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
		}
	}
	// go-mail (v0.8.1) returns from a failed STARTTLS or AUTH without closing the connection; dialing here
	// keeps hold of it so that it is always closed, instead of lingering until the server times it out.
	var conn net.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	dialer := &net.Dialer{}
	opts = append(opts, gomail.WithDialContextFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		var err error
		if s.Security == "tls" {
			// A *tls.Conn, which go-mail's SMTP client recognises as encrypted.
			c, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConf}).DialContext(ctx, network, addr)
		} else {
			c, err = dialer.DialContext(ctx, network, addr)
		}
		conn = c
		return c, err
	}))

	client, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return permanent(ch, "config", "%s", err)
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return smtpError(err)
	}
	err = client.SendWithSMTPClient(sc, msg)
	_ = client.CloseWithSMTPClient(sc)
	// Once the server has accepted the DATA, a failing RSET or QUIT must not make the caller send it again.
	if err != nil && !msg.IsDelivered() {
		return smtpError(err)
	}
	return nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i+1 < len(addr) {
		return addr[i+1:]
	}
	return "localhost"
}

// smtpError classifies a go-mail failure: SMTP 5xx replies are permanent, 4xx temporary; a server that will not
// do what the configuration demands (STARTTLS, AUTH, a trusted certificate) is permanent; network trouble is
// temporary. go-mail's SendError text lists the recipients, so only its code and step are kept.
func smtpError(err error) error {
	const ch = "email"
	var se *gomail.SendError
	if errors.As(err, &se) {
		e := &Error{Channel: ch, Op: se.Reason.String(), Status: se.ErrorCode(), Code: se.EnhancedStatusCode()}
		switch {
		case se.Reason == gomail.ErrGetSender || se.Reason == gomail.ErrGetRcpts || se.Reason == gomail.ErrNoUnencoded:
			e.Permanent = true
		case e.Status >= 500:
			e.Permanent = true
		}
		return e
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		// Replies before MAIL FROM: greeting, EHLO, STARTTLS, AUTH (535 is rejected credentials).
		return &Error{Channel: ch, Op: "session", Status: tp.Code, Description: describe(tp.Msg),
			Permanent: tp.Code >= 500}
	}
	e := &Error{Channel: ch, Op: "session", err: err}
	msg := err.Error()
	switch {
	case isCertError(err),
		errors.Is(err, gomail.ErrNoSupportedAuthDiscovered),
		errors.Is(err, gosmtp.ErrUnencrypted),
		errors.Is(err, gosmtp.ErrWrongHostname),
		// go-mail reports these two with plain fmt.Errorf.
		strings.Contains(msg, "does not support STARTTLS"),
		strings.Contains(msg, "does not support SMTP AUTH"):
		e.Permanent = true
	}
	return e
}
