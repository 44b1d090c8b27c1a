package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker/internal/vault"
)

var (
	benchTokenRE   = regexp.MustCompile(`name="token" value="([^"]+)"`)
	benchReceiptRE = regexp.MustCompile(`aria-label="(\d{4} \d{4} \d{4} \d{4})"`)
	benchCaseRE    = regexp.MustCompile(`href="(/staf/kasus/[a-z0-9]{26})"`)
	benchReportRE  = regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]{26})"`)
)

// benchAnswers is a complete report form, as a reporter fills it in.
func benchAnswers(token string, i int) url.Values {
	return url.Values{
		"token": {token}, "role": {"korban"}, "types": {"Fisik"}, "narrative": {fmt.Sprintf("Uji beban %d: saya dipukul.", i)},
		"danger": {"tidak"}, "kecamatan": {"35.24.22"}, "desa": {"35.24.22.1012"}, "sex": {"Perempuan"}, "age": {"30"},
		"relationship": {"Suami/Istri"}, "contact": {"tidak"}, "consent": {"ya"},
	}
}

// loadStep is one kind of request of the mix, with its latencies.
type loadStep struct {
	name string
	mu   sync.Mutex
	d    []time.Duration
	errs int
}

func (s *loadStep) time(f func() error) {
	t := time.Now()
	err := f()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs++
		return
	}
	s.d = append(s.d, time.Since(t))
}

// loadBench is one run of `spiker bench --http` against an instance.
type loadBench struct {
	base   string
	conc   int // requests at once
	n      int // requests per step
	client *http.Client
	staff  *http.Client // signed in, for the staff steps
	out    io.Writer

	floorMu sync.Mutex
	floor   []time.Duration // the cost floor's derivation samples
	// overFloor is, one at a time, each submission's time less the
	// derivation sampled right after it: pairs cancel a machine's drift.
	overFloor []time.Duration
}

// runLoadBench drives a running instance over HTTP with the mix of a real
// day (the report form, submissions, follow-up with a receipt, the duty
// inbox and case views), or with submissions alone (--mix intake), at one
// or more concurrencies (--concurrency 1,8,32,64), for a number of requests
// per step; it prints each step's rate and latencies, the server's peak
// memory at each concurrency (with --pid) and the cost floor of intake on
// this machine, measured in the same run.
func runLoadBench(ctx context.Context, cio cmdIO, args []string) error {
	fs := newFlagSet("bench --http", cio)
	target := fs.String("http", "", "the instance's address, e.g. http://127.0.0.1:8080 (run it with SPIKER_RATE_LIMITS=off)")
	concList := fs.String("concurrency", "4", "requests at once; several, comma-separated (1,8,32,64), run one after the other")
	n := fs.Int("requests", 100, "requests per step")
	mix := fs.String("mix", "day", "day: the whole mix; intake: report submissions alone")
	user := fs.String("staff-user", "", "a supervisor's username, for the staff steps")
	password := fs.String("staff-password", "", "their password")
	secret := fs.String("staff-totp", "", "their TOTP secret (base32)")
	pid := fs.Int("pid", 0, "the server's process id, to report its peak memory (Linux)")
	dataDir := fs.String("data", ".", "a directory on the server's disk, to measure fsync latency")
	settle := fs.Duration("settle", 0, "with --pid: after the run, wait this long (e.g. 30s) and print the server's memory again, to see what it gives back when quiet")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var levels []int
	for _, f := range strings.Split(*concList, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			levels = nil
			break
		}
		levels = append(levels, c)
	}
	if *target == "" || len(levels) == 0 || *n < 1 || (*mix != "day" && *mix != "intake") {
		return fmt.Errorf("%w: use `spiker bench --http URL [--concurrency N[,N...]] [--requests N] [--mix day|intake]`", errUsage)
	}
	b := &loadBench{
		base: strings.TrimSuffix(*target, "/"), n: *n, out: cio.stdout,
		client: &http.Client{Timeout: 5 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	// The cost floor is sampled before and after the run and, one at a
	// time, between submissions, so that a machine whose speed drifts
	// (a shared virtual machine) is compared with itself.
	b.sampleFloor(8)
	b.floor = b.floor[1:] // the first allocated the arena, as a running server has
	for _, c := range levels {
		b.conc = c
		fmt.Fprintf(b.out, "%s: %d requests per step, %d at once\n", b.base, b.n, b.conc)
		resetPeakMemory(*pid)
		fmt.Fprintf(b.out, "%-30s %8s %10s %10s %10s %6s\n", "step", "req/s", "p50", "p90", "p99", "errors")
		if err := b.publicSteps(*mix == "intake"); err != nil {
			return err
		}
		if *user != "" && *mix == "day" {
			if err := b.staffSteps(*user, *password, *secret); err != nil {
				return err
			}
		}
		printMemory(b.out, *pid)
	}
	if *pid > 0 && *settle > 0 {
		time.Sleep(*settle)
		if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid)); err == nil {
			for _, line := range strings.Split(string(status), "\n") {
				if strings.HasPrefix(line, "VmRSS:") {
					fmt.Fprintf(b.out, "server %s after %s quiet\n", strings.Join(strings.Fields(line), " "), *settle)
				}
			}
		}
	}
	b.sampleFloor(7)
	slices.Sort(b.floor)
	floor := b.floor[len(b.floor)/2]
	fmt.Fprintf(b.out, "cost floor: Argon2id receipt derivation %s (median of %d), ", floor.Round(100*time.Microsecond), len(b.floor))
	fsync, err := fsyncLatency(*dataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "fsync %s (median of 20 in %s)\n", fsync.Round(10*time.Microsecond), *dataDir)
	// A receipt's derivation runs on one core (p=1): with every core
	// deriving and nothing else, this is as fast as intake can go here.
	fmt.Fprintf(b.out, "intake ceiling from the floor: %.1f reports/s (%d cores / derivation)\n",
		float64(runtime.NumCPU())/floor.Seconds(), runtime.NumCPU())
	if len(b.overFloor) > 0 {
		slices.Sort(b.overFloor)
		fmt.Fprintf(b.out, "report submit less the derivation beside it: %s (median of %d pairs)\n",
			b.overFloor[len(b.overFloor)/2].Round(100*time.Microsecond), len(b.overFloor))
	}
	return nil
}

