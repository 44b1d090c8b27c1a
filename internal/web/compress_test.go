package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
)

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// Static files, JSON and the pages without a secret are gzipped for a
// client that accepts it, and say Vary: Accept-Encoding; a page with a
// token and the request's own text is not (BREACH), nor is an already
// compressed type, nor anything for a client that does not accept gzip.
func TestCompression(t *testing.T) {
	s, _ := newTestServer(t, nil)
	s.Submissions = &spiker.ReportIntake{Regions: s.Regions, RegionCode: s.RegionCode}
	s.ClientKey = func(*http.Request) string { return "c" }
	h := s.Handler(Both)
	gz := map[string]string{"Accept-Encoding": "br;q=1, gzip;q=0.8"}
	for _, target := range []string{"/static/app.css", "/static/report.js", "/tentang", "/aman", "/"} {
		plain := do(h, "GET", target, nil)
		rec := do(h, "GET", target, gz)
		if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: Content-Encoding %q, Vary %q", target, rec.Header().Get("Content-Encoding"), rec.Header().Values("Vary"))
			continue
		}
		if plain.Header().Get("Content-Encoding") != "" || !strings.Contains(strings.Join(plain.Header().Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s without Accept-Encoding: %q %q", target, plain.Header().Get("Content-Encoding"), plain.Header().Values("Vary"))
		}
		if got := gunzip(t, rec.Body.Bytes()); got != plain.Body.String() && target != "/" {
			t.Errorf("%s: the gzipped body differs", target)
		}
		if rec.Body.Len() >= plain.Body.Len() {
			t.Errorf("%s: %d bytes gzipped, %d plain", target, rec.Body.Len(), plain.Body.Len())
		}
	}
	if rec := do(h, "GET", "/", map[string]string{"Accept-Encoding": "gzip;q=0"}); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that refuses it")
	}

	// The report form coming back with the typed answers and a token.
	body := url.Values{"narrative": {"teks yang diketik"}, "token": {"x"}}.Encode()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnprocessableEntity || rec.Header().Get("Content-Encoding") != "" || !strings.Contains(rec.Body.String(), "teks yang diketik") {
		t.Errorf("the form with answers: %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	// Pages of the back office (a CSRF token, echoed names and terms)
	// never are.
	if compressionSafe(req, "staff_home.html", map[string]any{}) || compressionSafe(httptest.NewRequest("GET", "/", nil), "receipt.html", map[string]any{}) {
		t.Error("a page with a secret may be compressed")
	}

	// An already compressed type passes untouched.
	img := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(bytes.Repeat([]byte{0xFF}, 4096))
	}))
	rec = do(img, "GET", "/x.jpg", gz)
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.Len() != 4096 || rec.Header().Get("Vary") != "" {
		t.Errorf("a JPEG: %q, %d bytes, Vary %q", rec.Header().Get("Content-Encoding"), rec.Body.Len(), rec.Header().Get("Vary"))
	}
}
