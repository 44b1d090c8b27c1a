package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"

	"github.com/spikerperak/spiker/internal/store/storetest"
)

type apiClient struct {
	t    *testing.T
	base string
}

func (a apiClient) call(method, path string, body any, header map[string]string) (int, map[string]any, http.Header) {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func apiReport() map[string]any {
	return map[string]any{
		"reporter_role": "saksi", "description": "Tetangga memukul anaknya setiap malam.", "violence_types": []string{"Fisik"},
		"kecamatan_code": "35.24.01", "desa_code": "35.24.01.2001", "incident_date": "2026-11-24", "victim_sex": "Laki-laki",
		"victim_age": 9, "relationship": "Orang Tua", "in_danger": true, "consent": true,
		"contact": map[string]any{"channel": "whatsapp", "number": "081234567890", "safe_times": "sore", "note": "teman sekolah"},
	}
}

func TestAPIReportAndFollowup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		m, _ := startMain(t, t.TempDir(), dbURL)
		a := apiClient{t, "http://" + m.PublicAddr()}
		key := map[string]string{"Idempotency-Key": "bot-7f3a9c2e-11aa-4b6c"}
		code, out, _ := a.call("POST", "/api/v1/reports", apiReport(), key)
		receipt, _ := out["receipt"].(string)
		if code != 201 || len(receipt) != 16 {
			t.Fatalf("create: %d %v", code, out)
		}
		if code, again, _ := a.call("POST", "/api/v1/reports", apiReport(), key); code != 201 || again["receipt"] != receipt || countReports(t, m) != 1 {
			t.Fatalf("retry with the same Idempotency-Key: %d %v, %d reports", code, again, countReports(t, m))
		}
		code, out, _ = a.call("POST", "/api/v1/followup/session", map[string]string{"receipt": receipt}, nil)
		token, _ := out["token"].(string)
		if code != 200 || token == "" {
			t.Fatalf("session: %d %v", code, out)
		}
		bearer := map[string]string{"Authorization": "Bearer " + token}
		if code, out, _ := a.call("POST", "/api/v1/followup/messages", map[string]string{"body": "Anaknya masih di rumah."}, bearer); code != 201 {
			t.Fatalf("message: %d %v", code, out)
		}
		code, out, _ = a.call("GET", "/api/v1/followup", nil, bearer)
		msgs, _ := out["messages"].([]any)
		if code != 200 || out["status"] != "baru" || len(msgs) != 1 || msgs[0].(map[string]any)["from"] != "pelapor" ||
			msgs[0].(map[string]any)["body"] != "Anaknya masih di rumah." {
			t.Fatalf("follow-up: %d %v", code, out)
		}
		if code, _, _ := a.call("GET", "/api/v1/followup", nil, map[string]string{"Authorization": "Bearer nonsense"}); code != 401 {
			t.Fatalf("bad token: %d", code)
		}
		if code, out, _ := a.call("POST", "/api/v1/followup/session", map[string]string{"receipt": "0000000000000000"}, nil); code != 401 || out["error"] == nil {
			t.Fatalf("wrong receipt: %d %v", code, out)
		}
	})
}

func TestAPIValidation(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	a := apiClient{t, "http://" + m.PublicAddr()}
	for _, tc := range []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"no description", func(b map[string]any) { delete(b, "description") }, "description"},
		{"bad role", func(b map[string]any) { b["reporter_role"] = "polisi" }, "reporter_role"},
		{"label not SIMFONI", func(b map[string]any) { b["violence_types"] = []string{"fisik"} }, "violence_types"},
		{"kecamatan outside", func(b map[string]any) { b["kecamatan_code"] = "35.25.01" }, "kecamatan_code"},
		{"desa outside", func(b map[string]any) { b["desa_code"] = "35.24.02.2001" }, "desa_code"},
		{"no danger answer", func(b map[string]any) { delete(b, "in_danger") }, "in_danger"},
		{"no consent", func(b map[string]any) { b["consent"] = false }, "consent"},
		{"sex", func(b map[string]any) { b["victim_sex"] = "P" }, "victim_sex"},
		{"negative age", func(b map[string]any) { b["victim_age"] = -3 }, "victim_age"},
		{"relationship", func(b map[string]any) { b["relationship"] = "Paman" }, "relationship"},
		{"contact number", func(b map[string]any) { b["contact"].(map[string]any)["number"] = "x" }, "contact.number"},
		{"date", func(b map[string]any) { b["incident_date"] = "24-11-2026" }, "incident_date"},
	} {
		b := apiReport()
		tc.edit(b)
		code, out, _ := a.call("POST", "/api/v1/reports", b, nil)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if code != 400 || e["code"] != "invalid" || fields[tc.field] == nil || fields[tc.field] == "" {
			t.Errorf("%s: %d %v, want a message for %s", tc.name, code, out, tc.field)
		}
	}
	for name, body := range map[string]string{
		"not JSON":      "hello",
		"unknown field": `{"description": "x", "nik": "3524010101010001"}`,
		"two objects":   `{} {}`,
		"too large":     `{"description": "` + strings.Repeat("a", 300<<10) + `"}`,
	} {
		if code, out, _ := a.call("POST", "/api/v1/reports", body, nil); code != 400 || out["error"] == nil {
			t.Errorf("%s: %d %v", name, code, out)
		}
	}
	if code, _, _ := a.call("POST", "/api/v1/reports", apiReport(), map[string]string{"Idempotency-Key": "1"}); code != 400 {
		t.Errorf("short Idempotency-Key accepted: %d", code)
	}
	if code, out, _ := a.call("POST", "/api/v1/reports", apiReport(), map[string]string{"Accept-Language": "en"}); code != 201 {
		t.Errorf("valid report: %d %v", code, out)
	}
	_, out, _ := a.call("POST", "/api/v1/reports", map[string]any{"description": ""}, map[string]string{"Accept-Language": "en"})
	if e, _ := out["error"].(map[string]any); e == nil || !strings.Contains(e["fields"].(map[string]any)["consent"].(string), "Tick the consent") {
		t.Errorf("English messages: %v", out)
	}
	if countReports(t, m) != 1 {
		t.Errorf("%d reports stored, want only the valid one", countReports(t, m))
	}
	if code, _, _ := a.call("GET", "/api/v1/nothing", nil, nil); code != 404 {
		t.Errorf("unknown endpoint: %d", code)
	}
}

