package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ErrTooLarge is wrapped by the permanent error of FetchMedia for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// tooLarge is FetchMedia's error for a file over the limit.
func tooLarge(op string, size, limit int64) *Error {
	e := permanent("whatsapp", op, "the file is %d bytes or more, over %d", size, limit)
	e.err = ErrTooLarge
	return e
}

// waMediaInfo is the Cloud API's answer to GET /{media-id}. file_size has come as a number and as a string.
type waMediaInfo struct {
	URL      string      `json:"url"`
	MimeType string      `json:"mime_type"`
	SHA256   string      `json:"sha256"`
	FileSize json.Number `json:"file_size"`
}

// Media is a file a person sent to the business number, as downloaded.
type Media struct {
	MimeType string // as the platform gives it; the bytes decide what the file is
	Data     []byte
}

// FetchMedia downloads the file of a message: GET {BaseURL}/{mediaID} with the token gives its URL, type, size
// and SHA-256, then GET that URL with the token gives the bytes. A file of more than limit bytes is refused before
// and while it is read, and the bytes must have the announced SHA-256. The media URL must be https (or on the
// API's own host, for a test server or a proxy). Errors never hold the media id, the URL or the token; a file too
// large, a media id the platform does not know and a refused token are permanent.
func (w WhatsApp) FetchMedia(ctx context.Context, mediaID string, limit int64) (*Media, error) {
	const ch = "whatsapp"
	if w.Token == "" {
		return nil, permanent(ch, "config", "no access token")
	}
	if !waID.MatchString(mediaID) {
		return nil, permanent(ch, "media", "media id is not numeric")
	}
	r, err := w.get(ctx, w.base()+"/"+mediaID, maxResponse)
	if err != nil {
		return nil, err
	}
	if r.status/100 != 2 {
		return nil, replyError("media", r, []string{w.Token, mediaID})
	}
	var info waMediaInfo
	if err := json.Unmarshal(r.body, &info); err != nil {
		return nil, permanent(ch, "media", "the media answer is not the documented JSON")
	}
	want, err := info.check(w.base(), limit)
	if err != nil {
		return nil, err
	}
	r, err = w.get(ctx, info.URL, limit+1)
	if err != nil {
		return nil, err
	}
	switch {
	case r.status/100 != 2:
		return nil, replyError("download", r, []string{w.Token, mediaID, info.URL})
	case int64(len(r.body)) > limit:
		return nil, tooLarge("download", int64(len(r.body)), limit)
	}
	if got := sha256.Sum256(r.body); !bytes.Equal(got[:], want) {
		// A download cut short or garbled on the way: another try may do.
		return nil, &Error{Channel: ch, Op: "download", Description: "the file does not match its SHA-256"}
	}
	return &Media{MimeType: info.MimeType, Data: r.body}, nil
}

// check validates the media answer against the limits and returns the SHA-256 the download must have.
func (info waMediaInfo) check(base string, limit int64) ([]byte, error) {
	const ch = "whatsapp"
	if size, err := strconv.ParseInt(info.FileSize.String(), 10, 64); err == nil && size > limit {
		return nil, tooLarge("media", size, limit)
	}
	u, err := url.Parse(info.URL)
	api, _ := url.Parse(base)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || api != nil && u.Scheme == api.Scheme && u.Host == api.Host) {
		return nil, permanent(ch, "media", "the media URL is not https")
	}
	sum := strings.TrimSpace(info.SHA256)
	// Meta documents a hash; it has been seen in hex and in base64.
	for _, decode := range []func(string) ([]byte, error){hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString} {
		if b, err := decode(sum); err == nil && len(b) == sha256.Size {
			return b, nil
		}
	}
	return nil, permanent(ch, "media", "the media answer has no SHA-256")
}

// get sends an authorised GET and reads at most limit bytes of the answer.
func (w WhatsApp) get(ctx context.Context, target string, limit int64) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, permanent("whatsapp", "config", "not a valid URL")
	}
	req.Header.Set("Authorization", "Bearer "+w.Token)
	return doLimit(w.Client, "whatsapp", req, limit)
}
