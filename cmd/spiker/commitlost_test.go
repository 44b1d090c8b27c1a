package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spikerperak/spiker/internal/store/storetest"
)

// commitLoser is a TCP proxy to PostgreSQL that, once armed, lets the
// next COMMIT of a transaction that stores a report reach the server and
// be carried out, but loses its answer: the connection breaks as if the
// server had failed just after the commit.
type commitLoser struct {
	l     net.Listener
	to    string
	armed atomic.Bool
	lost  atomic.Int64
}

func newCommitLoser(t *testing.T, to string) *commitLoser {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitLoser{l: l, to: to}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", to)
			if err != nil {
				c.Close()
				continue
			}
			// A connection that has sent a report's INSERT (its text
			// travels when the statement is first prepared on it).
			var report atomic.Bool
			go func() {
				defer s.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 && bytes.Contains(buf[:n], []byte("INSERT INTO reports")) {
						report.Store(true)
					}
					if n > 0 {
						if _, err := s.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
			go func() {
				defer c.Close()
				defer s.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := s.Read(buf)
					if n > 0 && report.Load() && bytes.Contains(buf[:n], []byte("COMMIT\x00")) && p.armed.CompareAndSwap(true, false) {
						p.lost.Add(1)
						return // the answer is lost with the connection
					}
					if n > 0 {
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return p
}

// TestCommitLostThenResent loses the answer to the COMMIT that stores a
// report (the server carried it out): the reporter gets no receipt but
// the form back with its token; sent again, the form shows the receipt of
// the report the first try stored, and there is one report, not two.
func TestCommitLostThenResent(t *testing.T) {
	pg := storetest.PostgresURL(t)
	u, _ := url.Parse(pg)
	proxy := newCommitLoser(t, u.Host)
	u.Host = proxy.l.Addr().String()
	m, logs := startMain(t, t.TempDir(), u.String(), func(c *Config) { c.NoJobs = true; c.RateLimits = "off" })
	m.Store.PasswordArgon, m.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
	base := "http://" + m.PublicAddr()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := tokenRE.FindStringSubmatch(string(b))[1]
	proxy.armed.Store(true)
	receipt, token, err := submitThroughForm(client, base, token, "kanari-lost-commit")
	if receipt != "" || err == nil || err.Error() != "the report: 503 (form kept)" || proxy.lost.Load() != 1 {
		t.Fatalf("a report whose COMMIT's answer was lost: receipt %q, %v, %d answers lost", receipt, err, proxy.lost.Load())
	}
	if !strings.Contains(logs.String(), "may or may not have been saved") {
		t.Fatalf("the log does not say the outcome was unknown:\n%s", logs.String())
	}
	if n := countReports(t, m); n != 1 {
		t.Fatalf("%d reports after the lost answer, want the 1 the COMMIT stored", n)
	}
	receipt, _, err = submitThroughForm(client, base, token, "kanari-lost-commit")
	if receipt == "" {
		t.Fatalf("sent again: %v", err)
	}
	if n := countReports(t, m); n != 1 {
		t.Fatalf("%d reports after sending again, want 1", n)
	}
	r, err := m.Reports.FindReportByReceipt(context.Background(), receipt, "client")
	if err != nil || !strings.Contains(r.Content.Narrative, "kanari-lost-commit") {
		t.Fatalf("the receipt shown when sent again: %v", err)
	}
}
