package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestPostgresFailover runs three nodes on a PostgreSQL primary with a
// synchronous streaming standby, configured with both servers in one
// multi-host URL (target_session_attrs=read-write). Reporters submit
// through all three nodes while the standby stalls for a second (its WAL
// sender stopped), then the primary is killed (every process of it, at
// once) and the standby promoted. Without synchronous replication the
// receipts of reports committed during the stall would not open
// afterwards. A submission refused during the outage is sent again with
// its form's token, as a browser does. Every
// receipt ever shown opens its own report after the failover, every
// submission ends with a receipt, and no report exists twice.
func TestPostgresFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the failover test starts two PostgreSQL servers; CI runs it")
	}
	if os.Getenv(sqldbtest.PostgresEnv) == "" && os.Getenv(failoverEnv) == "" {
		t.Skip("set " + sqldbtest.PostgresEnv + " (or " + failoverEnv + ") to run the PostgreSQL failover test")
	}
	c := newPGCluster(t)
	dbURL := c.multiHostURL()
	dir := t.TempDir()
	var nodes []*Main
	var bases []string
	var logs []*syncBuffer
	for range 3 {
		m, log := startMain(t, dir, dbURL, func(c *Config) { c.RateLimits = "off" })
		m.Store.PasswordArgon, m.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
		nodes, logs = append(nodes, m), append(logs, log)
		bases = append(bases, "http://"+m.PublicAddr())
	}

	// Reporters, each a browser of its own, take turns on the nodes.
	type done struct{ receipt, canary string }
	var (
		mu       sync.Mutex
		receipts []done
		refused  = map[string]int{} // answers without a receipt (sent again), by reason
		started  atomic.Int64
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	giveUp := make(chan struct{}) // the reporters' patience, well after the promotion
	for r := range 6 {
		wg.Go(func() {
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, Timeout: 20 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				canary := fmt.Sprintf("kanari-%d-%d", r, n)
				started.Add(1)
				var token string
				for try := 0; ; try++ {
					receipt, tok, err := submitThroughForm(client, bases[(r+n+try)%3], token, canary)
					token = tok
					if receipt != "" {
						mu.Lock()
						receipts = append(receipts, done{receipt, canary})
						mu.Unlock()
						break
					}
					mu.Lock()
					refused[fmt.Sprint(err)]++
					mu.Unlock()
					select {
					case <-giveUp:
						t.Errorf("reporter %d: submission %s never got a receipt: %v", r, canary, err)
						return
					case <-time.After(200 * time.Millisecond):
					}
				}
			}
		})
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(receipts)
	}
	for i := 0; count() < 20 && i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	beforeStall := count()
	if beforeStall == 0 {
		t.Fatal("no receipt before the failover")
	}
	// The standby stalls for a moment before the primary fails: with
	// synchronous replication no commit is acknowledged meanwhile; with
	// asynchronous replication the reports committed then would be lost.
	c.holdWAL()
	time.Sleep(time.Second)
	held := count()
	killed := time.Now()
	c.kill(c.primary)
	time.Sleep(time.Second) // the outage, until someone promotes the standby
	c.promote()
	promoted := time.Now()
	atPromotion := count()
	time.Sleep(4 * time.Second)
	close(stop)
	timer := time.AfterFunc(30*time.Second, func() { close(giveUp) })
	wg.Wait()
	timer.Stop()
	t.Logf("%d receipts before the standby stalled, %d before the kill, %d by the promotion (%.1f s later), %d in all; answers without a receipt, sent again: %v",
		beforeStall, held, atPromotion, promoted.Sub(killed).Seconds(), count(), refused)
	for reason := range refused {
		if strings.Contains(reason, "without its token") {
			t.Errorf("a refused report: %s", reason)
		}
	}
	unknown := 0
	for _, l := range logs {
		unknown += strings.Count(l.String(), "may or may not have been saved")
	}
	t.Logf("%d commits under way when the primary went (no receipt, sent again)", unknown)
	if count() <= atPromotion {
		t.Fatal("no receipt after the promotion")
	}

	// Every receipt opens its own report through a node, on the promoted
	// standby; no submission was lost or stored twice.
	ctx := context.Background()
	seen := map[string]bool{}
	for i, d := range receipts {
		if seen[d.receipt] {
			t.Fatalf("two submissions got receipt %s", d.receipt)
		}
		seen[d.receipt] = true
		r, err := nodes[i%3].Reports.FindReportByReceipt(ctx, d.receipt, fmt.Sprint("client-", i))
		if err != nil {
			t.Fatalf("receipt %d (%s) does not open after the failover: %v", i, d.canary, err)
		}
		if !strings.Contains(r.Content.Narrative, d.canary) {
			t.Fatalf("receipt %d opens another report: %q, want %s", i, r.Content.Narrative, d.canary)
		}
	}
	var reports, tokens int
	err := nodes[1].DB.View(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Get(ctx, `SELECT COUNT(*) FROM reports`, nil, &reports); err != nil {
			return err
		}
		return tx.Get(ctx, `SELECT COUNT(*) FROM submissions`, nil, &tokens)
	})
	if err != nil {
		t.Fatal(err)
	}
	if reports != len(receipts) || tokens != len(receipts) || int(started.Load()) != len(receipts) {
		t.Fatalf("%d submissions, %d receipts, %d reports, %d submission tokens: want all equal", started.Load(), len(receipts), reports, tokens)
	}
}

// submitThroughForm sends a report through the form on a node: with the form's
// token when one is given (a submission sent again), else with a new
// form's. It returns the receipt shown, or "" and why not, and the token
// to send it again with (the one in the form that came back, if any).
func submitThroughForm(client *http.Client, base, token, canary string) (receipt, tok string, err error) {
	if token == "" {
		resp, err := client.Get(base + "/")
		if err != nil {
			return "", "", err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := tokenRE.FindStringSubmatch(string(b))
		if m == nil {
			return "", "", fmt.Errorf("the form: %d", resp.StatusCode)
		}
		token = m[1]
	}
	v := validAnswers(token)
	v.Set("narrative", "Saya dipukul suami tadi malam. "+canary)
	resp, err := client.PostForm(base+"/", v)
	if err != nil {
		return "", token, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tanda-terima" {
		// The form comes back with its answers and its token; or, when
		// the report was stored but its receipt could not be held for
		// this browser, an error page, after which the browser sends the
		// same form again.
		page := " (error page)"
		if m := tokenRE.FindSubmatch(b); m != nil {
			page = " (form kept)"
			if string(m[1]) != token || !strings.Contains(string(b), "Laporan belum bisa disimpan") {
				page = " (the form came back without its token or the message)"
			}
			token = string(m[1])
		}
		return "", token, fmt.Errorf("the report: %d%s", resp.StatusCode, page)
	}
	resp, err = client.Get(base + "/tanda-terima")
	if err != nil {
		return "", token, err
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	m := receiptRE.FindStringSubmatch(string(b))
	if m == nil {
		return "", token, fmt.Errorf("the receipt page: %d", resp.StatusCode)
	}
	return m[1], token, nil
}
