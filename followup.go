package spiker

import (
	"bytes"
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Message kinds in a report's conversation.
const (
	MessageReply   = "pesan" // a message
	MessageInfo    = "info"  // more information about what happened
	MessageMeeting = "temu"  // a request to meet face to face
)

// Message senders. The reporter never learns which staff member wrote.
const (
	FromReporter = "pelapor"
	FromStaff    = "petugas"
)

// Message is one entry of the conversation between a reporter and the
// office. Body is protected.
type Message struct {
	ID   string
	At   time.Time
	From string
	Kind string
	Body string
}

// MaxMessage bounds one message.
const MaxMessage = 5000

// ValidateMessage checks a message's kind and body.
func ValidateMessage(kind, body string) error {
	if kind != MessageReply && kind != MessageInfo && kind != MessageMeeting {
		return &Error{Code: EINVALID, Message: "unknown message kind", Fields: map[string]string{"body": "followup.err.kind"}}
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(body)); {
	case !utf8.ValidString(body) || strings.ContainsRune(body, 0):
		return &Error{Code: EINVALID, Message: "the message is not valid text", Fields: map[string]string{"body": "report.err.text"}}
	case n == 0:
		return &Error{Code: EINVALID, Message: "the message is empty", Fields: map[string]string{"body": "followup.err.empty"}}
	case n > MaxMessage:
		return &Error{Code: EINVALID, Message: "the message is too long", Fields: map[string]string{"body": "followup.err.long"}}
	}
	return nil
}

// Upload is a file a reporter attaches: its content is already checked and
// cleaned of metadata, and is stored only encrypted. The content is Data,
// or, for a file streamed from disk, Size bytes read from Open.
type Upload struct {
	Name string // as the reporter's phone named it; protected
	Kind string // detected media type, e.g. image/jpeg
	Data []byte
	Size int64
	Open func() io.Reader
}

// Len is the size of the content.
func (u Upload) Len() int64 {
	if u.Open != nil {
		return u.Size
	}
	return int64(len(u.Data))
}

// Reader reads the content from its start.
func (u Upload) Reader() io.Reader {
	if u.Open != nil {
		return io.LimitReader(u.Open(), u.Size)
	}
	return bytes.NewReader(u.Data)
}

// MaxUploadSize is the size limit of a file of a kind: audio and video
// (voice notes, phone videos) up to MaxMediaSize, others (photos,
// documents) up to MaxFileSize.
func MaxUploadSize(kind string) int64 {
	if strings.HasPrefix(kind, "audio/") || strings.HasPrefix(kind, "video/") {
		return MaxMediaSize
	}
	return MaxFileSize
}

// Attachment describes a stored file without its content.
type Attachment struct {
	ID   string
	At   time.Time
	Kind string
	Size int64
	Name string
	// ReferralID links a case file to the referral whose partner attached
	// it as the service's result ("" for the team's own files).
	ReferralID string
}

// File limits for reports and follow-up: see MaxUploadSize.
const (
	MaxFileSize     = 10 << 20
	MaxMediaSize    = 50 << 20
	MaxFilesPerPost = 5
)

// Followup is what a reporter sees with their receipt: the status in plain
// words, the conversation, and the files they sent.
type Followup struct {
	ReportID  string
	CreatedAt time.Time
	Status    ReportStatus
	Messages  []Message
	Files     []Attachment
	Meetings  []MeetingNotice
}

// ReceiptWindow is how long the web form's receipt is shown after the
// report is stored: to the browser that sent it, until quick exit ends it.
const ReceiptWindow = 15 * time.Minute

// Limiter throttles what the public can do, per client and globally, so a
// flood of junk cannot drown real reports. client is an HMAC, never an
// address. A refusal is ETOOMANY with when to try again.
type Limiter interface {
	Allow(ctx context.Context, action, client string) error
}

// Limited actions.
const (
	ActionReport  = "report"
	ActionFile    = "file"
	ActionReceipt = "receipt"
	ActionSignIn  = "signin"
)
