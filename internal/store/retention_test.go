package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// retentionWorld is a store on a controlled clock with the daily purge.
type retentionWorld struct {
	t   *testing.T
	ctx context.Context
	s   *store.Store
	clk *fakeClock
}

// runAt sets the clock and runs every due job (the purge, then the alerts
// it raised) the way the program does.
func (w *retentionWorld) runAt(at time.Time) {
	w.t.Helper()
	w.clk.Set(at)
	r := &jobs.Runner{Queue: w.s, Node: fmt.Sprintf("node-%d", time.Now().UnixNano())}
	for kind, h := range w.s.JobHandlers() {
		r.Handle(kind, h)
	}
	for range 5 {
		if n, err := r.RunDue(w.ctx); err != nil {
			w.t.Fatal(err)
		} else if n == 0 {
			return
		}
	}
}

func (w *retentionWorld) count(q string, args ...any) (n int) {
	w.t.Helper()
	if err := w.s.DB.View(w.ctx, func(tx *sqldb.Tx) error { return tx.Get(w.ctx, q, args, &n) }); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// blobs returns the stored ciphertexts (and sealed keys) a query lists.
func (w *retentionWorld) blobs(q string, args ...any) [][]byte {
	w.t.Helper()
	var out [][]byte
	err := w.s.DB.View(w.ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(w.ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// stats is every statistics count, as text.
func (w *retentionWorld) stats() string {
	var out []string
	err := w.s.DB.View(w.ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(w.ctx, `SELECT month || ' ' || region_code || ' ' || dimension || ' ' || value || ' ' || CAST(n AS TEXT) FROM stats_counts ORDER BY 1`)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (s string, err error) { return s, rows.Scan(&s) })
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

func canaryReport(canary string) *spiker.Report {
	r := sampleReport()
	r.Content.Narrative = "Cerita " + canary + " cerita"
	r.Content.VictimName = canary + " Nama"
	r.IncidentDate = "2026-01-05"
	return r
}

// needles are three pieces of each ciphertext (random, so found only
// where that ciphertext is stored; three, because SQLite may split a long
// row across an overflow page).
func needles(blobs [][]byte) [][][]byte {
	var out [][][]byte
	for _, b := range blobs {
		if len(b) >= 48 {
			out = append(out, [][]byte{b[8:24], b[len(b)/2-8 : len(b)/2+8], b[len(b)-24 : len(b)-8]})
		}
	}
	return out
}

// containsAny reports whether b holds any of the pieces.
func containsAny(b []byte, pieces [][]byte) bool {
	for _, p := range pieces {
		if bytes.Contains(b, p) {
			return true
		}
	}
	return false
}

// The Done-means test of issue 20's purge: a report closed as not a case
// and a closed case pass their retention date; the daily purge reminds
// their holders a week ahead (once), then shreds them. Their content and
// keys are gone from the SQLite file and its WAL, from a pg_dump and from
// a backup taken afterwards; the statistics are unchanged; a case under
// legal hold with the same dates and an extended report stay readable.
func TestRetentionPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		zone := spiker.TimeZone("")
		s.Zone = zone
		// 22:30 WIB: closed at night, the day counts in local time.
		t0 := time.Date(2026, 1, 10, 22, 30, 0, 0, zone)
		clk := &fakeClock{t: t0.UTC()}
		s.DB.Now = clk.Now
		w := &retentionWorld{t: t, ctx: ctx, s: s, clk: clk}
		reports, cases, ret := store.ReportService{Store: s}, store.CaseService{Store: s}, store.RetentionService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		data := staff(t, s, "data.satu", spiker.RoleTimData)
		if err := s.ScheduleJobs(ctx); err != nil {
			t.Fatal(err)
		}
		// The statistics as the dashboard and the SIMFONI register (without
		// identities) give them for the month the records came in.
		statistics := func() string {
			f := spiker.StatsFilter{From: "2026-01", To: "2026-01"}
			d, err := store.StatsService{Store: s}.Dashboard(ctx, data, f)
			if err != nil {
				t.Fatal(err)
			}
			reg, err := store.StatsService{Store: s}.Register(ctx, data, f, "")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%+v\n%+v\n%s", *d, *reg, w.stats())
		}

		file := func(canary string) string {
			r := canaryReport(canary)
			if _, err := reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
			if err := reports.AddNote(ctx, officer, r.ID, "Catatan "+canary+"-CATATAN"); err != nil {
				t.Fatal(err)
			}
			if err := reports.Reply(ctx, officer, r.ID, "Pesan "+canary+"-PESAN"); err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		openCase := func(canary string) string {
			rid := file(canary)
			c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{rid}, Content: spiker.CaseContent{Summary: "Ringkasan " + canary + "-RINGKASAN"}}
			if err := cases.OpenCase(ctx, officer, c); err != nil {
				t.Fatal(err)
			}
			if err := cases.AddEntry(ctx, sup, c.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Kesehatan", Body: "Layanan " + canary + "-CATATAN"}); err != nil {
				t.Fatal(err)
			}
			v := &spiker.CaseVictim{Sex: "Perempuan", Age: 31, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Consent: spiker.ConsentByVictim,
				Name: canary + " Korban", NIK: "3524010101010099", IncidentDate: "2026-01-05"}
			if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
				t.Fatal(err)
			}
			if err := cases.AddCaseFiles(ctx, sup, c.ID, []spiker.Upload{{Name: "visum.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 " + canary + " visum")}}); err != nil {
				t.Fatal(err)
			}
			if err := cases.SaveTakedown(ctx, sup, c.ID, &spiker.Takedown{Platform: "telegram", URL: "https://t.me/" + canary + "/1", Status: spiker.TakedownOpen}); err != nil {
				t.Fatal(err)
			}
			// Closed (the closure's approval is tested elsewhere).
			if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE cases SET status = $1, closed_at = $2 WHERE id = $3`, spiker.CaseClosed, tx.Now(), c.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		gone, kept, held := file("KANARILAPORAN"), file("KANARIPANJANG"), ""
		for _, id := range []string{gone, kept} {
			if err := reports.CloseReport(ctx, officer, id, "spam"); err != nil {
				t.Fatal(err)
			}
		}
		purgedCase := openCase("KANARIKASUS")
		held = openCase("KANARIDITAHAN")
		if err := ret.PutLegalHold(ctx, sup, held, "Perkara 12/Pid.Sus/2026/PN Lmg"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, ret.PutLegalHold(ctx, officer, purgedCase, "alasan"), spiker.EFORBIDDEN, "a hold by a duty officer")

		p := spiker.DefaultRetention
		reportEnd := p.ReportRetentionEnd(t0, time.Time{}, zone)
		caseEnd := p.CaseRetentionEnd(t0, time.Time{}, zone)
		if want := time.Date(2026, 4, 11, 0, 0, 0, 0, zone); !reportEnd.Equal(want) {
			t.Fatalf("the report's end: %v, want %v", reportEnd, want)
		}
		// Ten days on, the officer keeps the second report a month longer.
		clk.Set(t0.Add(10 * 24 * time.Hour).UTC())
		until := reportEnd.In(zone).AddDate(0, 1, 0).Format(time.DateOnly)
		wantCode(t, ret.ExtendReport(ctx, officer, kept, spiker.RetentionExtension{Until: "2026-01-01", Reason: "Menunggu"}), spiker.EINVALID, "an earlier date")
		if err := ret.ExtendReport(ctx, officer, kept, spiker.RetentionExtension{Until: until, Reason: "Menunggu putusan KANARIALASAN"}); err != nil {
			t.Fatal(err)
		}

		// What the purge must destroy: the records' ciphertexts and keys.
		var doomed [][]byte
		for _, id := range []string{gone, purgedCase} {
			doomed = append(doomed, w.blobs(`SELECT narrative FROM reports WHERE id = $1 OR case_id = $1 UNION ALL SELECT victim_name FROM reports WHERE id = $1 OR case_id = $1
				UNION ALL SELECT body FROM report_notes WHERE report_id IN (SELECT id FROM reports WHERE id = $1 OR case_id = $1)
				UNION ALL SELECT body FROM report_messages WHERE report_id IN (SELECT id FROM reports WHERE id = $1 OR case_id = $1)
				UNION ALL SELECT summary FROM cases WHERE id = $1 UNION ALL SELECT body FROM case_entries WHERE case_id = $1
				UNION ALL SELECT name FROM case_victims WHERE case_id = $1 UNION ALL SELECT nik FROM case_victims WHERE case_id = $1
				UNION ALL SELECT content FROM case_files WHERE case_id = $1 UNION ALL SELECT body FROM case_takedowns WHERE case_id = $1
				UNION ALL SELECT sealed_key FROM key_grants WHERE record_id = $1 OR record_id IN (SELECT id FROM reports WHERE case_id = $1)`, id)...)
		}
		// The held case (and its report) stay; the extended report is purged
		// at its own, later end, within the years the case is kept.
		survivors := needles(w.blobs(`SELECT summary FROM cases WHERE id = $1 UNION ALL SELECT narrative FROM reports WHERE case_id = $1`, held))
		statsBefore := statistics()

		// A week before: the reminder, once, however many daily runs.
		local := func(end time.Time, d time.Duration) time.Time { return end.Add(d).Add(3 * time.Hour).UTC() }
		w.runAt(local(reportEnd, -spiker.RetentionReminder))
		w.runAt(local(reportEnd, -spiker.RetentionReminder+24*time.Hour))
		reminders := func(id string) int {
			return w.count(`SELECT COUNT(*) FROM alerts WHERE reason = $1 AND record_id = $2`, spiker.AlertRetentionEnding, id)
		}
		if n := reminders(gone); n != 1 {
			t.Fatalf("%d reminders for the report, want 1", n)
		}
		if n := reminders(kept); n != 0 {
			t.Fatalf("the extended report was reminded at its old date (%d)", n)
		}
		if n := w.count(`SELECT COUNT(*) FROM notifications n JOIN alerts a ON a.id = n.alert_id WHERE a.record_id = $1`, gone); n == 0 {
			t.Fatal("nobody was told of the report's purge")
		}
		// Its day passes: the report is purged, the extended one is not.
		w.runAt(local(reportEnd, 0))
		if n := w.count(`SELECT COUNT(*) FROM reports WHERE id = $1 AND purged_at IS NOT NULL`, gone); n != 1 {
			t.Fatal("the report was not purged at its date")
		}
		if r, err := reports.FindReport(ctx, officer, kept); err != nil || !strings.Contains(r.Content.Narrative, "KANARIPANJANG") {
			t.Fatalf("the extended report: %v", err)
		}
		if _, err := reports.FindReport(ctx, officer, gone); spiker.ErrorCode(err) != spiker.EGONE {
			t.Fatalf("a holder opening the purged report: %v, want %s", err, spiker.EGONE)
		}
		if items, err := reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 50}); err != nil || slices.ContainsFunc(items, func(it spiker.InboxItem) bool { return it.ID == gone }) {
			t.Fatalf("the purged report is still in the inbox (%v)", err)
		}

		// The cases: the reminder a week before, then the purge; the held
		// case gets neither.
		w.runAt(local(caseEnd, -spiker.RetentionReminder))
		if reminders(purgedCase) != 1 || reminders(held) != 0 {
			t.Fatalf("case reminders: %d, held %d", reminders(purgedCase), reminders(held))
		}
		w.runAt(local(caseEnd, 0))
		w.runAt(local(caseEnd, 24*time.Hour))
		if n := w.count(`SELECT COUNT(*) FROM cases WHERE id = $1 AND purged_at IS NOT NULL`, purgedCase); n != 1 {
			t.Fatal("the case was not purged at its date")
		}
		if _, err := cases.FindCase(ctx, sup, purgedCase); spiker.ErrorCode(err) != spiker.EGONE {
			t.Fatalf("a supervisor opening the purged case: %v, want %s", err, spiker.EGONE)
		}
		if list, err := cases.FindCases(ctx, sup, spiker.CaseFilter{Limit: 50}); err != nil || slices.ContainsFunc(list, func(it spiker.CaseListItem) bool { return it.ID == purgedCase }) || len(list) == 0 {
			t.Fatalf("the purged case is still listed, or nothing is (%d, %v)", len(list), err)
		}
		if c, err := cases.FindCase(ctx, sup, held); err != nil || !strings.Contains(c.Content.Summary, "KANARIDITAHAN") {
			t.Fatalf("the held case: %v", err)
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'purged' AND reason = 'retention' AND record_id IN ($1, $2, $3)`, gone, purgedCase, kept); n != 3 {
			t.Fatalf("%d purged entries in the audit log, want 3", n)
		}
		if n := w.count(`SELECT COUNT(*) FROM key_grants WHERE record_id IN ($1, $2) OR record_id IN (SELECT id FROM reports WHERE case_id = $2)`, gone, purgedCase); n != 0 {
			t.Fatalf("%d key grants of purged records are left", n)
		}
		if after := statistics(); after != statsBefore {
			t.Fatalf("the statistics changed:\n%s\nwant\n%s", after, statsBefore)
		}
		if _, err := s.PurgeDue(ctx); err != nil {
			t.Fatal(err)
		}

		// What is stored: a backup taken now, and the SQLite file and WAL
		// (closed: checkpointed), or the PostgreSQL dump (its live rows;
		// see the README for VACUUM).
		dn := needles(doomed)
		var stored, backup []byte
		if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
			out := filepath.Join(t.TempDir(), "backup.db")
			if err := s.DB.Backup(ctx, out); err != nil {
				t.Fatal(err)
			}
			backup, _ = os.ReadFile(out)
			s.DB.Close()
			for _, p := range []string{path, path + "-wal"} {
				b, _ := os.ReadFile(p)
				stored = append(stored, b...)
			}
		} else {
			stored = dumpSchema(t, dbURL)
			backup = stored
			for _, set := range [][][][]byte{dn, survivors} {
				for _, pieces := range set {
					for i, n := range pieces {
						pieces[i] = []byte(hex.EncodeToString(n))
					}
				}
			}
		}
		for name, b := range map[string][]byte{"the database": stored, "the backup": backup} {
			for i, n := range survivors {
				if !containsAny(b, n) {
					t.Fatalf("%s: the search does not reach the kept records (%d of %d, %d bytes)", name, i, len(survivors), len(b))
				}
			}
			for i, n := range dn {
				if containsAny(b, n) {
					t.Errorf("%s still holds ciphertext %d of a purged record", name, i)
				}
			}
			for _, c := range []string{"KANARILAPORAN", "KANARIKASUS", "KANARIDITAHAN", "KANARIALASAN"} {
				if bytes.Contains(b, []byte(c)) {
					t.Errorf("%s holds %s in the clear", name, c)
				}
			}
		}
	})
}

