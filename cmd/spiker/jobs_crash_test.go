package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// startServeProcess runs `spiker serve` as a real process on the data
// directory and database, with a short job lease, and returns it with the
// address it serves on.
func startServeProcess(t *testing.T, dir, dbURL string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	args := append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, dbArgs(postgresOnly(dbURL))...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "SPIKER_TEST_RUN_MAIN=1", "SPIKER_JOB_LEASE=2s"), env...)
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, "is serving") {
		t.Fatalf("spiker serve: %q, %v; stderr %s", line, err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	return cmd, strings.TrimSpace(line[strings.LastIndex(line, "http://"):])
}

// TestJobsRunOnceAfterSIGKILL kills the process while it holds a claimed
// job (an alert's delivery, in the middle of its HTTP call to Telegram),
// restarts it, and shows the job runs again after its lease and is
// delivered exactly once, with nothing of the report in it.
func TestJobsRunOnceAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crash test kills a server process; CI runs it")
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		dir := t.TempDir()

		// A Telegram Bot API stand-in: the first call hangs until the
		// caller is gone; later calls succeed.
		var mu sync.Mutex
		var bodies []string
		calls := make(chan int, 10)
		telegram := httptest.NewServer(botAPIFor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			n := len(bodies)
			mu.Unlock()
			calls <- n
			if n == 1 {
				select {
				case <-r.Context().Done():
				case <-time.After(time.Minute):
				}
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"result":{"message_id":7}}`)
		})))
		defer telegram.Close()

		// The schema, a supervisor with a Telegram chat, and the channel.
		m, _ := startMain(t, dir, dbURL, func(c *Config) { c.NoJobs = true })
		duty := store.DutyService{Store: m.Store}
		botAPI := "SPIKER_TELEGRAM_API=" + telegram.URL
		sup := addStaff(t, m, "kepala.uptd", spiker.RoleSupervisor)
		if err := duty.SetChannel(ctx, sup, "telegram", "123456789"); err != nil {
			t.Fatal(err)
		}
		if err := duty.SetChannelSettings(ctx, addStaff(t, m, "admin.it", spiker.RoleAdmin),
			&spiker.ChannelSettings{TelegramToken: "123456:test-token"}); err != nil {
			t.Fatal(err)
		}
		m.Close()

		// A report in danger through the real process's portal.
		proc, base := startServeProcess(t, dir, dbURL, botAPI)
		jar, _ := cookiejar.New(nil)
		p := &portal{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		_, form := p.get("/")
		if resp, page := p.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil); resp.StatusCode != 200 || !receiptRE.MatchString(page) {
			t.Fatalf("report: %d", resp.StatusCode)
		}
		select {
		case <-calls:
		case <-time.After(30 * time.Second):
			t.Fatal("the alert's delivery never reached Telegram")
		}
		// SIGKILL while the delivery job is claimed and mid-call.
		proc.Process.Signal(syscall.SIGKILL)
		proc.Wait()

		proc2, _ := startServeProcess(t, dir, dbURL, botAPI)
		select {
		case n := <-calls:
			if n != 2 {
				t.Fatalf("call %d after the restart", n)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the claimed job did not run after the restart")
		}
		// Give a wrongly repeated run the time to show itself, then stop.
		time.Sleep(3 * time.Second)
		proc2.Process.Signal(syscall.SIGTERM)
		if err := proc2.Wait(); err != nil {
			t.Fatalf("stopping: %v", err)
		}

		m2, _ := startMain(t, dir, dbURL, func(c *Config) { c.NoJobs = true })
		var sent int
		m2.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT COUNT(*) FROM deliveries WHERE status = 'sent'`, nil, &sent)
		})
		counts, _ := m2.Store.JobCounts(ctx)
		mu.Lock()
		defer mu.Unlock()
		if len(bodies) != 2 || sent != 1 || counts["running"] != 0 || counts["failed"] != 0 {
			t.Fatalf("%d calls, %d deliveries recorded, jobs %v", len(bodies), sent, counts)
		}
		// The alert says only that there is something to look at.
		for _, b := range bodies {
			for _, never := range []string{"dipukul", "0812", "arisan", "Suami"} {
				if strings.Contains(b, never) {
					t.Errorf("the alert carried %q: %s", never, b)
				}
			}
			if !strings.Contains(b, "/staf/laporan/") || !strings.Contains(b, "123456789") {
				t.Errorf("the alert lacks its link or recipient: %s", b)
			}
		}
	})
}
