package main

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestStaffCaseTakedown walks the KSBE takedown tracker of the case page:
// a bad URL, a bad hash and a request sent in the future are refused with
// a clear message and write nothing; an item and a request sent 50 hours
// ago are recorded (audited) and the request shows red; a colleague of
// another kecamatan (a case manager and a supervisor) and a case manager
// off the team can neither see the tracker nor write to it.
func TestStaffCaseTakedown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		f := newProtectionFixture(t, dbURL)
		casePath, manager, mc := f.casePath, f.manager, f.mCSRF
		post := func(p *portal, path string, v url.Values) (int, string) {
			resp, page := p.post(casePath+path, v, nil)
			return resp.StatusCode, page
		}
		const canary = "https://kanari-ksbe.example/v/rahasia"
		item := url.Values{"csrf": {mc}, "td_platform": {"tiktok"}, "td_url": {"kanari-ksbe.example/v"}, "td_status": {spiker.TakedownOpen}}
		if code, page := post(manager, "/ksbe", item); code != 422 || !strings.Contains(page, "Isi alamat lengkap yang diawali http:// atau https://.") {
			t.Fatalf("a URL without its scheme: %d", code)
		}
		item.Set("td_url", canary)
		item.Set("td_hash", "1234")
		if code, page := post(manager, "/ksbe", item); code != 422 || !strings.Contains(page, "Hash SHA-256 harus 64 karakter heksadesimal") ||
			!strings.Contains(page, `value="`+canary+`"`) {
			t.Fatalf("a short hash (and the URL typed kept in the form): %d", code)
		}
		item.Set("td_hash", strings.Repeat("ab", 32))
		if code, _ := post(manager, "/ksbe", item); code != 303 {
			t.Fatalf("the item: %d", code)
		}
		_, page := manager.get(casePath)
		if !strings.Contains(page, "<code class=\"url\">"+canary+"</code>") || !strings.Contains(page, strings.Repeat("ab", 32)) || strings.Contains(page, `href="`+canary) {
			t.Fatalf("the item on the case page: %s", page[strings.Index(page, `id="ksbe"`):][:1500])
		}
		m := regexp.MustCompile(`name="item" value="([a-z0-9]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no request form")
		}
		zone := spiker.TimeZone("")
		req := url.Values{"csrf": {mc}, "item": {m[1]}, "tr_to": {spiker.TakedownToPlatform}, "tr_status": {spiker.RequestSent},
			"tr_reference": {"TIKET-KANARI-1"}, "tr_sent_at": {time.Now().Add(3 * time.Hour).In(zone).Format("2006-01-02T15:04")}}
		if code, page := post(manager, "/ksbe/permintaan", req); code != 422 || !strings.Contains(page, "Tanggal tidak boleh di masa depan.") {
			t.Fatalf("a request sent in the future: %d", code)
		}
		req.Set("tr_sent_at", time.Now().Add(-50*time.Hour).In(zone).Format("2006-01-02T15:04"))
		if code, _ := post(manager, "/ksbe/permintaan", req); code != 303 {
			t.Fatalf("the request: %d", code)
		}
		_, page = manager.get(casePath)
		section := page[strings.Index(page, `id="ksbe"`):]
		if !strings.Contains(section, "TIKET-KANARI-1") || !strings.Contains(section, `<span class="clock red">lewat batas</span>`) {
			t.Fatalf("the late request on the case page: %s", section[:3000])
		}
		if !strings.Contains(page, `<a href="#ksbe" class="clock red">1 permintaan menunggu tindak lanjut · lewat batas</a>`) {
			t.Fatal("the case's facts do not show the late takedown request")
		}

		ctx := context.Background()
		var items, reqs, audits int
		f.m.DB.View(ctx, func(tx *sqldb.Tx) error {
			tx.Get(ctx, `SELECT COUNT(*) FROM case_takedowns`, nil, &items)
			tx.Get(ctx, `SELECT COUNT(*) FROM case_takedown_requests`, nil, &reqs)
			return tx.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action IN ('case.takedown', 'case.takedown_request')`, nil, &audits)
		})
		if items != 1 || reqs != 1 || audits != 2 {
			t.Fatalf("refused posts wrote: %d items, %d requests, %d audit entries", items, reqs, audits)
		}

		// Another kecamatan's case manager and supervisor, and a case
		// manager of the regency off the team.
		outsiders := map[string]*portal{"manajer.dua": f.other}
		csrf := map[string]string{"manajer.dua": f.oCSRF}
		for name, role := range map[string]spiker.Role{"manajer.kec": spiker.RoleManajerKasus, "supervisor.kec": spiker.RoleSupervisor} {
			secret := addStaffWithTOTP(t, f.m, name, role, "35.24.01")
			outsiders[name] = newPortal(t, f.m)
			csrf[name] = signIn(t, outsiders[name], name, secret, time.Now())
		}
		for name, p := range outsiders {
			resp, page := p.get(casePath)
			if resp.StatusCode != 403 || strings.Contains(page, "kanari-ksbe") {
				t.Errorf("%s sees the case page: %d", name, resp.StatusCode)
			}
			item.Set("csrf", csrf[name])
			req.Set("csrf", csrf[name])
			if code, _ := post(p, "/ksbe", item); code != 403 {
				t.Errorf("%s adds an item: %d", name, code)
			}
			if code, _ := post(p, "/ksbe/permintaan", req); code != 403 {
				t.Errorf("%s adds a request: %d", name, code)
			}
		}
	})
}
