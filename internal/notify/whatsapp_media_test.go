package notify

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// mediaServer speaks the Cloud API's two media steps: the media id's
// answer (as JSON built by info from the server's own URL) and the file.
func mediaServer(t *testing.T, info func(base string) string, file []byte) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer EAAG-token" {
			t.Errorf("%s %s with %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		switch r.URL.Path {
		case "/v21.0/1479537139650973":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, info(srv.URL))
		case "/file":
			w.Write(file)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":{"message":"Unsupported get request. Object with ID '%s' does not exist","type":"GraphMethodException","code":100,"error_subcode":33}}`,
				strings.TrimPrefix(r.URL.Path, "/v21.0/"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWhatsAppFetchMedia(t *testing.T) {
	ctx := context.Background()
	file := []byte("\xFF\xD8\xFF\xE0 a photo")
	sum := sha256.Sum256(file)
	answer := func(url, sha string, size any) func(string) string {
		return func(base string) string {
			return fmt.Sprintf(`{"messaging_product":"whatsapp","url":%q,"mime_type":"image/jpeg","sha256":%q,"file_size":%v,"id":"1479537139650973"}`,
				strings.ReplaceAll(url, "BASE", base), sha, size)
		}
	}
	fetch := func(info func(string) string, body []byte, id string, limit int64) (*Media, error) {
		srv := mediaServer(t, info, body)
		return WhatsApp{Token: "EAAG-token", BaseURL: srv.URL + "/v21.0"}.FetchMedia(ctx, id, limit)
	}
	for name, sha := range map[string]string{"hex": hex.EncodeToString(sum[:]), "base64": base64.StdEncoding.EncodeToString(sum[:])} {
		for _, size := range []any{len(file), fmt.Sprintf("%q", fmt.Sprint(len(file)))} {
			m, err := fetch(answer("BASE/file", sha, size), file, "1479537139650973", 100)
			if err != nil || string(m.Data) != string(file) || m.MimeType != "image/jpeg" {
				t.Fatalf("%s, size %v: %+v, %v", name, size, m, err)
			}
		}
	}
	good := hex.EncodeToString(sum[:])
	for name, c := range map[string]struct {
		info      func(string) string
		body      []byte
		id        string
		permanent bool
	}{
		"garbled download":        {answer("BASE/file", good, len(file)), []byte("\xFF\xD8\xFF\xE0 a phot0"), "1479537139650973", false},
		"announced too large":     {answer("BASE/file", good, 101), file, "1479537139650973", true},
		"larger than announced":   {answer("BASE/file", good, 10), append(file, make([]byte, 100)...), "1479537139650973", true},
		"unknown media id":        {answer("BASE/file", good, 10), file, "2479537139650974", true},
		"no SHA-256":              {answer("BASE/file", "", 10), file, "1479537139650973", true},
		"plain http elsewhere":    {answer("http://files.example/file", good, 10), file, "1479537139650973", true},
		"not JSON":                {func(string) string { return "<html>" }, file, "1479537139650973", true},
		"media id is not numeric": {answer("BASE/file", good, 10), file, "../me", true},
	} {
		_, err := fetch(c.info, c.body, c.id, 100)
		if err == nil || errors.Is(err, ErrPermanent) != c.permanent || errors.Is(err, ErrTooLarge) != strings.Contains(name, "large") {
			t.Errorf("%s: %v, want permanent %v", name, err, c.permanent)
			continue
		}
		for _, secret := range []string{"EAAG-token", "1479537139650973", "2479537139650974", "/file"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error %q holds %q", name, err, secret)
			}
		}
	}
}
