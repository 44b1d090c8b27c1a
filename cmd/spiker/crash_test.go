package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// submission is one report a reporter tries to send until a receipt comes
// back, with the same one-time token each time (as a retried form is).
type submission struct {
	token, receipt string
}

// submitOnce posts the report form once; it returns the receipt, or "" if
// the server was gone.
func submitOnce(base string, s *submission) string {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range validAnswers(s.token) {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	mw.Close()
	jar, _ := cookiejar.New(nil) // the receipt comes after the redirect, to the browser that sent the form
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := c.Post(base+"/", mw.FormDataContentType(), &body)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if m := receiptRE.FindSubmatch(page); resp.StatusCode == 200 && m != nil {
		return string(m[1])
	}
	return ""
}

// TestCrashSafety submits reports from several reporters at once while the
// server is killed with SIGKILL at random moments and restarted; every
// reporter retries with the same token until a receipt comes. Afterwards
// every receipt ever returned opens its report, and no report exists twice
// (the number of reports is the number of submissions). SPIKER_CRASH_ROUNDS
// sets the number of kills (default 3, 1 with -short).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crash test kills and restarts the server; CI runs it")
	}
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("SPIKER_CRASH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		dir := t.TempDir()
		m, _ := startMain(t, dir, dbURL, func(c *Config) { c.NoJobs = true })
		m.Close()
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))

		var mu sync.Mutex
		var subs []*submission
		next := 0
		for round := 0; round <= rounds; round++ {
			proc, base := startServeProcess(t, dir, dbURL, "SPIKER_RATE_LIMITS=off")
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						// Finish an earlier submission first, else start one.
						mu.Lock()
						var s *submission
						for _, x := range subs {
							if x.receipt == "" && x.token != "" && (len(x.token)%3 == w || round == rounds) {
								s = x
								break
							}
						}
						if s == nil && round == rounds {
							mu.Unlock()
							return // the last round only finishes what was started
						}
						if s == nil {
							next++
							s = &submission{token: spiker.NewFormToken(time.Now())} // as the form issues
							subs = append(subs, s)
						}
						mu.Unlock()
						if r := submitOnce(base, s); r != "" {
							mu.Lock()
							s.receipt = r
							mu.Unlock()
						} else {
							time.Sleep(50 * time.Millisecond)
						}
					}
				}()
			}
			if round < rounds {
				time.Sleep(time.Duration(300+rng.IntN(900)) * time.Millisecond)
				proc.Process.Signal(syscall.SIGKILL)
				proc.Wait()
				close(stop)
				wg.Wait()
				continue
			}
			// The last round: everything still pending gets its receipt.
			deadline := time.Now().Add(2 * time.Minute)
			for {
				mu.Lock()
				pending := 0
				for _, s := range subs {
					if s.receipt == "" {
						pending++
					}
				}
				mu.Unlock()
				if pending == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			close(stop)
			wg.Wait()
			proc.Process.Signal(syscall.SIGTERM)
			proc.Wait()
		}

		m2, _ := startMain(t, dir, dbURL, func(c *Config) { c.NoJobs = true })
		m2.Store.LimitsOff = true // the check opens every receipt at once
		var reports int
		m2.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT COUNT(*) FROM reports`, nil, &reports) })
		seen := map[string]bool{}
		for i, s := range subs {
			if s.receipt == "" {
				t.Fatalf("submission %s never got a receipt", s.token)
			}
			r, err := m2.Reports.FindReportByReceipt(ctx, s.receipt, fmt.Sprint("verify-", i))
			if err != nil {
				t.Fatalf("the receipt of %s does not open its report: %v", s.token, err)
			}
			if seen[r.ID] {
				t.Fatalf("two receipts open report %s", r.ID)
			}
			seen[r.ID] = true
		}
		if reports != len(subs) {
			t.Fatalf("%d reports for %d submissions: a report exists twice or one was lost", reports, len(subs))
		}
		t.Logf("%d kills, %d submissions, %d reports", rounds, len(subs), reports)
	})
}
