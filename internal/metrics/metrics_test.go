package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Values outside the fixed sets never become labels: whatever a caller
// passes by mistake (a raw path with an id, a typed name, a chat id), the
// scrape says "other".
func TestLabelsComeFromFixedSets(t *testing.T) {
	Request("GET /staf/kasus/{id}", 200, time.Millisecond)
	Request("GET /staf/kasus/01KANARI?q=Sulastri", 200, time.Millisecond)
	Request(`GET /"injected"`+"\n", 999, time.Millisecond)
	Request("", 404, time.Millisecond)
	Delivery("sms:0812KANARI", Sent)
	Delivery("telegram", "kanari outcome")
	Breach("kanari_clock")
	Job("Kanari Kind", fmt.Errorf("failed for Sulastri"))
	Intake("kanari", true, time.Second)
	rec := httptest.NewRecorder()
	Handler(func(w io.Writer) {
		Gauge(w, "spiker_test", [][2]string{{"kind", "kanari kind"}}, 1)
	}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	if strings.Contains(strings.ToLower(text), "kanari") || strings.Contains(text, "Sulastri") || strings.Contains(text, "injected") {
		t.Fatalf("a value outside its set became a label:\n%s", text)
	}
	for _, want := range []string{
		`spiker_http_requests_total{route="GET /staf/kasus/{id}",code="200"} 1`,
		`spiker_http_requests_total{route="other",code="200"} 1`,
		`spiker_http_requests_total{route="other",code="other"} 1`,
		`spiker_http_requests_total{route="unmatched",code="404"} 1`,
		`spiker_alert_deliveries_total{channel="other",outcome="sent"} 1`,
		`spiker_alert_deliveries_total{channel="telegram",outcome="other"} 1`,
		`spiker_time_limit_breaches_total{clock="other"} 1`,
		`spiker_job_runs_total{kind="other",outcome="failed"} 1`,
		`spiker_intake_duration_seconds_count{kind="other",outcome="ok"} 1`,
		`spiker_test{kind="other"} 1`,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// BenchmarkRequest is the cost a request pays for being counted.
func BenchmarkRequest(b *testing.B) {
	for b.Loop() {
		Request("GET /staf/kasus/{id}", 200, time.Millisecond)
	}
}

// The last scheduled backup is a time an alert rule can compare with now.
func TestBackupDone(t *testing.T) {
	BackupDone(time.Date(2026, 12, 1, 18, 30, 0, 0, time.UTC), 1500*time.Millisecond)
	rec := httptest.NewRecorder()
	Handler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		"spiker_backup_last_success_timestamp_seconds 1796149800\n",
		"spiker_backup_duration_seconds 1.5\n",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("missing %q", want)
		}
	}
}
