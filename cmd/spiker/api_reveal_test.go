package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestStaffAPIMasksIdentity: the staff API shows a report's and a case's
// identity masked as the back office does (initials, last four
// characters); revealing it is its own request and writes exactly one
// audit entry, like the web's "show identity".
func TestStaffAPIMasksIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		a := apiClient{t, "http://" + m.PublicAddr()}
		report := apiReport()
		report["victim_name"] = "Siti Aminah"
		if code, out, _ := a.call("POST", "/api/v1/reports", report, nil); code != 201 && code != 200 {
			t.Fatalf("report: %d %v", code, out)
		}
		otpCode, _ := totp.GenerateCode(secret, time.Now())
		_, out, _ := a.call("POST", "/api/v1/staff/session", map[string]string{"username": "konselor.satu", "password": "tubruk pasar sapi kabut", "otp": otpCode}, nil)
		auth := map[string]string{"Authorization": "Bearer " + out["token"].(string)}
		_, out, _ = a.call("GET", "/api/v1/staff/reports", nil, auth)
		id := out["reports"].([]any)[0].(map[string]any)["id"].(string)
		reveals := func(kind string) int {
			var n int
			if err := m.DB.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, []any{kind + ".reveal_identity"}, &n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		code, out, _ := a.call("GET", "/api/v1/staff/reports/"+id, nil, auth)
		contact, _ := out["contact"].(map[string]any)
		if code != 200 || out["victim_name"] != "S. A." || out["identity_masked"] != true || contact == nil ||
			contact["number"] != "••••••••7890" || contact["note"] != "•••••••••olah" || contact["safe_times"] != "sore" {
			t.Fatalf("the report through the API: %d %v", code, out)
		}
		if n := reveals("report"); n != 0 {
			t.Fatalf("%d reveal entries before any reveal", n)
		}

		code, out, _ = a.call("POST", "/api/v1/staff/reports/"+id+"/reveal", nil, auth)
		contact, _ = out["contact"].(map[string]any)
		if code != 200 || out["victim_name"] != "Siti Aminah" || out["identity_masked"] != false || contact == nil ||
			contact["number"] != "081234567890" || contact["note"] != "teman sekolah" {
			t.Fatalf("reveal: %d %v", code, out)
		}
		if n := reveals("report"); n != 1 {
			t.Fatalf("%d reveal entries after one reveal, want 1", n)
		}

		// A case shows the victim's name masked too, and reveals it alike.
		_, out, _ = a.call("POST", "/api/v1/staff/reports/"+id+"/case", map[string]string{"summary": "anak, fisik"}, auth)
		caseID, _ := out["case_id"].(string)
		if code, out, _ := a.call("GET", "/api/v1/staff/cases/"+caseID, nil, auth); code != 200 || out["victim_name"] != "S. A." || out["identity_masked"] != true {
			t.Fatalf("case: %d %v", code, out)
		}
		if code, out, _ := a.call("POST", "/api/v1/staff/cases/"+caseID+"/reveal", nil, auth); code != 200 || out["victim_name"] != "Siti Aminah" {
			t.Fatalf("case reveal: %d %v", code, out)
		}
		if n := reveals("case"); n != 1 {
			t.Fatalf("%d case reveal entries, want 1", n)
		}

		// Without a session, or without the key, nothing is revealed.
		if code, _, _ := a.call("POST", "/api/v1/staff/reports/"+id+"/reveal", nil, nil); code != 401 {
			t.Fatalf("reveal without a session: %d", code)
		}
		other := addStaffWithTOTP(t, m, "data.satu", spiker.RoleTimData, "35.24")
		otpCode, _ = totp.GenerateCode(other, time.Now())
		_, out, _ = a.call("POST", "/api/v1/staff/session", map[string]string{"username": "data.satu", "password": "tubruk pasar sapi kabut", "otp": otpCode}, nil)
		if code, _, _ := a.call("POST", "/api/v1/staff/reports/"+id+"/reveal", nil, map[string]string{"Authorization": "Bearer " + out["token"].(string)}); code != 403 {
			t.Fatalf("reveal by the data officer: %d", code)
		}
		if n := reveals("report"); n != 1 {
			t.Fatalf("%d reveal entries after refusals, want 1", n)
		}
	})
}

// TestCasePageMasksIdentity: the back office's case page shows the
// victim's name as initials until "show identity", which is its own audit
// entry.
func TestCasePageMasksIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		officer, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		a := apiClient{t, "http://" + m.PublicAddr()}
		report := apiReport()
		report["victim_name"] = "Siti Aminah"
		a.call("POST", "/api/v1/reports", report, nil)
		items, err := (store.ReportService{Store: m.Store}).FindReports(ctx, officer, spiker.ReportFilter{Limit: 10})
		if err != nil || len(items) != 1 {
			t.Fatalf("inbox: %v %v", items, err)
		}
		c := &spiker.Case{RegionCode: items[0].RegionCode, ReportIDs: []string{items[0].ID}, Content: spiker.CaseContent{VictimName: "Siti Aminah"}}
		if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		// The SIMFONI record names the victim and the perpetrator too.
		supSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
		sup, err := m.Users.Authenticate(ctx, "kepala.uptd", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		v := &spiker.CaseVictim{Sex: "Perempuan", Age: 30, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Education: "SLTA",
			Occupation: "Ibu Rumah Tangga", Marital: "Kawin Tercatat", Consent: spiker.ConsentByVictim, Name: "Siti Aminah", NIK: "3524010101010001"}
		cases := store.CaseService{Store: m.Store}
		if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
			t.Fatalf("%v %v", err, spiker.ErrorFields(err))
		}
		if err := cases.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: v.ID, Sex: "Laki-laki", AgeGroup: "25-59", Relationship: "Suami/Istri", Name: "Budi Santoso"}); err != nil {
			t.Fatalf("%v %v", err, spiker.ErrorFields(err))
		}
		for _, who := range []struct{ name, secret string }{{"konselor.satu", secret}, {"kepala.uptd", supSecret}} {
			p := newPortal(t, m)
			csrf := signIn(t, p, who.name, who.secret, time.Now())
			resp, page := p.get("/staf/kasus/" + c.ID)
			if resp.StatusCode != 200 || strings.Contains(page, "Siti Aminah") || strings.Contains(page, "Budi Santoso") || !strings.Contains(page, "S. A.") || !strings.Contains(page, "B. S.") {
				t.Fatalf("the case page for %s: %d, a name shown in full or not masked", who.name, resp.StatusCode)
			}
			if resp, page := p.post("/staf/kasus/"+c.ID+"/identitas", url.Values{"csrf": {csrf}}, nil); resp.StatusCode != 200 ||
				!strings.Contains(page, "Siti Aminah") || !strings.Contains(page, "Budi Santoso") {
				t.Fatalf("show identity for %s: %d", who.name, resp.StatusCode)
			}
		}
		var n int
		if err := m.DB.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'case.reveal_identity'`, nil, &n); err != nil || n != 2 {
			t.Fatalf("%d case reveal entries (%v), want 2", n, err)
		}
	})
}
