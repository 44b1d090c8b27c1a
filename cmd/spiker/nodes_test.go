package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// roundRobin sends each request to the next of several nodes, as a load
// balancer does, with one cookie jar (cookies are not port-bound).
type roundRobin struct {
	t     *testing.T
	bases []string
	n     int
	c     *http.Client
}

func (r *roundRobin) do(method, path string, form url.Values) (*http.Response, string) {
	r.t.Helper()
	base := r.bases[r.n%len(r.bases)]
	r.n++
	var req *http.Request
	if method == "GET" {
		req, _ = http.NewRequest("GET", base+path, nil)
	} else {
		req, _ = http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := r.c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestThreeNodes runs three spiker processes on one PostgreSQL database
// behind a round-robin client: a session made on one node works on the
// others, the receipt rate limit counts across nodes, the alerts of
// reports filed on any node are delivered once each by the nodes' shared
// jobs, and the audit chain they all append to verifies.
func TestThreeNodes(t *testing.T) {
	pg := storetest.PostgresURL(t)
	ctx := context.Background()
	dir := t.TempDir()
	var mu sync.Mutex
	chats := map[string]int{}
	telegram := httptest.NewServer(botAPIFor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		chats[string(b)]++
		mu.Unlock()
		io.WriteString(w, `{"ok":true,"result":{"message_id":1}}`)
	})))
	defer telegram.Close()

	m, _ := startMain(t, dir, pg, func(c *Config) { c.NoJobs = true })
	secret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	sup, _ := m.Users.Authenticate(ctx, "kepala.uptd", "tubruk pasar sapi kabut")
	duty := store.DutyService{Store: m.Store}
	duty.SetChannel(ctx, sup, "telegram", "424242")
	if err := duty.SetChannelSettings(ctx, addStaff(t, m, "admin.it", spiker.RoleAdmin),
		&spiker.ChannelSettings{TelegramToken: "1:tok"}); err != nil {
		t.Fatal(err)
	}
	m.Close()

	var procs []interface {
		Signal(sig syscall.Signal) error
	}
	rr := &roundRobin{t: t}
	for range 3 {
		proc, base := startServeProcess(t, dir, pg, "SPIKER_RATE_LIMITS=receipt=3/5m:300/5m,report=50/1h:600/1h", "SPIKER_TELEGRAM_API="+telegram.URL)
		rr.bases = append(rr.bases, base)
		procs = append(procs, signaller{proc.Process.Signal})
		defer proc.Wait()
	}
	jar, _ := cookiejar.New(nil)
	rr.c = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// A session signed in on node 1 works on nodes 2 and 3.
	code, _ := totp.GenerateCode(secret, time.Now())
	if resp, page := rr.do("POST", "/staf/masuk", url.Values{"username": {"kepala.uptd"}, "password": {"tubruk pasar sapi kabut"}, "code": {code}}); resp.StatusCode != 303 {
		t.Fatalf("sign-in: %d %.200s", resp.StatusCode, page)
	}
	for range 2 {
		if resp, page := rr.do("GET", "/staf/", nil); resp.StatusCode != 200 || !strings.Contains(page, "kepala.uptd") {
			t.Fatalf("the session on another node: %d", resp.StatusCode)
		}
	}

	// Three wrong receipts, one per node; the fourth is throttled.
	for i := range 4 {
		resp, _ := rr.do("POST", "/cek", url.Values{"receipt": {"1111 2222 3333 444" + string(rune('0'+i))}})
		if i < 3 && resp.StatusCode != 401 || i == 3 && resp.StatusCode != 429 {
			t.Fatalf("wrong receipt %d: %d", i+1, resp.StatusCode)
		}
	}

	// Six reports, two per node; each alert reaches the supervisor once.
	for i := range 6 {
		jar, _ := cookiejar.New(nil)
		p := &portal{t: t, base: rr.bases[i%3], c: &http.Client{Jar: jar}}
		_, form := p.get("/")
		if resp, page := p.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil); resp.StatusCode != 200 || !receiptRE.MatchString(page) {
			t.Fatalf("report %d: %d", i, resp.StatusCode)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		total := 0
		for _, n := range chats {
			total += n
		}
		mu.Unlock()
		if total >= 6 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // room for a wrong second delivery
	for _, p := range procs {
		p.Signal(syscall.SIGTERM)
	}
	mu.Lock()
	total := 0
	for body, n := range chats {
		if n != 1 || !strings.Contains(body, "424242") {
			t.Errorf("delivery %q sent %d times", body, n)
		}
		total += n
	}
	mu.Unlock()
	if total != 6 {
		t.Fatalf("%d alerts delivered for 6 reports", total)
	}

	m2, _ := startMain(t, dir, pg, func(c *Config) { c.NoJobs = true })
	if n, err := m2.Audit.VerifyAudit(ctx); err != nil || n < 10 {
		t.Fatalf("the audit chain of three nodes: %d %v", n, err)
	}
}

type signaller struct{ f func(os.Signal) error }

func (s signaller) Signal(sig syscall.Signal) error { return s.f(sig) }
