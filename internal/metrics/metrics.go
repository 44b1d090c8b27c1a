// Package metrics counts what an operator's monitoring needs (requests by
// route, intake and Argon2id times, jobs, time-limit breaches, alert
// deliveries) and writes them in Prometheus's text format, with
// github.com/VictoriaMetrics/metrics (three small modules, against
// client_golang's protobuf tree).
//
// Every label value comes from a fixed set the program defines: a route
// pattern of the ServeMux, a status code, a job kind, a clock, a channel.
// Nothing a person typed, no client address, no receipt, no user name and
// no content can become a label or a value: a value that is not in its set
// is counted as "other".
package metrics

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/spikerperak/spiker"
)

// set holds the process's metrics. They are the process's, like its
// memory: several servers in one process (tests) add to the same counts.
var set = vm.NewSet()

func init() {
	vm.ExposeMetadata(true) // # TYPE lines, so a scraper knows counters from gauges
	// The rare events' series exist from the start, at 0, so that a
	// dashboard and an alert rule see a rate and not a missing series.
	for _, clock := range clocks {
		breach(clock)
	}
	for _, channel := range channels {
		for _, outcome := range outcomes {
			delivery(channel, outcome)
		}
	}
}

// Buckets of the duration histograms, in seconds: from a cached page
// (milliseconds) to a derivation queue under a flood (tens of seconds).
var buckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Request counts one HTTP request by its route pattern (r.Pattern, never
// the path: a path can carry an id or a token) and status code.
func Request(pattern string, status int, d time.Duration) {
	if status < 100 || status > 599 {
		status = 0
	}
	k := requestKey{routeLabel(pattern), status}
	m, ok := requests.Load(k)
	if !ok {
		code := "other"
		if status != 0 {
			code = strconv.Itoa(status)
		}
		m, _ = requests.LoadOrStore(k, &requestMetrics{
			count: set.GetOrCreateCounter(fmt.Sprintf(`spiker_http_requests_total{route=%q,code=%q}`, k.route, code)),
			time:  set.GetOrCreatePrometheusHistogramExt(fmt.Sprintf(`spiker_http_request_duration_seconds{route=%q}`, k.route), buckets),
		})
	}
	rm := m.(*requestMetrics)
	rm.count.Inc()
	rm.time.Update(d.Seconds())
}

// requests keeps each route label and status's metrics, so that a request
// costs no formatting. Its keys are label values: as bounded as the series.
var requests sync.Map // requestKey → *requestMetrics

type requestKey struct {
	route  string
	status int // 0: outside 100–599
}

type requestMetrics struct {
	count *vm.Counter
	time  *vm.PrometheusHistogram
}

// Intake times one report's storing: "public" (the form, the API, the
// messaging channels) or "staff" (filed on someone's behalf); ok is
// whether it was stored.
func Intake(kind string, ok bool, d time.Duration) {
	if kind != "public" && kind != "staff" {
		kind = "other"
	}
	outcome := "ok"
	if !ok {
		outcome = "error"
	}
	set.GetOrCreatePrometheusHistogramExt(fmt.Sprintf(`spiker_intake_duration_seconds{kind=%q,outcome=%q}`, kind, outcome), buckets).Update(d.Seconds())
}

var (
	argonWait = set.NewPrometheusHistogramExt(`spiker_argon2id_wait_seconds`, buckets)
	argonRun  = set.NewPrometheusHistogramExt(`spiker_argon2id_duration_seconds`, buckets)
)

// Derivation records one Argon2id derivation: how long it waited for an
// arena and how long it ran (the argon2id package's Observe hook).
func Derivation(wait, run time.Duration) {
	argonWait.Update(wait.Seconds())
	argonRun.Update(run.Seconds())
}

// Job counts one run of a job of a registered kind.
func Job(kind string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	set.GetOrCreateCounter(fmt.Sprintf(`spiker_job_runs_total{kind=%q,outcome=%q}`, nameLabel(kind), outcome)).Inc()
}

// clocks are the time limits that can breach.
var clocks = []string{spiker.ClockFirstResponse, spiker.ClockRisk, spiker.ClockTPKS, spiker.ClockReferral,
	spiker.ClockPlan, spiker.ClockPDP, spiker.ClockTakedown}

// Breach counts a time limit that ran out (a breach recorded for the first
// time, on whichever node ran the check).
func Breach(clock string) {
	if !slices.Contains(clocks, clock) {
		clock = "other"
	}
	breach(clock).Inc()
}

func breach(clock string) *vm.Counter {
	return set.GetOrCreateCounter(fmt.Sprintf(`spiker_time_limit_breaches_total{clock=%q}`, clock))
}

// channels are the external channels an alert goes out on.
var channels = []string{"email", "telegram", "whatsapp", "webpush"}

// Delivery outcomes.
const (
	Sent    = "sent"    // the channel took the message
	Failed  = "failed"  // it will be retried
	Refused = "refused" // the channel said never (a permanent error)
	Off     = "off"     // the channel was switched off meanwhile: the alert is in the app
)

// Delivery counts one attempt to deliver an alert over a channel.
func Delivery(channel, outcome string) {
	if !slices.Contains(channels, channel) {
		channel = "other"
	}
	if !slices.Contains(outcomes, outcome) {
		outcome = "other"
	}
	delivery(channel, outcome).Inc()
}

var outcomes = []string{Sent, Failed, Refused, Off}

func delivery(channel, outcome string) *vm.Counter {
	return set.GetOrCreateCounter(fmt.Sprintf(`spiker_alert_deliveries_total{channel=%q,outcome=%q}`, channel, outcome))
}

// Gauge writes one gauge line with fixed labels, for values read when
// scraped (the job queue).
func Gauge(w io.Writer, name string, labels [][2]string, v float64) {
	s := name
	if len(labels) > 0 {
		s += "{"
		for i, l := range labels {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf("%s=%q", l[0], nameLabel(l[1]))
		}
		s += "}"
	}
	fmt.Fprintf(w, "%s %g\n", s, v)
}

// Handler serves the metrics: the process's (memory, CPU, file
// descriptors, goroutines), the counters above, then what extra writes
// (values read at scrape time, such as the job queue; nil for none).
func Handler(extra func(w io.Writer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		vm.WriteProcessMetrics(w)
		set.WritePrometheus(w)
		if extra != nil {
			extra(w)
		}
	})
}

// routeLabel keeps a route pattern as it is when it is made of the
// characters patterns are written with; anything else is "other". The
// pattern is already one of the program's own routes: this is a second
// guard, not the first.
func routeLabel(p string) string {
	if p == "" {
		return "unmatched"
	}
	if len(p) > 120 {
		return "other"
	}
	for _, c := range p {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ' || c == '/' || c == '{' || c == '}' || c == '$' || c == '.' || c == '_' || c == '-':
		default:
			return "other"
		}
	}
	return p
}

// nameLabel keeps a program-defined name (a job kind, a status): lower
// case letters, digits, '.', '_' and '-'.
func nameLabel(s string) string {
	if s == "" || len(s) > 60 {
		return "other"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "other"
		}
	}
	return s
}

// BackupDone records a scheduled backup that was written: when (Unix
// seconds, so an alert rule can say "no copy for more than a day") and how
// long the copy took.
func BackupDone(at time.Time, took time.Duration) {
	set.GetOrCreateGauge(`spiker_backup_last_success_timestamp_seconds`, nil).Set(float64(at.Unix()))
	set.GetOrCreateGauge(`spiker_backup_duration_seconds`, nil).Set(took.Seconds())
}
