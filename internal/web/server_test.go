package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/wilayah"
)

func newTestServer(t testing.TB, ready error) (*Server, *bytes.Buffer) {
	t.Helper()
	regions, err := wilayah.Default()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	return &Server{
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
		Regions:    regions,
		RegionCode: "35.24",
		Ready:      func(context.Context) error { return ready },
	}, logs
}

func do(h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Every route, found or not, carries the security headers, and pages are
// never cached.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler(Both)
	for _, target := range []string{"/healthz", "/readyz", "/", "/tentang", "/aman", "/cek", "/tanda-terima", "/favicon.ico", "/static/app.css", "/no/such/page", "/static/"} {
		rec := do(h, "GET", target, nil)
		hdr := rec.Header()
		for k, want := range map[string]string{
			"Content-Security-Policy": csp,
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
		} {
			if hdr.Get(k) != want {
				t.Errorf("%s: %s = %q, want %q", target, k, hdr.Get(k), want)
			}
		}
		if !strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: CSP allows framing", target)
		}
		if target != "/static/app.css" && hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", target, hdr.Get("Cache-Control"))
		}
		if hdr.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", target)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	s, _ := newTestServer(t, nil)
	if rec := do(s.Handler(Public), "GET", "/readyz", nil); rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Errorf("/readyz = %d %q", rec.Code, rec.Body.String())
	}
	down, logs := newTestServer(t, spiker.Errorf(spiker.EUNAVAILABLE, "schema is at version 0"))
	rec := do(down.Handler(Staff), "GET", "/readyz", nil)
	if rec.Code != 503 || strings.Contains(rec.Body.String(), "schema") {
		t.Errorf("/readyz when not ready = %d %q", rec.Code, rec.Body.String())
	}
	if !strings.Contains(logs.String(), "schema is at version 0") {
		t.Error("the reason for not being ready was not logged")
	}
	if rec := do(down.Handler(Staff), "GET", "/healthz", nil); rec.Code != 200 {
		t.Errorf("/healthz = %d while the process runs", rec.Code)
	}
	if rec := do(down.Handler(Staff), "POST", "/healthz", nil); rec.Code != 405 {
		t.Errorf("POST /healthz = %d, want 405", rec.Code)
	}
}

// With a separate staff listener the public portal's pages are not on it,
// and vice versa.
func TestListenerSeparation(t *testing.T) {
	s, _ := newTestServer(t, nil)
	if rec := do(s.Handler(Staff), "GET", "/tentang", nil); rec.Code != 404 {
		t.Errorf("staff listener serves the public about page: %d", rec.Code)
	}
	if rec := do(s.Handler(Public), "GET", "/tentang", nil); rec.Code != 200 {
		t.Errorf("public listener: /tentang = %d", rec.Code)
	}
}

func TestAboutPage(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler(Public)
	id := do(h, "GET", "/tentang", nil)
	body := id.Body.String()
	for _, want := range []string{`<html lang="id">`, "Kabupaten Lamongan", "ODbL", "idn-area-data", "fityannugroho", `href="tel:129"`, "08111-129-129", `href="tel:110"`, `href="tel:112"`, "<title>Spiker Perak</title>"} {
		if !strings.Contains(body, want) {
			t.Errorf("about page lacks %q", want)
		}
	}
	en := do(h, "GET", "/tentang", map[string]string{"Accept-Language": "en-GB,en;q=0.9"})
	if !strings.Contains(en.Body.String(), `<html lang="en">`) || !strings.Contains(en.Body.String(), "About this service") {
		t.Error("English was asked for and not given")
	}
	if en.Header().Get("Vary") != "Accept-Language" {
		t.Error("language-dependent page does not Vary on Accept-Language")
	}
	if rec := do(h, "GET", "/lapor", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Errorf("/lapor = %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestNotFoundPage(t *testing.T) {
	s, _ := newTestServer(t, nil)
	rec := do(s.Handler(Both), "GET", "/admin.php", nil)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "Halaman ini tidak ada") || !strings.Contains(rec.Body.String(), `href="tel:129"`) {
		t.Errorf("404 page: %d %s", rec.Code, rec.Body.String())
	}
}

func TestStaticFiles(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler(Public)
	rec := do(h, "GET", "/static/app.css?v="+staticVersion, nil)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "text/css") ||
		rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("versioned css: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
	}
	if rec := do(h, "GET", "/static/app.css", nil); rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("unversioned css cached: %q", rec.Header().Get("Cache-Control"))
	}
	if rec := do(h, "GET", "/static/", nil); rec.Code != 404 {
		t.Errorf("directory listing: %d", rec.Code)
	}
	page := do(h, "GET", "/tentang", nil).Body.String()
	if !strings.Contains(page, "/static/app.css?v="+staticVersion) {
		t.Error("pages do not link the versioned stylesheet")
	}
}

// One table maps error codes to statuses; unknown errors are 500 and their
// detail stays in the log.
func TestErrorStatus(t *testing.T) {
	for code, want := range map[string]int{
		spiker.EINVALID: 400, spiker.EUNAUTHORIZED: 401, spiker.EFORBIDDEN: 403, spiker.ENOTFOUND: 404,
		spiker.ECONFLICT: 409, spiker.EUNAVAILABLE: 503, spiker.EINTERNAL: 500, spiker.ETOOMANY: 429, spiker.ERESTRICTED: 423,
		spiker.EGONE: 410,
	} {
		if got := ErrorStatus(spiker.Errorf(code, "x")); got != want {
			t.Errorf("%s → %d, want %d", code, got, want)
		}
	}
	s, logs := newTestServer(t, nil)
	rec := httptest.NewRecorder()
	s.pages = mustParsePages(spiker.TimeZone("35.24"), func(c string) string { return c })
	s.Error(rec, httptest.NewRequest("GET", "/", nil), errors.New("secret detail /var/lib/x"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret detail") || !strings.Contains(logs.String(), "secret detail") {
		t.Errorf("internal error: %d, body leaks=%v, logged=%v", rec.Code,
			strings.Contains(rec.Body.String(), "secret detail"), strings.Contains(logs.String(), "secret detail"))
	}
}

func TestPanicIsContained(t *testing.T) {
	s, logs := newTestServer(t, nil)
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := do(h, "GET", "/", nil)
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 500 || string(body) != "internal error\n" || !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic: %d %q", rec.Code, body)
	}
}

// The favicon comes from the binary, as an SVG, on both listeners.
func TestFavicon(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for _, kinds := range []int{Public, Staff} {
		rec := do(s.Handler(kinds), "GET", "/favicon.ico", nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(rec.Body.String(), "<svg") {
			t.Errorf("listener %d: /favicon.ico %d %q", kinds, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
}
