package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestDuplicateHintsAndSearchPages: the duty officer's report page says a
// report shares its phone number with another and links it; a report with
// another number gets no hint; the search by phone or NIK is a POST whose
// answer lists the held reports, is audited and logged without the number,
// and is refused to a role without the index key.
func TestDuplicateHintsAndSearchPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, logs := startMain(t, t.TempDir(), dbURL)
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		managerSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
		report := func(number string) *spiker.Report {
			r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban,
				ViolenceTypes: []string{"Psikis"}, VictimAge: -1, Consent: true, ContactWanted: true,
				Content: spiker.ReportContent{Narrative: "diancam", Contact: spiker.ReportContact{Channel: "telepon", Number: number}}}
			if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
			return r
		}
		first, second, other := report("0812-7777-3333"), report("+62 812 7777 3333"), report("0857-1111-2222")

		p := newPortal(t, m)
		csrf := signIn(t, p, "konselor.satu", secret, time.Now())
		resp, page := p.get("/staf/laporan/" + second.ID)
		if resp.StatusCode != 200 || !strings.Contains(page, "Nomor telepon yang sama dengan") || !strings.Contains(page, `href="/staf/laporan/`+first.ID+`"`) {
			t.Fatalf("the report page shows no hint of the first report: %d %.600s", resp.StatusCode, page)
		}
		if strings.Contains(page, other.ID) {
			t.Fatal("the hint names a report with another number")
		}
		if _, page := p.get("/staf/laporan/" + other.ID); strings.Contains(page, "dupes-title") {
			t.Fatal("a report with a number of its own has a hint")
		}

		// Once the first report is a case, the hint names the case, and
		// the case page names the second report.
		officer, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{first.ID}}
		if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if _, page := p.get("/staf/laporan/" + second.ID); !strings.Contains(page, `href="/staf/kasus/`+c.ID+`"`) || !strings.Contains(page, c.Number) {
			t.Fatalf("the report page does not name the case: %.600s", page)
		}
		if _, page := p.get("/staf/kasus/" + c.ID); !strings.Contains(page, "Nomor telepon yang sama dengan") || !strings.Contains(page, `href="/staf/laporan/`+second.ID+`"`) || strings.Contains(page, other.ID) {
			t.Fatalf("the case page does not name the second report: %.600s", page)
		}

		// The form is on the inbox; its answer is the search page.
		if _, page := p.get("/staf/"); !strings.Contains(page, `action="/staf/cari-identitas"`) {
			t.Fatal("the inbox has no search form")
		}
		resp, page = p.post("/staf/cari-identitas", url.Values{"csrf": {csrf}, "number": {"081277773333"}}, nil)
		if resp.StatusCode != 200 || !strings.Contains(page, "/staf/kasus/"+c.ID) || !strings.Contains(page, "/staf/laporan/"+second.ID) || strings.Contains(page, other.ID) {
			t.Fatalf("search: %d %.600s", resp.StatusCode, page)
		}
		resp, page = p.post("/staf/cari-identitas", url.Values{"csrf": {csrf}, "number": {"siti"}}, nil)
		if resp.StatusCode != 422 || !strings.Contains(page, "Tulis nomor telepon atau NIK 16 angka.") {
			t.Fatalf("a search for a name: %d", resp.StatusCode)
		}
		mp := newPortal(t, m)
		mcsrf := signIn(t, mp, "manajer.satu", managerSecret, time.Now())
		if resp, _ := mp.post("/staf/cari-identitas", url.Values{"csrf": {mcsrf}, "number": {"081277773333"}}, nil); resp.StatusCode != 403 {
			t.Fatalf("a case manager's search: %d, want 403", resp.StatusCode)
		}

		var entries []string
		err = m.DB.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT action, record_kind, record_id, reason FROM audit_log ORDER BY seq`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a, k, id, reason string
				if err := rows.Scan(&a, &k, &id, &reason); err != nil {
					return err
				}
				entries = append(entries, strings.Join([]string{a, k, id, reason}, " "))
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		searches := 0
		for _, e := range entries {
			if strings.Contains(e, "7777") || strings.Contains(e, "3333") {
				t.Errorf("the audit log holds the number: %q", e)
			}
			if strings.HasPrefix(e, "identity.search ") {
				searches++
			}
		}
		if searches != 1 {
			t.Fatalf("%d identity.search entries, want 1 (the refused and invalid ones find nothing): %q", searches, entries)
		}
		if strings.Contains(logs.String(), "7777") {
			t.Fatal("the log holds the searched number")
		}
	})
}
