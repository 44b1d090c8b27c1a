// Package notify delivers staff alerts over external channels (e-mail, Telegram, WhatsApp Business Cloud API and
// web push) and reads the WhatsApp Cloud API's inbound webhook. Office puts these to the office's use: alert
// dispatch, channel administration, WhatsApp intake and replies, and the Telegram bot.
//
// An alert never carries case content: it says only that there is something to look at and links to the back
// office, where the reader has to log in. Message has no field for more on purpose, and errors returned here carry
// status codes and the service's own error code and description, never the text that was sent, because errors end
// up in logs.
package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message is an alert for a staff member. It has no field for case content on purpose.
type Message struct {
	Subject string // short: "Spiker Perak: laporan baru perlu dilihat"
	Text    string // one or two sentences without names, places or story
	Link    string // absolute URL of the back office page
}

// Limits on a Message. They keep alerts short, as they are meant to be, and keep every channel within its own
// limit (a web push payload is under 4 KiB once encrypted).
const (
	MaxSubject = 150  // characters
	MaxText    = 1000 // characters
	MaxLink    = 2048 // bytes
)

// Sender delivers a Message to one recipient address on one channel.
type Sender interface {
	Channel() string // "email", "telegram", "whatsapp", "webpush"
	Send(ctx context.Context, to string, m Message) error
}

// ErrPermanent marks a failure that retrying cannot fix (bad address, rejected credentials, unknown chat, a
// subscription that is gone, a configuration the service refuses). Test with errors.Is. Any other error is
// temporary: the caller retries with backoff, after RetryAfter if that reports a delay.
var ErrPermanent = errors.New("notify: permanent failure")

// Error is what the senders return. It holds only what helps an operator: which channel, what step, the status
// the service answered and the service's own code and description, with anything that was sent removed.
type Error struct {
	Channel     string // "email", "telegram", "whatsapp", "webpush"
	Op          string // the step that failed: "send", "RCPT TO", "message"...
	Status      int    // HTTP status or SMTP reply code; 0 when there was no answer
	Code        string // the service's own error code (Telegram error_code, WhatsApp error code, SMTP 5.1.1)
	Description string // the service's description, cleaned and shortened
	Permanent   bool
	Wait        time.Duration // delay the service asked for (HTTP Retry-After, Telegram retry_after); 0 if none
	err         error         // cause without URLs (a bot token is part of Telegram's URL)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Channel)
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.err != nil {
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	if e.Permanent {
		b.WriteString(" [permanent]")
	} else if e.Wait > 0 {
		fmt.Fprintf(&b, " [retry after %s]", e.Wait)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrPermanent) work.
func (e *Error) Is(target error) bool { return target == ErrPermanent && e.Permanent }

// Unwrap gives the cause, so that errors.Is(err, context.DeadlineExceeded) and the like work.
func (e *Error) Unwrap() error { return e.err }

// RetryAfter returns the delay the service asked for before trying again, if it asked.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.Wait > 0 {
		return e.Wait, true
	}
	return 0, false
}

// maxWait caps a requested delay: a broken or hostile answer must not park an alert for days.
const maxWait = 24 * time.Hour

func permanent(channel, op, format string, args ...any) *Error {
	return &Error{Channel: channel, Op: op, Description: fmt.Sprintf(format, args...), Permanent: true}
}

