package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// reportEntries returns the actions and the distinct times of the audit
// entries logged after seq: one time means one transaction.
func reportEntries(t *testing.T, s *store.Store, seq int64) (actions []string, times int) {
	t.Helper()
	ctx := context.Background()
	seen := map[string]bool{}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action, at FROM audit_log WHERE seq > $1 ORDER BY seq`, seq)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			var at any
			if err := rows.Scan(&a, &at); err != nil {
				return err
			}
			actions = append(actions, a)
			seen[strings.TrimSpace(toString(at))] = true
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return actions, len(seen)
}

func toString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case interface{ String() string }:
		return v.String()
	case string:
		return v
	}
	return ""
}

// The report page is one read: the same parts as the separate reads, the
// same audit entries as they write, all in one transaction, and a
// refusal logged.
func TestReportView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		outsider := staffIn(t, s, "konselor.lain", "35.25", spiker.RoleKonselorPiket)
		r := sampleReport()
		r.Files = []spiker.Upload{{Name: "foto-luka.jpg", Kind: "image/jpeg", Data: []byte{0xFF, 0xD8, 0xFF, 0xE0}}}
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		if err := reports.Reply(ctx, sup, r.ID, "Terima kasih, kami akan menghubungi Anda."); err != nil {
			t.Fatal(err)
		}
		if err := reports.AddNote(ctx, sup, r.ID, "Hubungi setelah jam 9."); err != nil {
			t.Fatal(err)
		}

		before := auditHead(t, s)
		v, err := reports.ReportView(ctx, sup, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		actions, times := reportEntries(t, s, before)
		if want := []string{"report.read", "report.messages_read", "report.files_read", "report.notes_read", "audit.read"}; !reflect.DeepEqual(actions, want) || times != 1 {
			t.Fatalf("logged %v in %d transactions, want %v in one", actions, times, want)
		}
		// The access log shows this view's reads, as the separate reads did.
		if len(v.Access) == 0 || v.Access[0].Action != "report.notes_read" && v.Access[len(v.Access)-1].Action != "report.notes_read" {
			t.Errorf("the access log does not show this view: %+v", v.Access)
		}

		rep, err := reports.FindReport(ctx, sup, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ := reports.ReportMessages(ctx, sup, r.ID)
		files, media, _ := reports.ReportFiles(ctx, sup, r.ID)
		notes, _ := reports.Notes(ctx, sup, r.ID)
		if !reflect.DeepEqual(v.Report.Content, rep.Content) || !reflect.DeepEqual(v.Messages, msgs) || !reflect.DeepEqual(v.Files, files) ||
			!reflect.DeepEqual(v.Media, media) || !reflect.DeepEqual(v.Notes, notes) || len(v.Notes) != 1 || len(v.Files) != 1 || len(v.Messages) == 0 {
			t.Fatalf("the one read differs from the separate reads:\n%+v\n%+v %+v %+v %+v", v, msgs, files, media, notes)
		}

		before = auditHead(t, s)
		_, err = reports.ReportView(ctx, outsider, r.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "a reader from another region")
		if actions, _ := reportEntries(t, s, before); !reflect.DeepEqual(actions, []string{"report.read_denied"}) {
			t.Fatalf("the refusal logged %v", actions)
		}
	})
}
