package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// scrape reads /metrics with the token.
func scrape(t *testing.T, m *Main, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+m.MetricsAddr()+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// sample returns the value of the series whose line starts with series, or
// -1 when there is none.
func sample(text, series string) float64 {
	for line := range strings.SplitSeq(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// TestMetricsScrapeKeepsNoCanaries drives the program through everything
// the metrics count, with planted values in every place a person's data
// travels (a report's story and contact, its receipt on /cek, a staff user
// name, record ids in paths, a query string, a user agent, a Telegram chat,
// the scraper's own token), then scrapes /metrics: none of them is there,
// and every family is, with plausible values.
func TestMetricsScrapeKeepsNoCanaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		const (
			storyCanary   = "kanari-metrik: dipukul di dapur"
			noteCanary    = "kanari-catatan bilang dari arisan"
			phoneCanary   = "0812 7777 4242"
			staffCanary   = "kanari.petugas"
			pathCanary    = "KANARIKASUS"
			queryCanary   = "kanariq"
			agentCanary   = "KanariAgent/7.3"
			chatCanary    = "-1009876543210"
			metricsSecret = "kanari-token-4f9a2c"
		)
		var delivered = make(chan struct{}, 10)
		telegram := httptest.NewServer(botAPIFor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"result":{"message_id":7}}`)
			delivered <- struct{}{}
		})))
		defer telegram.Close()

		clock := clockAt(time.Now())
		m, _ := startMain(t, t.TempDir(), dbURL, func(c *Config) {
			c.Clock = clock.Now
			c.MetricsAddr, c.MetricsToken = "127.0.0.1:0", metricsSecret
			c.TelegramAPI = telegram.URL
		})
		duty := store.DutyService{Store: m.Store}
		sup := addStaff(t, m, "kepala.uptd", spiker.RoleSupervisor)
		if err := duty.SetChannel(ctx, sup, "telegram", chatCanary); err != nil {
			t.Fatal(err)
		}
		if err := duty.SetChannelSettings(ctx, addStaff(t, m, "admin.it", spiker.RoleAdmin),
			&spiker.ChannelSettings{TelegramToken: "123456:test-token"}); err != nil {
			t.Fatal(err)
		}

		// A report through the form, its receipt used on /cek.
		p := newPortal(t, m)
		_, form := p.get("/")
		answers := validAnswers(tokenRE.FindStringSubmatch(form)[1])
		answers.Set("narrative", storyCanary)
		answers.Set("note", noteCanary)
		answers.Set("number", phoneCanary)
		resp, page := p.report(answers, nil)
		mr := receiptRE.FindStringSubmatch(page)
		if resp.StatusCode != 200 || mr == nil {
			t.Fatalf("report: %d", resp.StatusCode)
		}
		receipt := mr[1]
		if resp, _ := p.post("/cek", url.Values{"receipt": {receipt}}, nil); resp.StatusCode != 303 {
			t.Fatalf("/cek: %d", resp.StatusCode)
		}
		p.get("/cek?q=" + queryCanary)
		req, _ := http.NewRequest("GET", p.base+"/tentang", nil)
		req.Header.Set("User-Agent", agentCanary)
		p.do(req)

		// A staff member with a planted name opens a planted case id.
		secret := addStaffWithTOTP(t, m, staffCanary, spiker.RoleKonselorPiket, "35.24")
		staff := newPortal(t, m)
		signIn(t, staff, staffCanary, secret, clock.Now())
		if resp, _ := staff.get("/staf/kasus/" + pathCanary); resp.StatusCode != 404 {
			t.Fatalf("/staf/kasus/%s: %d", pathCanary, resp.StatusCode)
		}
		staff.get("/staf/laporan/" + pathCanary + "?q=" + queryCanary)
		staff.get("/no/such/" + pathCanary)

		// The alert goes out on Telegram; then the first response's time
		// limit runs out.
		select {
		case <-delivered:
		case <-time.After(30 * time.Second):
			t.Fatal("the alert was never delivered")
		}
		clock.Add(3 * time.Hour)
		m.Jobs.Wake()
		var text string
		deadline := time.Now().Add(30 * time.Second)
		for {
			text = scrape(t, m, metricsSecret)
			// The delivery job is counted when its handler returns, after
			// the message reached the fake Telegram: wait for both.
			if sample(text, `spiker_time_limit_breaches_total{clock="first_response"}`) >= 1 &&
				sample(text, `spiker_job_runs_total{kind="`+store.JobDeliver+`",outcome="ok"}`) >= 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no breach counted:\n%s", grepLines(text, "spiker_"))
			}
			time.Sleep(200 * time.Millisecond)
		}

		digits := strings.ReplaceAll(receipt, " ", "")
		for _, c := range []string{storyCanary, "kanari-metrik", noteCanary, "kanari-catatan", phoneCanary, "81277774242", receipt, digits,
			digits[:8], staffCanary, pathCanary, queryCanary, agentCanary, chatCanary, "9876543210", metricsSecret, "127.0.0.1", "test-token"} {
			if strings.Contains(strings.ToLower(text), strings.ToLower(c)) {
				t.Errorf("the scrape contains the canary %q", c)
			}
		}

		// Every family, with values that fit what happened.
		atLeast := map[string]float64{
			`spiker_http_requests_total{route="POST /{$}",code="303"}`:            1,
			`spiker_http_requests_total{route="POST /cek",code="303"}`:            1,
			`spiker_http_requests_total{route="GET /staf/kasus/{id}",code="404"}`: 1,
			`spiker_http_requests_total{route="unmatched",code="404"}`:            1,
			`spiker_http_request_duration_seconds_count{route="POST /{$}"}`:       1,
			`spiker_intake_duration_seconds_count{kind="public",outcome="ok"}`:    1,
			`spiker_argon2id_duration_seconds_count`:                              2, // the receipt, then /cek
			`spiker_argon2id_wait_seconds_count`:                                  2,
			`spiker_job_runs_total{kind="alert.raise",outcome="ok"}`:              1,
			`spiker_job_runs_total{kind="clock.check",outcome="ok"}`:              1,
			`spiker_alert_deliveries_total{channel="telegram",outcome="sent"}`:    1,
			`spiker_time_limit_breaches_total{clock="first_response"}`:            1,
			`spiker_database_up`:            1,
			`process_resident_memory_bytes`: 1 << 20,
			`spiker_http_request_duration_seconds_bucket{route="POST /{$}",le="+Inf"}`:          1,
			`spiker_alert_deliveries_total{channel="email",outcome="failed"}`:                   0,
			`spiker_jobs{kind="alert.raise",state="due"}`:                                       0,
			`spiker_http_requests_total{route="GET /staf/laporan/{id}",code="404"}`:             1,
			`spiker_intake_duration_seconds_bucket{kind="public",outcome="ok",le="+Inf"}`:       1,
			`spiker_argon2id_duration_seconds_bucket{le="+Inf"}`:                                2,
			`spiker_time_limit_breaches_total{clock="tpks_police"}`:                             0,
			`spiker_job_runs_total{kind="` + store.JobDeliver + `",outcome="ok"}`:               1,
			`spiker_http_requests_total{route="GET /{$}",code="200"}`:                           1,
			`spiker_http_requests_total{route="GET /tentang",code="200"}`:                       1,
			`spiker_http_requests_total{route="POST /staf/masuk",code="303"}`:                   1,
			`spiker_http_requests_total{route="GET /cek",code="200"}`:                           1,
			`spiker_http_request_duration_seconds_sum{route="POST /staf/masuk"}`:                0,
			`spiker_intake_duration_seconds_sum{kind="public",outcome="ok"}`:                    0,
			`spiker_argon2id_duration_seconds_sum`:                                              0,
			`spiker_http_request_duration_seconds_bucket{route="GET /tentang",le="10.0"}`:       -1, // not a bucket we have
			`spiker_http_request_duration_seconds_bucket{route="GET /tentang",le="30"}`:         1,
			`spiker_http_request_duration_seconds_bucket{route="GET /tentang",le="0.001"}`:      0,
			`spiker_http_request_duration_seconds_count{route="GET /tentang"}`:                  1,
			`spiker_http_requests_total{route="GET /staf/kasus/` + pathCanary + `",code="404"}`: -1,
		}
		for series, min := range atLeast {
			v := sample(text, series)
			switch {
			case min < 0 && v != -1:
				t.Errorf("%s = %v, want no such series", series, v)
			case min >= 0 && v < min:
				t.Errorf("%s = %v, want at least %v", series, v, min)
			}
		}
		// The example dashboard asks only for families the program writes.
		dashboard, err := os.ReadFile("../../deploy/grafana-spiker.json")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`(?:spiker|process)_[a-z0-9_]+`).FindAllString(string(dashboard), -1) {
			family := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
			if !strings.Contains(text, "# TYPE "+family+" ") && !strings.Contains(text, "\n"+family+" ") && sample(text, family) < 0 {
				t.Errorf("the dashboard uses %s, which the scrape does not have", name)
			}
		}
		// A derivation takes some time, and no derivation takes minutes.
		if sum, n := sample(text, `spiker_argon2id_duration_seconds_sum`), sample(text, `spiker_argon2id_duration_seconds_count`); n <= 0 || sum/n <= 0 || sum/n > 60 {
			t.Errorf("Argon2id: %v s over %v derivations", sum, n)
		}
		// Label values come from fixed sets: route patterns (with a method or,
		// for a catch-all such as the API's "/api/v1/", without), codes, kinds.
		labelRE := regexp.MustCompile(`(\w+)="([^"]*)"`)
		for line := range strings.SplitSeq(text, "\n") {
			if !strings.HasPrefix(line, "spiker_") {
				continue
			}
			for _, l := range labelRE.FindAllStringSubmatch(line, -1) {
				if l[1] == "route" && l[2] != "unmatched" && l[2] != "other" && !strings.Contains(l[2], " /") && !strings.HasPrefix(l[2], "/") {
					t.Errorf("a route label that is not a pattern: %s", line)
				}
			}
		}
	})
}

// grepLines returns the lines of text that start with prefix.
func grepLines(text, prefix string) string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