// resetPeakMemory starts the server's peak resident memory (VmHWM) afresh,
// so that each concurrency reports its own peak. Linux lets a user do so
// for their own processes; elsewhere it does nothing.
func resetPeakMemory(pid int) {
	if pid > 0 {
		os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	}
}

// printMemory prints the server's peak and current resident memory.
func printMemory(out io.Writer, pid int) {
	if pid <= 0 {
		return
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") || strings.HasPrefix(line, "VmRSS:") {
			fmt.Fprintf(out, "server %s\n", strings.Join(strings.Fields(line), " "))
		}
	}
}

// sampleFloor times k derivations of what every report costs, done the way
// the server does them (vault.StretchReceipt on a reused arena), and
// returns the last.
func (b *loadBench) sampleFloor(k int) (d time.Duration) {
	salt := make([]byte, 16)
	for range k {
		t := time.Now()
		vault.StretchReceipt(vault.NewReceipt(), salt, vault.ReceiptArgon2)
		d = time.Since(t)
		b.floorMu.Lock()
		b.floor = append(b.floor, d)
		b.floorMu.Unlock()
	}
	return d
}

func (b *loadBench) get(c *http.Client, path string) (string, error) {
	resp, err := c.Get(b.base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	return string(body), nil
}

func (b *loadBench) post(c *http.Client, path string, v url.Values, multipartBody bool) (*http.Response, string, error) {
	var body bytes.Buffer
	ct := "application/x-www-form-urlencoded"
	if multipartBody {
		mw := multipart.NewWriter(&body)
		for k, vs := range v {
			for _, x := range vs {
				mw.WriteField(k, x)
			}
		}
		mw.Close()
		ct = mw.FormDataContentType()
	} else {
		body.WriteString(v.Encode())
	}
	resp, err := c.Post(b.base+path, ct, &body)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out), nil
}

// run times f for the step's requests, b.conc at once, and prints the
// step's line. between, if not nil, runs after each request, untimed.
func (b *loadBench) run(step *loadStep, f func(i int) error, between func()) {
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range b.conc {
		wg.Go(func() {
			for i := range next {
				step.time(func() error { return f(i) })
				if between != nil {
					between()
				}
			}
		})
	}
	for i := range b.n {
		next <- i
	}
	close(next)
	wg.Wait()
	took := time.Since(start)
	if between != nil {
		took = 0 // the rate is not meaningful with untimed work in between
		for _, d := range step.d {
			took += d
		}
	}
	slices.Sort(step.d)
	q := func(p float64) string {
		if len(step.d) == 0 {
			return "-"
		}
		return step.d[int(p*float64(len(step.d)-1))].Round(100 * time.Microsecond).String()
	}
	fmt.Fprintf(b.out, "%-30s %8.1f %10s %10s %10s %6d\n", step.name, float64(len(step.d))/took.Seconds(), q(.5), q(.9), q(.99), step.errs)
}

