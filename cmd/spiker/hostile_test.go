package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/web"
)

// wantHeaders are the security headers every response carries, exactly.
var wantHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
	"Referrer-Policy":              "no-referrer",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

func routePath(p string) string {
	return strings.TrimSuffix(strings.NewReplacer("{id}", "x", "{file}", "x").Replace(p), "{$}")
}

// TestSecurityHeadersOnEveryRoute requests every route of both listeners,
// signed in as a supervisor and anonymously, and checks the headers: the
// same CSP and friends everywhere, no-store on every page (static files
// may be cached), and HSTS exactly when the connection is TLS.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	secret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	staff := newPortal(t, m)
	signIn(t, staff, "kepala.uptd", secret, time.Now())
	anon := newPortal(t, m)
	checked := 0
	for _, rt := range m.Web.Routes(web.Both) {
		for _, p := range []*portal{anon, staff} {
			var resp *http.Response
			if rt.Method == "GET" {
				resp, _ = p.get(routePath(rt.Path))
			} else {
				resp, _ = p.post(routePath(rt.Path), url.Values{}, nil)
			}
			for h, want := range wantHeaders {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s %s: %s = %q, want %q", rt.Method, rt.Path, h, got, want)
				}
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" && !strings.HasPrefix(rt.Path, "/static/") {
				t.Errorf("%s %s: Cache-Control %q", rt.Method, rt.Path, cc)
			}
			if resp.Header.Get("Strict-Transport-Security") != "" {
				t.Errorf("%s %s: HSTS over plain HTTP", rt.Method, rt.Path)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d responses checked", checked)
	}
	// Over TLS (built in, or a proxy speaking TLS to it), HSTS is sent.
	srv := httptest.NewTLSServer(m.Web.Handler(web.Both))
	defer srv.Close()
	c := srv.Client()
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	resp, err := c.Get(srv.URL + "/tentang")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=63072000; includeSubDomains" {
		t.Fatalf("HSTS over TLS: %q", got)
	}
}

// TestCrossSitePostRefusedOnEveryRoute sends every POST route a request
// as a cross-site form would (Origin of another site, Sec-Fetch-Site:
// cross-site), with a signed-in supervisor's cookie and a valid CSRF
// token: each is refused before its handler runs, and nothing is stored.
func TestCrossSitePostRefusedOnEveryRoute(t *testing.T) {
	ctx := context.Background()
	m, _ := startMain(t, t.TempDir(), "")
	secret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	p := newPortal(t, m)
	csrf := signIn(t, p, "kepala.uptd", secret, time.Now())
	count := func() (n int) {
		m.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT COUNT(*) FROM audit_log`, nil, &n) })
		return n
	}
	before := count()
	posts := 0
	for _, rt := range m.Web.Routes(web.Both) {
		if rt.Method != "POST" {
			continue
		}
		form := validAnswers("token-cross-site")
		form.Set("csrf", csrf)
		req, _ := http.NewRequest("POST", p.base+routePath(rt.Path), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, body := p.do(req)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d %.200s", rt.Path, resp.StatusCode, body)
		}
		posts++
	}
	if posts < 40 {
		t.Fatalf("only %d POST routes", posts)
	}
	if after := count(); after != before {
		t.Fatalf("cross-site posts changed something: %d audit entries, before %d", after, before)
	}
}

// pngBomb is a valid PNG that claims 40000 × 40000 pixels: its IDAT
// inflates to 1.6 GB of zeros. The server must never inflate it.
func pngBomb(t *testing.T) []byte {
	t.Helper()
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	for range 64 { // 64 MiB here; the header promises far more
		zw.Write(zero)
	}
	zw.Close()
	var b bytes.Buffer
	b.Write([]byte("\x89PNG\r\n\x1a\n"))
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 40000)
	binary.BigEndian.PutUint32(ihdr[4:], 40000)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// TestUploadBombAndSlowClients: a decompression bomb in a report is
// stored (or refused) without being inflated, and a hundred clients that
// send their headers a byte a second neither stop others from being
// served nor keep their connections past the header timeout.
func TestUploadBombAndSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: slow clients take their time; CI runs it")
	}
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.RateLimits = "off"; c.NoJobs = true })
	p := newPortal(t, m)
	_, form := p.get("/")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	bomb := pngBomb(t)
	resp, page := p.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), map[string][]byte{"foto.png": bomb})
	runtime.ReadMemStats(&after)
	if resp.StatusCode != 200 || !receiptRE.MatchString(page) {
		t.Fatalf("the report with a PNG bomb: %d", resp.StatusCode)
	}
	if grown := int64(after.TotalAlloc) - int64(before.TotalAlloc); grown > 200<<20 {
		t.Fatalf("the server allocated %d MB for a %d KB upload: it inflated the bomb", grown>>20, len(bomb)>>10)
	}

	// Slow clients: each sends a request line and then a byte a second.
	var conns []net.Conn
	for range 100 {
		c, err := net.Dial("tcp", m.PublicAddr())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n"))
		conns = append(conns, c)
	}
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for _, c := range conns {
					c.Write([]byte("X"))
				}
			}
		}
	}()
	defer close(stop)
	start := time.Now()
	if code, _ := get(t, "http://"+m.PublicAddr()+"/healthz"); code != 200 || time.Since(start) > 2*time.Second {
		t.Fatalf("served with slow clients around: %d in %s", code, time.Since(start))
	}
	// The header timeout (10 s) ends every slow connection.
	closed := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		// The server answers (408) and closes, or just closes: either way
		// the read ends before our deadline.
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			closed++
		}
		c.Close()
	}
	if time.Since(start) > 20*time.Second || closed != len(conns) {
		t.Fatalf("slow connections kept %s", time.Since(start))
	}
}