func TestAPIRateLimit(t *testing.T) {
	// A pinned clock: the wait is exactly an hour however slow the run.
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.RateLimits = "report=1/1h:100/1h"; c.Clock = limitsClock })
	a := apiClient{t, "http://" + m.PublicAddr()}
	a.call("POST", "/api/v1/reports", apiReport(), nil)
	code, out, h := a.call("POST", "/api/v1/reports", apiReport(), nil)
	e := out["error"].(map[string]any)
	if code != 429 || h.Get("Retry-After") != "3600" || e["code"] != "too_many" || e["retry_after"] != 3600.0 {
		t.Fatalf("second report: %d %v %v", code, out, h)
	}
}

func TestStaffAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		m, _ := startMain(t, t.TempDir(), dbURL)
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		a := apiClient{t, "http://" + m.PublicAddr()}
		_, out, _ := a.call("POST", "/api/v1/reports", apiReport(), nil)
		receipt := out["receipt"].(string)

		code, out, _ := a.call("POST", "/api/v1/staff/session", map[string]string{"username": "konselor.satu", "password": "tubruk pasar sapi kabut", "otp": "000000"}, nil)
		if code != 401 {
			t.Fatalf("wrong otp: %d %v", code, out)
		}
		otpCode, _ := totp.GenerateCode(secret, time.Now())
		code, out, _ = a.call("POST", "/api/v1/staff/session", map[string]string{"username": "konselor.satu", "password": "tubruk pasar sapi kabut", "otp": otpCode}, nil)
		token, _ := out["token"].(string)
		if code != 200 || token == "" {
			t.Fatalf("staff session: %d %v", code, out)
		}
		auth := map[string]string{"Authorization": "Bearer " + token}
		code, out, _ = a.call("GET", "/api/v1/staff/reports", nil, auth)
		list, _ := out["reports"].([]any)
		if code != 200 || len(list) != 1 {
			t.Fatalf("inbox: %d %v", code, out)
		}
		item := list[0].(map[string]any)
		if item["kecamatan_code"] != "35.24.01" || item["in_danger"] != true || item["overdue"] != false || item["first_response_due"] == nil {
			t.Fatalf("inbox item: %v", item)
		}
		id := item["id"].(string)
		code, out, _ = a.call("GET", "/api/v1/staff/reports/"+id, nil, auth)
		if code != 200 || out["description"] != "Tetangga memukul anaknya setiap malam." || out["victim_age"] != float64(9) {
			t.Fatalf("report: %d %v", code, out)
		}
		if code, _, _ := a.call("POST", "/api/v1/staff/reports/"+id+"/messages", map[string]string{"body": "Terima kasih, kami segera datang."}, auth); code != 201 {
			t.Fatalf("reply: %d", code)
		}
		_, s, _ := a.call("POST", "/api/v1/followup/session", map[string]string{"receipt": receipt}, nil)
		_, fu, _ := a.call("GET", "/api/v1/followup", nil, map[string]string{"Authorization": "Bearer " + s["token"].(string)})
		if msgs, _ := fu["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["from"] != "petugas" {
			t.Fatalf("the reporter does not see the reply: %v", fu)
		}
		code, out, _ = a.call("POST", "/api/v1/staff/reports/"+id+"/case", map[string]string{"summary": "anak, fisik"}, auth)
		caseID, _ := out["case_id"].(string)
		if code != 201 || caseID == "" {
			t.Fatalf("open case: %d %v", code, out)
		}
		if code, out, _ := a.call("GET", "/api/v1/staff/cases/"+caseID, nil, auth); code != 200 || out["summary"] != "anak, fisik" {
			t.Fatalf("case: %d %v", code, out)
		}
		if code, _, _ := a.call("GET", "/api/v1/staff/reports", nil, map[string]string{"Authorization": "Bearer " + token + "x"}); code != 401 {
			t.Fatalf("bad token: %d", code)
		}
	})
}