// validate checks a Message before any channel sees it. The failure is permanent: sending the same message again
// cannot make it valid. Descriptions name the field, never its content.
func (m Message) validate(channel string) error {
	if strings.TrimSpace(m.Subject) == "" || strings.TrimSpace(m.Text) == "" {
		return permanent(channel, "message", "subject or text is empty")
	}
	if err := checkLine("subject", m.Subject, MaxSubject, false); err != nil {
		return permanent(channel, "message", "%s", err)
	}
	if err := checkLine("text", m.Text, MaxText, true); err != nil {
		return permanent(channel, "message", "%s", err)
	}
	if len(m.Link) > MaxLink {
		return permanent(channel, "message", "link is longer than %d bytes", MaxLink)
	}
	u, err := url.Parse(m.Link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		strings.ContainsAny(m.Link, " \t\r\n") {
		return permanent(channel, "message", "link is not an absolute http(s) URL")
	}
	return nil
}

// checkLine checks a text field: valid UTF-8, at most maxRunes characters, no control characters but, where
// newlines is set, line feeds.
func checkLine(field, s string, maxRunes int, newlines bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Errorf("%s has %d characters, more than %d", field, n, maxRunes)
	}
	for _, r := range s {
		if r == '\n' && newlines {
			continue
		}
		// Control characters would let a subject smuggle headers or garble a chat message.
		if unicode.IsControl(r) {
			return fmt.Errorf("%s contains a control character", field)
		}
	}
	return nil
}

// defaultClient is used when a sender has no Client: unlike http.DefaultClient it gives up, so a hung service
// cannot hold an outbox worker forever.
var defaultClient = &http.Client{Timeout: 30 * time.Second}

// maxResponse bounds what is read of a service's answer.
const maxResponse = 64 << 10

// response is a service's answer, read and closed.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends req and reads a bounded answer. A transport failure comes back as a temporary *Error whose cause has
// the URL taken out: *url.Error prints the URL, and Telegram's carries the bot token, a push endpoint its
// capability token.
func do(client *http.Client, channel string, req *http.Request) (*response, error) {
	return doLimit(client, channel, req, maxResponse)
}

// doLimit is do reading at most limit bytes of the answer.
func doLimit(client *http.Client, channel string, req *http.Request, limit int64) (*response, error) {
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, transportError(channel, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, transportError(channel, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func transportError(channel string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	e := &Error{Channel: channel, Op: "request", err: err}
	// A certificate the system does not trust will not become trusted by retrying; an operator must act.
	e.Permanent = isCertError(err)
	return e
}

func isCertError(err error) bool {
	var (
		unknown   x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		hostname  x509.HostnameError
		verifyErr *tls.CertificateVerificationError
	)
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &hostname) ||
		errors.As(err, &verifyErr)
}

// statusError turns a non-2xx HTTP status into an *Error: 408, 429 and 5xx are temporary (429 and 503 with the
// Retry-After the service gave), other 4xx are permanent: the request itself is wrong.
func statusError(channel, op string, r *response) *Error {
	e := &Error{Channel: channel, Op: op, Status: r.status}
	switch {
	case r.status == http.StatusRequestTimeout, r.status == http.StatusTooManyRequests, r.status >= 500:
		// A date in Retry-After is read against the service's own Date
		// header, so no clock of ours is needed (nor can a pinned one skew it).
		date, _ := http.ParseTime(r.header.Get("Date"))
		e.Wait = parseRetryAfter(r.header.Get("Retry-After"), date)
	case r.status >= 400:
		e.Permanent = true
	}
	return e
}

// parseRetryAfter reads an HTTP Retry-After header: delay-seconds, or an
// HTTP date measured from now, the response's Date (without one the date
// is ignored and the job's own backoff applies).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return clampWait(time.Duration(min(max(n, 0), int64(maxWait/time.Second))) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil && !now.IsZero() {
		return clampWait(t.Sub(now))
	}
	return 0
}

func clampWait(d time.Duration) time.Duration {
	return min(max(d, 0), maxWait)
}

// maxDescription bounds a service's description in an error.
const maxDescription = 300

// describe cleans a service's description for an error message: it removes whatever was sent (services sometimes
// quote the offending parameter), control characters and anything past maxDescription bytes.
func describe(s string, sent ...string) string {
	for _, v := range sent {
		// Very short values would turn every other word into "[redacted]" and cannot say much on their own.
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDescription {
		cut := maxDescription
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// sensitive lists the parts of a Message that must not reappear in an error.
func (m Message) sensitive() []string {
	return []string{m.Subject, m.Text, m.Link}
}
