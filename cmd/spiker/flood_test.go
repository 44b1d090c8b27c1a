package main

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// fromAddress makes a portal's requests arrive, through the trusted proxy
// (127.0.0.1), from the given client address.
func fromAddress(p *portal, addr string) *portal {
	p.c.Transport = forwardedFor{addr}
	return p
}

type forwardedFor struct{ addr string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}

// flood runs n requests over 8 connections and counts the answers by status.
func flood(n int, do func(i int) int) map[int]int {
	var mu sync.Mutex
	counts := map[int]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				code := do(i)
				mu.Lock()
				counts[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return counts
}

// With the default limits on, one address flooding wrong receipts, reports
// and staff sign-ins (hundreds each, the officer's own account among them)
// is refused alone: another address's real receipt, real report and real
// sign-in go through at once.
func TestFloodFromOneAddressStopsNobodyElse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		m, _ := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.TrustedProxies = "127.0.0.1" })
		if m.Store.LimitsOff {
			t.Fatal("the default limits are off")
		}
		secret := addStaffWithTOTP(t, m, "petugas.banjir", spiker.RoleKonselorPiket, "35.24")
		reporter := fromAddress(newPortal(t, m), "203.0.113.7")
		_, form := reporter.get("/")
		_, page := reporter.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
		receipt := receiptRE.FindStringSubmatch(page)
		if receipt == nil {
			t.Fatal("no receipt for the real reporter")
		}

		bot := fromAddress(newPortal(t, m), "198.51.100.66")
		start := time.Now()
		receipts := flood(300, func(i int) int {
			r, _ := bot.post("/cek", url.Values{"receipt": {fmt.Sprintf("%016d", 1000000000000000+i)}}, nil)
			return r.StatusCode
		})
		t.Logf("300 wrong receipts from one address in %v: %v", time.Since(start).Round(time.Millisecond), receipts)
		start = time.Now()
		reports := flood(300, func(i int) int {
			_, form := bot.get("/")
			r, _ := bot.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
			return r.StatusCode
		})
		t.Logf("300 reports from one address in %v: %v", time.Since(start).Round(time.Millisecond), reports)
		start = time.Now()
		signIns := flood(300, func(i int) int {
			r, _ := bot.post("/staf/masuk", url.Values{"username": {"petugas.banjir"}, "password": {"tebakan ke " + fmt.Sprint(i)}, "code": {"123456"}}, nil)
			return r.StatusCode
		})
		t.Logf("300 wrong sign-ins from one address in %v: %v", time.Since(start).Round(time.Millisecond), signIns)
		// Each client's own budget, and no more (a slow run may refill one):
		// 5 receipts, 5 reports, 10 tries at one account. Buckets made by
		// concurrent first requests once let 12 reports through.
		if receipts[401] > 6 || receipts[401]+receipts[429] != 300 || reports[303] > 6 || reports[303]+reports[429] != 300 ||
			signIns[401] > 11 || signIns[401]+signIns[429] != 300 {
			t.Fatalf("the flood was not refused: receipts %v, reports %v, sign-ins %v", receipts, reports, signIns)
		}

		// Another address: its real receipt, report and sign-in.
		if r, _ := reporter.post("/cek", url.Values{"receipt": {receipt[1]}}, nil); r.StatusCode != http.StatusSeeOther {
			t.Errorf("the real receipt after the flood: %d", r.StatusCode)
		}
		_, form = reporter.get("/")
		if r, _ := reporter.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil); r.StatusCode != http.StatusOK {
			t.Errorf("the real report after the flood: %d", r.StatusCode)
		}
		officer := fromAddress(newPortal(t, m), "192.0.2.10")
		if status := signInAs(officer, "petugas.banjir", "tubruk pasar sapi kabut", secret, m.Clock.Now()); status != http.StatusSeeOther {
			t.Errorf("the officer's sign-in after the flood: %d", status)
		}
	})
}
