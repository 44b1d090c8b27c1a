package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"strings"
	"testing"
)

// TestReportFormGzip: the compressed form is the uncompressed one (the
// same page around its own token, a valid gzip with a correct CRC and
// length), its token travels uncompressed, and its size does not depend
// on the token.
func TestReportFormGzip(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler(Public)
	for _, lang := range []string{"id", "en"} {
		plain := do(h, "GET", "/", map[string]string{"Accept-Language": lang})
		sizes := map[int]bool{}
		for range 3 {
			gz := do(h, "GET", "/", map[string]string{"Accept-Language": lang, "Accept-Encoding": "gzip, deflate, br"})
			if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(gz.Header().Values("Vary"), ","), "Accept-Encoding") {
				t.Fatalf("%s: status %d, headers %v", lang, gz.Code, gz.Header())
			}
			if gz.Header().Get("Content-Length") != "" && gz.Header().Get("Content-Length") != strconv.Itoa(gz.Body.Len()) {
				t.Fatalf("%s: Content-Length %s for %d bytes", lang, gz.Header().Get("Content-Length"), gz.Body.Len())
			}
			sizes[gz.Body.Len()] = true
			zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			zr.Multistream(false)
			page, err := io.ReadAll(zr) // checks the CRC-32 and the length
			if err != nil {
				t.Fatalf("%s: the gzip does not read back: %v", lang, err)
			}
			m, mp := tokenInput.FindSubmatch(page), tokenInput.FindStringSubmatch(plain.Body.String())
			if m == nil || mp == nil || string(m[1]) == mp[1] {
				t.Fatalf("%s: tokens %q and %q", lang, m, mp)
			}
			if want := strings.Replace(plain.Body.String(), mp[1], string(m[1]), 1); string(page) != want {
				t.Fatalf("%s: the gzipped page (%d bytes) is not the plain page with its token (%d bytes)", lang, len(page), len(want))
			}
			if !bytes.Contains(gz.Body.Bytes(), m[1]) {
				t.Errorf("%s: the token is not stored uncompressed in the response", lang)
			}
			if gz.Body.Len() > plain.Body.Len()/3 {
				t.Errorf("%s: %d bytes gzipped for a %d-byte page", lang, gz.Body.Len(), plain.Body.Len())
			}
		}
		if len(sizes) != 1 {
			t.Errorf("%s: the compressed size varies with the token: %v", lang, sizes)
		}
	}
	// HEAD and clients without gzip get the plain page.
	if r := do(h, "HEAD", "/", map[string]string{"Accept-Encoding": "gzip"}); r.Header().Get("Content-Encoding") != "" {
		t.Errorf("HEAD: Content-Encoding %q", r.Header().Get("Content-Encoding"))
	}
	if r := do(h, "GET", "/", map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0: Content-Encoding %q", r.Header().Get("Content-Encoding"))
	}
}

// BenchmarkReportFormGzip is GET / for a browser (gzip accepted), through
// the whole handler.
func BenchmarkReportFormGzip(b *testing.B) {
	s, _ := newTestServer(b, nil)
	h := s.Handler(Public)
	header := map[string]string{"Accept-Language": "id", "Accept-Encoding": "gzip"}
	for b.Loop() {
		do(h, "GET", "/", header)
	}
}
