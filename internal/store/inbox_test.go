package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

func TestInboxReplyIdentifyClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		follow := store.FollowupService{Store: s, Reports: reports}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		admin := staff(t, s, "admin", spiker.RoleAdmin)
		var ids []string
		var receipt string
		for i, region := range []string{"35.24.22.2001", "35.24.01.2001", "35.24.22"} {
			r := sampleReport()
			r.RegionCode = region
			rc, err := reports.CreateReport(ctx, r, "")
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				receipt = rc
			}
			ids = append(ids, r.ID)
		}
		items, err := reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 10})
		if err != nil || len(items) != 3 || items[0].ID != ids[2] || !items[0].InDanger || items[0].DueAt.Sub(items[0].CreatedAt) != time.Hour {
			t.Fatalf("inbox: %+v %v", items, err)
		}
		// Keyset pagination: the page after the first item.
		next, _ := reports.FindReports(ctx, officer, spiker.ReportFilter{Before: items[0].CreatedAt, BeforeID: items[0].ID, Limit: 10})
		if len(next) != 2 || next[0].ID != items[1].ID {
			t.Fatalf("second page: %+v", next)
		}
		if _, err := reports.FindReports(ctx, admin, spiker.ReportFilter{Limit: 10}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("admin inbox: %v", err)
		}
		// A kecamatan-scoped supervisor sees only their kecamatan.
		kec := staff(t, s, "supervisor.kec", spiker.RoleSupervisor)
		kec.RegionCode = "35.24.22"
		scoped, _ := reports.FindReports(ctx, kec, spiker.ReportFilter{Limit: 10})
		if len(scoped) != 2 {
			t.Fatalf("kecamatan supervisor sees %d reports, want 2", len(scoped))
		}
		if _, err := reports.FindReport(ctx, kec, ids[1]); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("report outside the supervisor's kecamatan: %v", err)
		}

		if err := reports.Reply(ctx, officer, ids[0], "Ibu, kami dari UPTD PPA. Apakah Ibu aman sekarang?"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, reports.Reply(ctx, admin, ids[0], "hai"), spiker.EFORBIDDEN, "admin reply")
		token, _ := follow.StartFollowup(ctx, receipt, "c")
		f, _ := follow.Followup(ctx, token)
		if len(f.Messages) != 1 || f.Messages[0].From != spiker.FromStaff {
			t.Fatalf("the reporter does not see the reply: %+v", f.Messages)
		}
		items, _ = reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 10})
		for _, it := range items {
			if it.ID == ids[0] && it.FirstResponseAt == nil {
				t.Fatal("the reply did not stop the first-response clock")
			}
		}
		wantCode(t, reports.Identify(ctx, officer, ids[1], "KTP", "sangat", "daerah"), spiker.EINVALID, "bad risk")
		if err := reports.Identify(ctx, officer, ids[1], "AMPK", "tinggi", "pusat"); err != nil {
			t.Fatal(err)
		}
		items, _ = reports.FindReports(ctx, officer, spiker.ReportFilter{Limit: 10})
		for _, it := range items {
			if it.ID == ids[1] && (it.Kewenangan != "pusat" || it.Risiko != "tinggi") {
				t.Fatalf("identified report in the inbox: %+v", it)
			}
		}
		wantCode(t, reports.CloseReport(ctx, officer, ids[2], "bosan"), spiker.EINVALID, "bad reason")
		if err := reports.CloseReport(ctx, officer, ids[2], "spam"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, reports.CloseReport(ctx, officer, ids[2], "spam"), spiker.ECONFLICT, "closing twice")
		msgs, err := reports.ReportMessages(ctx, officer, ids[0])
		if err != nil || len(msgs) != 1 {
			t.Fatalf("messages: %v", err)
		}
	})
}

func TestNotesAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
		follow := store.FollowupService{Store: s, Reports: reports}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		admin := staff(t, s, "admin", spiker.RoleAdmin)
		a, b := sampleReport(), sampleReport()
		receipt, _ := reports.CreateReport(ctx, a, "")
		reports.CreateReport(ctx, b, "")
		if err := reports.AddNote(ctx, officer, a.ID, "Suara pelapor bergetar, kemungkinan pelaku di dekatnya."); err != nil {
			t.Fatal(err)
		}
		wantCode(t, reports.AddNote(ctx, admin, a.ID, "x"), spiker.EFORBIDDEN, "admin note")
		notes, err := reports.Notes(ctx, officer, a.ID)
		if err != nil || len(notes) != 1 || notes[0].Body != "Suara pelapor bergetar, kemungkinan pelaku di dekatnya." {
			t.Fatalf("notes: %+v %v", notes, err)
		}
		// The reporter never sees a staff note.
		token, _ := follow.StartFollowup(ctx, receipt, "c")
		f, _ := follow.Followup(ctx, token)
		if len(f.Messages) != 0 {
			t.Fatalf("the reporter sees %d messages, want none", len(f.Messages))
		}
		// The caller's region and name are ignored: the case takes the
		// report's.
		c := &spiker.Case{RegionCode: "35.24.05", ReportIDs: []string{a.ID}, Content: spiker.CaseContent{VictimName: "Orang Lain"}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if opened, err := cases.FindCase(ctx, officer, c.ID); err != nil || opened.RegionCode != a.RegionCode || opened.Content.VictimName != "Siti Aminah" {
			t.Fatalf("opened case: region %q, victim %q (%v); want the report's %q, Siti Aminah", opened.RegionCode, opened.Content.VictimName, err, a.RegionCode)
		}
		id, err := cases.CaseIDByNumber(ctx, officer, c.Number)
		if err != nil || id != c.ID {
			t.Fatalf("by number: %q %v", id, err)
		}
		if _, err := cases.CaseIDByNumber(ctx, officer, "3524/1999/00001"); spiker.ErrorCode(err) != spiker.ENOTFOUND {
			t.Fatalf("unknown number: %v", err)
		}
		if err := cases.AttachReport(ctx, officer, c.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.AttachReport(ctx, officer, c.ID, b.ID), spiker.ECONFLICT, "attaching twice")
		got, _ := cases.FindCase(ctx, officer, c.ID)
		if len(got.ReportIDs) != 2 {
			t.Fatalf("merged case lists %d reports", len(got.ReportIDs))
		}
		if rb, _ := reports.FindReport(ctx, officer, b.ID); rb.CaseID != c.ID || rb.Status != spiker.ReportCase {
			t.Fatalf("merged report: %+v", rb)
		}
	})
}
