package main

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// tcpProxy stands between the program and PostgreSQL, so a test can take
// the database server away: stop closes the port and every connection, as
// a crashed or unreachable server does.
type tcpProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.closed {
				c.Close()
				s.Close()
			} else {
				p.conns = append(p.conns, c, s)
			}
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *tcpProxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
}

// TestDatabaseOutagePages: with the database gone under a running server
// (SQLite's handle closed; PostgreSQL's server unreachable), a signed-in
// staff member gets a calm 503 page in their language that says to try
// again, not the sign-in page; the public form keeps the answers and says
// the report was not saved yet; /readyz says not ready.
func TestDatabaseOutagePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		var proxy *tcpProxy
		if dbURL != "" && strings.HasPrefix(dbURL, "postgres") {
			u, err := url.Parse(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			proxy = startProxy(t, u.Host)
			u.Host = proxy.ln.Addr().String()
			dbURL = u.String()
		}
		m, _ := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		staff := newPortal(t, m)
		signIn(t, staff, "konselor.satu", secret, m.Clock.Now())
		if resp, _ := staff.get("/staf/"); resp.StatusCode != 200 {
			t.Fatalf("/staf/ before the outage: %d", resp.StatusCode)
		}
		public := newPortal(t, m)
		_, form := public.get("/")
		token := tokenRE.FindStringSubmatch(form)[1]

		// The staff API takes the same sessions as bearer tokens.
		base, _ := url.Parse(staff.base)
		var bearer string
		for _, c := range staff.c.Jar.Cookies(base) {
			if strings.Contains(c.Name, "staf") || strings.Contains(c.Name, "session") {
				bearer = c.Value
			}
		}
		apiGet := func() (int, string) {
			req, _ := http.NewRequest("GET", staff.base+"/api/v1/staff/reports", nil)
			req.Header.Set("Authorization", "Bearer "+bearer)
			resp, body := staff.do(req)
			return resp.StatusCode, body
		}
		if code, body := apiGet(); bearer == "" || code != 200 {
			t.Fatalf("the staff API before the outage: %d %.300s (cookies %v)", code, body, staff.c.Jar.Cookies(base))
		}

		if proxy != nil {
			proxy.stop()
		} else {
			m.DB.Close()
		}

		for _, path := range []string{"/staf/", "/staf/kasus"} {
			resp, page := staff.get(path)
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(page, "Layanan sedang tidak tersedia") ||
				!strings.Contains(page, "tidak perlu masuk ulang") || !strings.Contains(page, `href="`+path+`">Coba lagi`) {
				t.Fatalf("%s during the outage: %d %s\n%.600s", path, resp.StatusCode, resp.Header.Get("Location"), page)
			}
		}
		req, _ := http.NewRequest("GET", staff.base+"/staf/", nil)
		req.Header.Set("Accept-Language", "en")
		if resp, page := staff.do(req); resp.StatusCode != 503 || !strings.Contains(page, "The service is unavailable for now") || !strings.Contains(page, "Try again") {
			t.Fatalf("/staf/ in English during the outage: %d %.600s", resp.StatusCode, page)
		}
		// A form sent during the outage: the same calm page.
		if resp, page := staff.post("/staf/keluar", url.Values{"csrf": {"x"}}, nil); resp.StatusCode != 503 || !strings.Contains(page, `href="/staf/"`) {
			t.Fatalf("a staff form during the outage: %d %.300s", resp.StatusCode, page)
		}
		// The staff API says unavailable, not "sign in first".
		if code, body := apiGet(); code != 503 || !strings.Contains(body, `"unavailable"`) {
			t.Fatalf("the staff API during the outage: %d %.300s", code, body)
		}
		// Someone with no session still goes to sign in.
		if resp, _ := newPortal(t, m).get("/staf/"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/staf/masuk" {
			t.Fatalf("no session during the outage: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}

		// The public form keeps the answers and asks to send again later.
		answers := validAnswers(token)
		resp, page := public.post("/", answers, nil)
		if resp.StatusCode != 503 || !strings.Contains(page, "Laporan belum bisa disimpan karena gangguan di server") ||
			!strings.Contains(page, "Saya dipukul suami tadi malam.") {
			t.Fatalf("the public form during the outage: %d %.600s", resp.StatusCode, page)
		}
		if code, _ := get(t, "http://"+m.PublicAddr()+"/readyz"); code != 503 {
			t.Fatalf("/readyz during the outage: %d", code)
		}
		// The metrics still answer, and say the database does not.
		if text := scrape(t, m, ""); sample(text, "spiker_database_up") != 0 {
			t.Fatalf("spiker_database_up during the outage: %v", sample(text, "spiker_database_up"))
		}
	})
}