// A follow-up conversation kept shorter than its report goes at its own
// date; the report stays readable until its own.
func TestRetentionPurgesPartsSooner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		zone := spiker.TimeZone("")
		s.Zone = zone
		t0 := time.Date(2026, 1, 31, 23, 50, 0, 0, zone) // month end, at night
		clk := &fakeClock{t: t0.UTC()}
		s.DB.Now = clk.Now
		w := &retentionWorld{t: t, ctx: ctx, s: s, clk: clk}
		reports := store.ReportService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		admin := staff(t, s, "admin.satu", spiker.RoleAdmin)
		p := spiker.RetentionPolicy{NotCaseDays: 90, CaseYears: 5, FollowupDays: 30}
		if err := (store.RetentionService{Store: s}).SetRetentionPolicy(ctx, admin, p); err != nil {
			t.Fatal(err)
		}
		if err := s.ScheduleJobs(ctx); err != nil {
			t.Fatal(err)
		}
		r := canaryReport("KANARIBAGIAN")
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		if err := reports.Reply(ctx, officer, r.ID, "Pesan KANARIBAGIAN"); err != nil {
			t.Fatal(err)
		}
		if err := reports.CloseReport(ctx, officer, r.ID, "spam"); err != nil {
			t.Fatal(err)
		}
		end, _ := spiker.PartEnd(t0, 30, time.Time{}, zone)
		if want := time.Date(2026, 3, 3, 0, 0, 0, 0, zone); !end.Equal(want) {
			t.Fatalf("the conversation's end: %v, want %v", end.In(zone), want)
		}
		w.runAt(end.Add(-time.Hour).UTC())
		if n := w.count(`SELECT COUNT(*) FROM report_messages WHERE report_id = $1`, r.ID); n == 0 {
			t.Fatal("the conversation went before its date")
		}
		w.runAt(end.Add(3 * time.Hour).UTC())
		if n := w.count(`SELECT COUNT(*) FROM report_messages WHERE report_id = $1`, r.ID); n != 0 {
			t.Fatalf("%d messages left after the conversation's date", n)
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'purged.followup' AND record_id = $1`, r.ID); n != 1 {
			t.Fatalf("%d purged.followup entries", n)
		}
		if got, err := reports.FindReport(ctx, officer, r.ID); err != nil || !strings.Contains(got.Content.Narrative, "KANARIBAGIAN") {
			t.Fatalf("the report itself: %v", err)
		}
		// A second run the next day finds nothing more to do.
		w.runAt(end.Add(27 * time.Hour).UTC())
		if n := w.count(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'purged%' AND record_id = $1`, r.ID); n != 1 {
			t.Fatalf("%d purge entries after a second run", n)
		}
	})
}
