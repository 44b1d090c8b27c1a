package main

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/argon2id"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/metrics"
	"github.com/spikerperak/spiker/internal/store"
)

// startMetrics serves /metrics on its own listener when --metrics-addr is
// set. It is never on the public or staff listener: the back office often
// shares the public address, and a scraper is not a person with a session.
// An address other than loopback needs --metrics-token.
func (m *Main) startMetrics() error {
	if m.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := m.serveOn(m.Config.MetricsAddr, m.metricsHandler())
	if err != nil {
		return err
	}
	m.metricsLn = ln
	return nil
}

// checkMetrics refuses metrics served beyond this machine without a token.
func checkMetrics(c Config) error {
	if c.MetricsAddr != "" && c.MetricsToken == "" && !loopback(c.MetricsAddr) {
		return fmt.Errorf("--metrics-addr (SPIKER_METRICS_ADDR) %q is not a loopback address: set --metrics-token (SPIKER_METRICS_TOKEN or SPIKER_METRICS_TOKEN_FILE) too, or listen on 127.0.0.1", c.MetricsAddr)
	}
	return nil
}

// MetricsAddr returns the address /metrics listens on ("" when off).
func (m *Main) MetricsAddr() string {
	if m.metricsLn == nil {
		return ""
	}
	return m.metricsLn.Addr().String()
}

// loopback reports whether a listen address only takes connections from
// this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// metricsHandler serves GET /metrics, with the bearer token when one is
// configured, and nothing else.
func (m *Main) metricsHandler() http.Handler {
	q := &queueGauge{m: m, known: map[string]bool{store.JobDeliver: true, store.JobWhatsAppMedia: true}}
	for kind := range m.Store.JobHandlers() {
		q.known[kind] = true
	}
	serve := metrics.Handler(q.write)
	want := []byte("Bearer " + m.Config.MetricsToken)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.Config.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		serve.ServeHTTP(w, r)
	}))
	return mux
}

// queueGauge reads the job queue's depth for a scrape, at most every
// queueEvery: scraping often, or by several scrapers, costs one small
// query.
type queueGauge struct {
	m     *Main
	known map[string]bool // the kinds this program runs: any other is "other"

	mu    sync.Mutex
	at    time.Time
	depth []store.JobDepth
	err   error
}

const queueEvery = 10 * time.Second

func (q *queueGauge) write(w io.Writer) {
	q.mu.Lock()
	now := q.m.Clock.Now()
	if q.at.IsZero() || now.Sub(q.at) >= queueEvery || now.Before(q.at) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		q.depth, q.err = q.m.Store.JobQueue(ctx)
		cancel()
		q.at = now
	}
	depth, err := q.depth, q.err
	q.mu.Unlock()

	up := 1.0
	if err != nil {
		up = 0
	}
	fmt.Fprintf(w, "# TYPE spiker_database_up gauge\n")
	metrics.Gauge(w, "spiker_database_up", nil, up)
	fmt.Fprintf(w, "# TYPE spiker_jobs gauge\n")
	sums := map[[2]string]int{}
	for kind := range q.known { // every kind appears, at 0 when none waits
		sums[[2]string{kind, "due"}] += 0
	}
	for _, d := range depth {
		kind := d.Kind
		if !q.known[kind] {
			kind = "other"
		}
		sums[[2]string{kind, d.State}] += d.N
	}
	for _, k := range slices.SortedFunc(maps.Keys(sums), func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) }) {
		metrics.Gauge(w, "spiker_jobs", [][2]string{{"kind", k[0]}, {"state", k[1]}}, float64(sums[k]))
	}
}

// timedJob counts each run of a job kind, and its failures, in the
// metrics.
func timedJob(kind string, h jobs.Handler) jobs.Handler {
	return func(ctx context.Context, j spiker.Job) error {
		err := h(ctx, j)
		metrics.Job(kind, err)
		return err
	}
}

// timedReports times every intake (the form, the API, the messaging
// channels, walk-in filing): the receipt's derivation and the durable
// commit, which is what a reporter waits for.
type timedReports struct{ spiker.Reports }

func (t timedReports) CreateReport(ctx context.Context, r *spiker.Report, token string) (string, error) {
	start := spiker.RealTime() // a measurement, not a decision
	receipt, err := t.Reports.CreateReport(ctx, r, token)
	metrics.Intake("public", err == nil, spiker.RealTime().Sub(start))
	return receipt, err
}

func (t timedReports) FileReport(ctx context.Context, actor *spiker.Actor, r *spiker.Report, token string) (string, error) {
	start := spiker.RealTime()
	receipt, err := t.Reports.FileReport(ctx, actor, r, token)
	metrics.Intake("staff", err == nil, spiker.RealTime().Sub(start))
	return receipt, err
}

// instrument wires the metrics in before anything is served.
func (m *Main) instrument() {
	argon2id.SetObserver(func(d argon2id.Derivation) { metrics.Derivation(d.Wait, d.Run) }) // the process's: every Main sets the same
	m.Services.Reports = timedReports{m.Services.Reports}
}
