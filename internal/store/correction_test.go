package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

func countOf(tab spiker.StatTable, label string) int64 {
	for _, c := range tab.Cells {
		if c.Label == label {
			return c.Count
		}
	}
	return 0
}

// TestCaseCorrections corrects every part of a case's record: each
// correction is a version with who, when and why, readable by holders
// only; the dashboard's counts move with the corrected categories and
// location; a move between kecamatan is a supervisor's whose region covers
// both; the old values are nowhere in plaintext.
func TestCaseCorrections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 11, 10, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		cases, stats := store.CaseService{Store: s}, store.StatsService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		boss := staff(t, s, "kepala.dinas", spiker.RolePimpinan)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		other := staff(t, s, "manajer.dua", spiker.RoleManajerKasus)
		kecSup := createStaff(t, s, &spiker.User{Username: "kepala.kecamatan", Roles: []spiker.Role{spiker.RoleSupervisor}, RegionCode: "35.24.22"})

		// A WhatsApp case at regency level.
		rid, err := (store.ReportService{Store: s}).ReceiveWhatsApp(ctx, store.WhatsAppMessage{ID: "wamid.1", From: "6281234567890", Text: "tolong"}, "35.24")
		if err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{ReportIDs: []string{rid}, Content: spiker.CaseContent{Summary: "Ringkasan lama kanari"}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		v := &spiker.CaseVictim{Sex: "Perempuan", Age: 31, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga",
			Consent: spiker.ConsentByVictim, Name: "Siti Kanari Lama", NIK: "3524019999990001"}
		if err := cases.AddVictim(ctx, manager, c.ID, v); err != nil {
			t.Fatal(err)
		}
		p := &spiker.CasePerpetrator{VictimID: v.ID, Sex: "Laki-laki", AgeGroup: "25-59", Relationship: "Suami/Istri", Name: "Pelaku Kanari Lama"}
		if err := cases.AddPerpetrator(ctx, manager, c.ID, p); err != nil {
			t.Fatal(err)
		}
		dash := func() *spiker.Dashboard {
			t.Helper()
			d, err := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2026-11", To: "2026-11"})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		before := dash()
		if n := countOf(tableOf(t, before, "jenis_kekerasan"), "Fisik"); n != 1 {
			t.Fatalf("Fisik before: %d", n)
		}
		if n := countOf(tableOf(t, before, "hubungan_pelaku"), "Suami/Istri"); n != 1 {
			t.Fatalf("Suami/Istri before: %d", n)
		}
		if n := countOf(before.Regions, "35.24.22"); n != 0 {
			t.Fatalf("a regency-level case counted in a kecamatan: %d", n)
		}

		// A reason is required; nobody off the team corrects.
		fixed := *v
		fixed.Name, fixed.NIK = "", ""
		fixed.ViolenceTypes, fixed.SexualForms = []string{"Seksual"}, []string{"Pelecehan seksual fisik"}
		wantCode(t, cases.CorrectVictim(ctx, manager, c.ID, &fixed, false, ""), spiker.EINVALID, "no reason")
		wantCode(t, cases.CorrectVictim(ctx, other, c.ID, &fixed, false, "salah ketik"), spiker.EFORBIDDEN, "off the team")

		// The categories: without the identity shown, name and NIK keep
		// their values; sexual violence makes the case TPKS.
		if err := cases.CorrectVictim(ctx, manager, c.ID, &fixed, false, "Salah pilih jenis kekerasan"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		got, err := cases.FindCase(ctx, manager, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Victims[0].Name != "Siti Kanari Lama" || got.Victims[0].NIK != v.NIK || !got.TPKS || got.Victims[0].ViolenceTypes[0] != "Seksual" {
			t.Fatalf("after the category correction: %+v tpks=%v", got.Victims[0], got.TPKS)
		}
		// The identity: a new NIK waits for a holder's blind index.
		fixed.Name, fixed.NIK = "Siti Kanari Baru", "3524018888880002"
		if err := cases.CorrectVictim(ctx, manager, c.ID, &fixed, true, "NIK dari KTP asli"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		var pending bool
		var index []byte
		s.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT index_pending, nik_index FROM case_victims WHERE id = $1`, []any{v.ID}, &pending, &index)
		})
		if !pending || index != nil {
			t.Fatalf("after a NIK change: pending=%v index=%x", pending, index)
		}
		wantCode(t, cases.CorrectVictim(ctx, manager, c.ID, &fixed, true, "tidak ada yang berubah"), spiker.EINVALID, "nothing changed")

		pfix := *p
		pfix.Name, pfix.Relationship = "", "Orang Tua"
		if err := cases.CorrectPerpetrator(ctx, manager, c.ID, &pfix, false, "Pelaku ayah tiri, bukan suami"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		if err := cases.CorrectSummary(ctx, manager, c.ID, "Ringkasan baru", "Kronologi diperbaiki"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		if err := cases.CorrectReportTypes(ctx, manager, c.ID, rid, []string{"Seksual"}, "Kategori laporan salah"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		wantCode(t, cases.CorrectReportTypes(ctx, manager, c.ID, rid, []string{"Pijat"}, "Kategori laporan salah"), spiker.EINVALID, "unknown type")

		// The location: the regency-level case placed in a desa by the
		// case manager; a move to another kecamatan is refused to them and to
		// a supervisor of one kecamatan, and allowed to the regency's.
		wantCode(t, cases.CorrectLocation(ctx, manager, c.ID, "35.25.01", "wilayah salah"), spiker.EINVALID, "another regency")
		if err := cases.CorrectLocation(ctx, manager, c.ID, "35.24.22.2001", "Alamat dari percakapan WhatsApp"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		wantCode(t, cases.CorrectLocation(ctx, manager, c.ID, "35.24.04", "pindah kecamatan"), spiker.EFORBIDDEN, "case manager moving kecamatan")
		wantCode(t, cases.CorrectLocation(ctx, kecSup, c.ID, "35.24.04", "pindah kecamatan"), spiker.EFORBIDDEN, "kecamatan supervisor moving out")
		if err := cases.AddEntry(ctx, manager, c.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Kesehatan", Body: "Visum"}); err != nil {
			t.Fatal(err)
		}
		services := func(region string) int64 {
			t.Helper()
			d, err := stats.Dashboard(ctx, boss, spiker.StatsFilter{From: "2026-11", To: "2026-11", Region: region})
			if err != nil {
				t.Fatal(err)
			}
			return countOf(tableOf(t, d, "jenis_layanan"), "Kesehatan")
		}
		if services("35.24.22") != 1 {
			t.Fatalf("the service before the move: %d", services("35.24.22"))
		}
		mid := dash()
		if countOf(mid.Regions, "35.24.22") != 1 || countOf(mid.Regions, "35.24.04") != 0 {
			t.Fatalf("after placing the case: %+v", mid.Regions.Cells)
		}
		if err := cases.CorrectLocation(ctx, sup, c.ID, "35.24.04", "Kejadian di Sukodadi"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)

		after := dash()
		types, rel := tableOf(t, after, "jenis_kekerasan"), tableOf(t, after, "hubungan_pelaku")
		if countOf(types, "Fisik") != 0 || countOf(types, "Seksual") != 1 || countOf(rel, "Suami/Istri") != 0 || countOf(rel, "Orang Tua") != 1 {
			t.Fatalf("counts after the corrections: types %+v, relationship %+v", types.Cells, rel.Cells)
		}
		if countOf(after.Regions, "35.24.22") != 0 || countOf(after.Regions, "35.24.04") != 1 || after.Regions.Total.Count != 1 {
			t.Fatalf("regions after the move: %+v", after.Regions.Cells)
		}
		if services("35.24.22") != 0 || services("35.24.04") != 1 {
			t.Fatalf("the service after the move: %d %d", services("35.24.22"), services("35.24.04"))
		}
		if tab := tableOf(t, after, "kanal"); tab.Total.Count != 1 {
			t.Fatalf("channel after the move: %+v", tab)
		}

		// The history: who, when, why and what changed, for holders.
		got, err = cases.FindCase(ctx, sup, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RegionCode != "35.24.04" || got.Content.Summary != "Ringkasan baru" || got.Perpetrators[0].Relationship != "Orang Tua" || got.Perpetrators[0].Name != "Pelaku Kanari Lama" {
			t.Fatalf("current values: %+v", got)
		}
		kinds := ""
		for _, h := range got.Corrections {
			kinds += h.Kind + " "
			if h.ActorID == 0 || h.At.IsZero() || h.Reason == "" || len(h.Changes) == 0 {
				t.Fatalf("a version without who, when, why or what: %+v", h)
			}
		}
		if kinds != "korban korban pelaku ringkasan kategori lokasi lokasi " {
			t.Fatalf("history kinds: %q", kinds)
		}
		name := got.Corrections[1].Changes[0]
		if name.Field != "name" || name.Before != "Siti Kanari Lama" || name.After != "Siti Kanari Baru" || got.Corrections[1].ActorID != manager.UserID {
			t.Fatalf("identity version: %+v", got.Corrections[1])
		}
		got.MaskIdentity()
		if strings.Contains(got.Corrections[1].Changes[0].Before, "Kanari") {
			t.Fatalf("masked history shows the old name: %+v", got.Corrections[1].Changes[0])
		}
		if _, err := cases.FindCase(ctx, other, c.ID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("the history for someone off the team: %v", err)
		}

		// The audit log names the corrections, never a value; the move
		// is there with both regions.
		all := recordAuditTrail(t, s, c.ID)
		if !strings.Contains(all, "case.correct: lokasi "+c.ID+" 35.24.22.2001 -> 35.24.04") || !strings.Contains(all, "case.correct_denied: lokasi") {
			t.Fatalf("audit log:\n%s", all)
		}
		old := []string{"Siti Kanari Lama", "Pelaku Kanari Lama", "Ringkasan lama kanari", "3524019999990001", "Salah pilih jenis kekerasan"}
		for _, needle := range old {
			if strings.Contains(all, needle) {
				t.Errorf("%q in the audit log", needle)
			}
		}
		// At rest: the SQLite file and its WAL hold no old value in the
		// clear.
		noPlaintextAtRest(t, dbURL, old...)
	})
}

// recordAuditTrail returns a record's audit entries, one "action: reason" a line.
func recordAuditTrail(t *testing.T, s *store.Store, recordID string) string {
	t.Helper()
	ctx := context.Background()
	var reasons []string
	if err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action, reason FROM audit_log WHERE record_id = $1`, recordID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, r string
			if err := rows.Scan(&a, &r); err != nil {
				return err
			}
			reasons = append(reasons, a+": "+r)
		}
		return rows.Err()
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(reasons, "\n")
}

// noPlaintextAtRest fails when a SQLite database's files (the database,
// its WAL) hold one of the needles in the clear; on PostgreSQL it does
// nothing.
func noPlaintextAtRest(t *testing.T, dbURL string, needles ...string) {
	t.Helper()
	path, ok := strings.CutPrefix(dbURL, "sqlite:")
	if !ok {
		return
	}
	read := 0
	filepath.Walk(filepath.Dir(path), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		read += len(b)
		for _, needle := range needles {
			if bytes.Contains(b, []byte(needle)) {
				t.Errorf("%q in plaintext in %s", needle, p)
			}
		}
		return nil
	})
	if read == 0 {
		t.Fatalf("no database file under %s", filepath.Dir(path))
	}
}
