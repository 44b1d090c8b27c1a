package spiker

import (
	"crypto/rand"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Sources of one-time submission tokens. A token makes a retried submission
// return the receipt of the report it made instead of storing another; it is
// stored and looked up as "source:value", so a value from one source never
// stands for another's. Above all, nothing a client sends can take the form
// of the token of a report that came in on WhatsApp (its message id, in a
// namespace of its own) and so obtain that report's receipt.
const (
	TokenForm  = "form"  // the public report form's one-time token
	TokenStaff = "staff" // the walk-in intake form's one-time token
	TokenAPI   = "api"   // a JSON API client's Idempotency-Key
)

// tokenFormats is what each source may send: the forms exactly what they
// issue (18 random bytes in URL-safe base64), an API client a key of its
// own choosing, long enough not to be guessed.
var tokenFormats = map[string]*regexp.Regexp{
	TokenForm:  regexp.MustCompile(`^[A-Za-z0-9_-]{24}$`),
	TokenStaff: regexp.MustCompile(`^[A-Za-z0-9_-]{24}$`),
	TokenAPI:   regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`),
}

// tokenFields names, for each source, the field and message of a refused
// token.
var tokenFields = map[string][2]string{
	TokenForm:  {"token", "report.err.token"},
	TokenStaff: {"token", "report.err.token"},
	TokenAPI:   {"Idempotency-Key", "api.err.idempotency_key"},
}

// SubmissionToken returns a token as stored for its source, or EINVALID
// when the value is not what that source sends.
func SubmissionToken(source, value string) (string, error) {
	if tokenFormats[source] == nil || !tokenFormats[source].MatchString(value) {
		f := tokenFields[source]
		return "", &Error{Code: EINVALID, Message: "the one-time submission token is malformed", Fields: map[string]string{f[0]: f[1]}}
	}
	return source + ":" + value, nil
}

// TokenFrom reports whether token, as SubmissionToken returns it, comes from
// one of the sources.
func TokenFrom(token string, sources ...string) bool {
	source, value, ok := strings.Cut(token, ":")
	return ok && slices.Contains(sources, source) && tokenFormats[source].MatchString(value)
}

// FormTokenLife is how long the report form's token may be sent: a form
// left open longer is refused (nothing stored, no receipt), so that the
// browser's "confirm resubmission" of an old form can never make a new
// report and show its receipt. A day leaves time to write a long story.
const FormTokenLife = 24 * time.Hour

// NewFormToken issues the report form's one-time token: 18 bytes in
// URL-safe base64, the first 5 the time it was issued (Unix seconds), the
// other 13 random. Changing the time gives another token, the same as
// filling in a new form.
func NewFormToken(now time.Time) string {
	var b [18]byte
	sec := uint64(now.Unix())
	for i := 4; i >= 0; i-- {
		b[i] = byte(sec)
		sec >>= 8
	}
	rand.Read(b[5:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// FormTokenExpired reports whether a form token was issued more than
// FormTokenLife before now, in the future, or cannot be read at all.
func FormTokenExpired(value string, now time.Time) bool {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(b) != 18 {
		return true
	}
	var sec int64
	for _, c := range b[:5] {
		sec = sec<<8 | int64(c)
	}
	issued := time.Unix(sec, 0)
	return now.Sub(issued) > FormTokenLife || issued.After(now.Add(time.Minute))
}
