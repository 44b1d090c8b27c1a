package store_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// Reasons written in the clear before migration 0037 are sealed and
// blanked by the next Setup; the supervisors (and an export's requester)
// read them as before, and the audit log never has them.
func TestPlainReasonsSealedAtSetup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		cases, stats := store.CaseService{Store: s}, store.StatsService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		data := staff(t, s, "data.satu", spiker.RoleTimData)
		c := openSampleCase(t, s, officer)
		const bgReason, grantReason = "Korban Sulastri datang malam ini ke kantor", "Pemeriksaan berkas Sulastri oleh inspektorat"
		month := time.Now().Format("2006-01")
		err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO break_glass (id, case_id, user_id, reason, created_at, expires_at, status) VALUES ('bg-old', $1, $2, $3, $4, $5, 'diminta')`,
				c.ID, manager.UserID, bgReason, tx.Now(), tx.Now().Add(time.Hour)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO register_grants (id, requested_by, requested_at, period_from, period_to, region_code, reason, status)
				VALUES ('grant-old', $1, $2, $3, $3, $4, $5, $6)`, data.UserID, tx.Now(), month, data.RegionCode, grantReason, spiker.GrantRequested)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		var plain int
		s.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT (SELECT COUNT(*) FROM break_glass WHERE reason <> '' OR reason_sealed IS NULL)
				+ (SELECT COUNT(*) FROM register_grants WHERE reason <> '' OR reason_sealed IS NULL)`, nil, &plain)
		})
		if plain != 0 {
			t.Fatalf("%d reasons left in the clear", plain)
		}
		if reqs, err := cases.BreakGlassRequests(ctx, sup); err != nil || len(reqs) != 1 || reqs[0].Reason != bgReason {
			t.Fatalf("the supervisor's break-glass list: %+v %v", reqs, err)
		}
		for _, a := range []*spiker.Actor{sup, data} {
			if gs, err := stats.IdentityGrants(ctx, a); err != nil || len(gs) != 1 || gs[0].Reason != grantReason {
				t.Fatalf("%s's export requests: %+v %v", a.Username, gs, err)
			}
		}
		// Another data officer's list does not have the request; one who
		// holds no key to a reason reads none.
		outsider := staff(t, s, "kepala.dua", spiker.RoleSupervisor)
		if gs, err := stats.IdentityGrants(ctx, outsider); err != nil || len(gs) != 1 || gs[0].Reason != "" {
			t.Fatalf("a supervisor outside the group: %+v %v", gs, err)
		}
		// A second start has nothing left to seal.
		if err := s.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		entries, _ := store.AuditService{Store: s}.ListAudit(ctx, 1, 1000)
		sealedAt := 0
		for _, e := range entries {
			if e.Action == "reasons.seal" {
				sealedAt++
			}
		}
		if sealedAt != 1 {
			t.Fatalf("reasons sealed at %d starts, want 1", sealedAt)
		}
		// The old text is gone from what is stored: the SQLite file and its
		// WAL once closed (secure_delete overwrites the old cells), or a
		// dump of the PostgreSQL schema.
		var stored []byte
		if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
			s.DB.Close()
			for _, p := range []string{path, path + "-wal"} {
				b, _ := os.ReadFile(p)
				stored = append(stored, b...)
			}
		} else {
			stored = dumpSchema(t, dbURL)
		}
		if !bytes.Contains(stored, []byte(c.ID)) {
			t.Fatal("the search does not reach the stored data")
		}
		for _, needle := range []string{bgReason, grantReason, "Sulastri"} {
			if bytes.Contains(stored, []byte(needle)) {
				t.Errorf("%q is still stored in the clear", needle)
			}
		}
	})
}

// dumpSchema returns pg_dump's data-only dump of a test URL's schema.
func dumpSchema(t *testing.T, dbURL string) []byte {
	t.Helper()
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	out, err := exec.Command("pg_dump", "--schema="+schema, "--data-only", u.String()).Output()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("pg_dump is not installed")
	} else if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}