// publicSteps are the reporter's: the form, submissions and follow-up;
// with intakeOnly the submissions alone.
func (b *loadBench) publicSteps(intakeOnly bool) error {
	if !intakeOnly {
		form := &loadStep{name: "report form (GET /)"}
		b.run(form, func(int) error { _, err := b.get(b.client, "/"); return err }, nil)
	}

	// Each submission is a fresh form's: the forms are fetched first, so
	// that the step times the POST alone.
	tokens := make([]string, b.n)
	for i := range tokens {
		page, err := b.get(b.client, "/")
		if err != nil {
			return err
		}
		m := benchTokenRE.FindStringSubmatch(page)
		if m == nil {
			return errors.New("the report form has no token")
		}
		tokens[i] = m[1]
	}
	var mu sync.Mutex
	var receipts []string
	submit := &loadStep{name: "report submit (POST /)"}
	var between func()
	if b.conc == 1 {
		timed := 0
		between = func() {
			floor := b.sampleFloor(1)
			if len(submit.d) > timed { // this submission succeeded
				timed = len(submit.d)
				b.overFloor = append(b.overFloor, submit.d[timed-1]-floor)
			}
		}
	}
	b.run(submit, func(i int) error {
		// As a reporter's browser does: the POST, then its redirect to
		// the receipt page, which the cookie set by the POST opens.
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 5 * time.Minute}
		resp, body, err := b.post(c, "/", benchAnswers(tokens[i], i), true)
		if err != nil {
			return err
		}
		r := benchReceiptRE.FindStringSubmatch(body)
		if resp.StatusCode != 200 || r == nil {
			return fmt.Errorf("submit: HTTP %d", resp.StatusCode)
		}
		mu.Lock()
		receipts = append(receipts, r[1])
		mu.Unlock()
		return nil
	}, between)
	if len(receipts) == 0 {
		return errors.New("no submission was accepted; is the instance running with SPIKER_RATE_LIMITS=off?")
	}
	if len(submit.d) > 0 {
		fmt.Fprintf(b.out, "intake at %d at once: p99/p50 %.2f\n", b.conc, float64(submit.d[(len(submit.d)-1)*99/100])/float64(submit.d[(len(submit.d)-1)/2]))
	}
	if intakeOnly {
		return nil
	}

	follow := &loadStep{name: "follow-up with a receipt"}
	b.run(follow, func(i int) error {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 5 * time.Minute}
		resp, _, err := b.post(c, "/cek", url.Values{"receipt": {receipts[i%len(receipts)]}}, true)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("follow-up: HTTP %d", resp.StatusCode)
		}
		return nil
	}, nil)
	return nil
}

// staffSteps sign a supervisor in and time the duty inbox and case views.
// The sign-in happens once, for the first concurrency: a TOTP code is
// refused the second time within its period.
func (b *loadBench) staffSteps(user, password, secret string) error {
	if b.staff == nil {
		jar, _ := cookiejar.New(nil)
		staff := &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: b.client.CheckRedirect}
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			return fmt.Errorf("--staff-totp: %v", err)
		}
		resp, _, err := b.post(staff, "/staf/masuk", url.Values{"username": {user}, "password": {password}, "code": {code}}, false)
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("staff sign-in failed (HTTP %v, %v)", statusOf(resp), err)
		}
		b.staff = staff
	}
	staff := b.staff
	inbox := &loadStep{name: "staff inbox (GET /staf/)"}
	b.run(inbox, func(int) error { _, err := b.get(staff, "/staf/"); return err }, nil)
	home, err := b.get(staff, "/staf/")
	if err != nil {
		return err
	}
	var reports []string
	for _, m := range benchReportRE.FindAllStringSubmatch(home, -1) {
		reports = append(reports, m[1])
	}
	if len(reports) > 0 {
		view := &loadStep{name: "report view (GET /staf/laporan/…)"}
		b.run(view, func(i int) error { _, err := b.get(staff, reports[i%len(reports)]); return err }, nil)
	}
	list, err := b.get(staff, "/staf/kasus")
	if err != nil {
		return err
	}
	var cases []string
	for _, m := range benchCaseRE.FindAllStringSubmatch(list, -1) {
		cases = append(cases, m[1])
	}
	if len(cases) > 0 {
		view := &loadStep{name: "case view (GET /staf/kasus/…)"}
		b.run(view, func(i int) error { _, err := b.get(staff, cases[i%len(cases)]); return err }, nil)
	}
	return nil
}

func statusOf(r *http.Response) any {
	if r == nil {
		return "none"
	}
	return r.StatusCode
}

// fsyncLatency writes and syncs a small file 20 times and returns the
// median: a durable commit costs at least one of these.
func fsyncLatency(dir string) (time.Duration, error) {
	f, err := os.CreateTemp(dir, ".fsync-*")
	if err != nil {
		return 0, fmt.Errorf("measuring fsync in %s: %v", dir, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	var d []time.Duration
	for i := range 20 {
		f.WriteAt([]byte(fmt.Sprint("commit ", i)), int64(i*4096))
		t := time.Now()
		if err := f.Sync(); err != nil {
			return 0, err
		}
		d = append(d, time.Since(t))
	}
	slices.Sort(d)
	return d[len(d)/2], nil
}
