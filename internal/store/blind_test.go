package store_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	"github.com/spikerperak/spiker/internal/vault"
)

// oldBlindIndex is the construction before migration 0028: an HMAC under
// the secret file's blind-index key.
func oldBlindIndex(secrets *vault.ServerSecrets, kind, normalised string) []byte {
	return vault.MAC(secrets.Current(vault.PurposeBlindIndex).Key, "spiker/blind-index/"+kind, []byte(normalised))[:16]
}

// bruteForce tries every number prefix+5 digits, under every key of every
// purpose in the secret file, against the stored index values; it returns
// the numbers it recovers.
func bruteForce(secrets *vault.ServerSecrets, kind, prefix string, stored [][]byte) []string {
	have := map[string]bool{}
	for _, v := range stored {
		have[string(v)] = true
	}
	var found []string
	for _, versions := range secrets.Keys {
		for _, key := range versions {
			for i := range 100000 {
				guess := fmt.Sprintf("%s%05d", prefix, i)
				if have[string(vault.MAC(key.Key, "spiker/blind-index/"+kind, []byte(guess))[:16])] {
					found = append(found, guess)
				}
			}
		}
	}
	return found
}

// storedIndexes reads every blind index value like an attacker would: from
// a connection of its own to the database.
func storedIndexes(t *testing.T, dbURL, query string) [][]byte {
	t.Helper()
	var out [][]byte
	db := storetest.Open(t, dbURL)
	err := db.View(context.Background(), func(tx *sqldb.Tx) error {
		rows, err := tx.Query(context.Background(), query)
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
		t.Fatal(err)
	}
	return out
}

// TestBlindIndexResistsExhaustiveSearch: someone holding the database and
// the secret file (but no member's password) tries every number of a
// 10^5-number prefix around a reporter's phone and a victim's NIK against
// the stored indexes, under every key of the secret file, and recovers
// none; the same search recovers both from the construction the index had
// before (an HMAC under the secret file's key).
func TestBlindIndexResistsExhaustiveSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		secretPath := filepath.Join(t.TempDir(), "secret.json")
		secrets, _, err := vault.LoadOrCreateSecrets(secretPath, spiker.RealTime())
		if err != nil {
			t.Fatal(err)
		}
		s := store.New(storetest.Open(t, dbURL), secrets)
		s.PasswordArgon, s.ReceiptArgon = storetest.Cheap, storetest.Cheap
		if err := s.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		c, r := networkCase(t, s, officer, sup)
		const phone, nik = "081234567890", "3524010101010099"
		// A holder's page computes the report's index (the victim's was
		// computed when the supervisor recorded it).
		if _, err := (store.DuplicateService{Store: s}).CaseDuplicates(ctx, sup, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := (store.DuplicateService{Store: s}).ReportDuplicates(ctx, officer, r.ID); err != nil {
			t.Fatal(err)
		}

		// The attacker: their own connection and the secret file from disk.
		stolen, _, err := vault.LoadOrCreateSecrets(secretPath, spiker.RealTime())
		if err != nil {
			t.Fatal(err)
		}
		phones := storedIndexes(t, dbURL, `SELECT contact_index FROM reports WHERE contact_index IS NOT NULL`)
		niks := storedIndexes(t, dbURL, `SELECT nik_index FROM case_victims WHERE nik_index IS NOT NULL`)
		if len(phones) != 1 || len(niks) != 1 {
			t.Fatalf("stored indexes: %d phones, %d NIKs; want one of each to attack", len(phones), len(niks))
		}
		if got := bruteForce(stolen, "phone", phone[:7], phones); len(got) != 0 {
			t.Fatalf("the phone index gave back %v", got)
		}
		if got := bruteForce(stolen, "nik", nik[:11], niks); len(got) != 0 {
			t.Fatalf("the NIK index gave back %v", got)
		}
		// The old construction is not what is stored, and would have fallen.
		if bytes.Equal(phones[0], oldBlindIndex(stolen, "phone", phone)) || bytes.Equal(niks[0], oldBlindIndex(stolen, "nik", nik)) {
			t.Fatal("an index is still the secret file's HMAC")
		}
		if got := bruteForce(stolen, "phone", phone[:7], [][]byte{oldBlindIndex(stolen, "phone", phone)}); len(got) != 1 || got[0] != phone {
			t.Fatalf("the search against the old construction found %v", got)
		}
		if got := bruteForce(stolen, "nik", nik[:11], [][]byte{oldBlindIndex(stolen, "nik", nik)}); len(got) != 1 || got[0] != nik {
			t.Fatalf("the search against the old construction found %v", got)
		}
	})
}

// dupeWorld is two kecamatan, with reports and cases sharing a phone
// number (P) and a NIK (N), and viewers who hold different parts of it.
type dupeWorld struct {
	officer, sup, supKec, manager *spiker.Actor
	r1, r2, r3, r4                *spiker.Report
	c1, c2                        *spiker.Case
}

const dupePhone, dupeNIK = "0812-3456-7890", "3524 0101 0101 0099"

func newDupeWorld(t *testing.T, s *store.Store) *dupeWorld {
	t.Helper()
	ctx := context.Background()
	reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
	w := &dupeWorld{
		officer: staff(t, s, "konselor.satu", spiker.RoleKonselorPiket),
		sup:     staff(t, s, "kepala.uptd", spiker.RoleSupervisor),
		manager: staff(t, s, "manajer.satu", spiker.RoleManajerKasus),
	}
	// A supervisor of one kecamatan, in the supervisors' group.
	w.supKec = createStaff(t, s, &spiker.User{Username: "supervisor.kec", Roles: []spiker.Role{spiker.RoleSupervisor}, RegionCode: "35.24.22"})
	if err := s.AdmitToGroup(ctx, w.sup, store.GroupSupervisors, w.supKec.UserID); err != nil {
		t.Fatal(err)
	}
	report := func(region, number string) *spiker.Report {
		r := sampleReport()
		r.RegionCode, r.Content.Contact.Number = region, number
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	w.r1 = report("35.24.22.2001", dupePhone)
	w.r2 = report("35.24.22.2001", "+62 812 3456 7890") // the same number written differently
	w.r3 = report("35.24.05.2001", dupePhone)           // another kecamatan
	w.r4 = report("35.24.22.2001", "0857-1111-2222")
	open := func(region string, r *spiker.Report) *spiker.Case {
		c := &spiker.Case{RegionCode: region, ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, w.officer, c); err != nil {
			t.Fatal(err)
		}
		v := &spiker.CaseVictim{Sex: "Perempuan", Age: 31, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Consent: spiker.ConsentByVictim,
			Name: "Korban", NIK: dupeNIK, IncidentDate: "2026-11-20"}
		if err := cases.AddVictim(ctx, w.sup, c.ID, v); err != nil {
			t.Fatal(err)
		}
		return c
	}
	w.c1 = open("35.24.22", w.r1)
	w.c2 = open("35.24.05", w.r3)
	// The case manager is on c1 only.
	if err := cases.GrantCase(ctx, w.sup, w.c1.ID, w.manager.UserID, "manajer kasus"); err != nil {
		t.Fatal(err)
	}
	return w
}

func dupeNames(ds []spiker.Duplicate, w *dupeWorld) string {
	names := map[string]string{w.r1.ID: "r1", w.r2.ID: "r2", w.r3.ID: "r3", w.r4.ID: "r4", w.c1.ID: "c1", w.c2.ID: "c2"}
	var out []string
	for _, d := range ds {
		n, ok := names[d.ID]
		if !ok {
			n = "?" + d.ID
		}
		out = append(out, n+":"+d.Match)
	}
	return strings.Join(out, " ")
}

// TestDuplicateHintsMatrix: a duplicate hint names a record only to a
// viewer who holds it; someone holding one of two records learns neither
// the other's id nor that it exists, and a kecamatan supervisor sees
// nothing of another kecamatan.
func TestDuplicateHintsMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		w := newDupeWorld(t, s)
		dupes := store.DuplicateService{Store: s}
		for _, tc := range []struct {
			name   string
			viewer *spiker.Actor
			kind   string
			id     string
			want   string
			code   string
		}{
			// The duty officer holds every report and opened both cases.
			{"officer on r2", w.officer, "report", w.r2.ID, "c1:phone c2:phone", ""},
			{"officer on r4", w.officer, "report", w.r4.ID, "", ""},
			{"officer on c1", w.officer, "case", w.c1.ID, "r2:phone c2:phone c2:nik", ""},
			// The regency's supervisor holds everything.
			{"supervisor on c1", w.sup, "case", w.c1.ID, "r2:phone c2:phone c2:nik", ""},
			// A kecamatan supervisor: nothing of the other kecamatan.
			{"kecamatan supervisor on r2", w.supKec, "report", w.r2.ID, "c1:phone", ""},
			{"kecamatan supervisor on c1", w.supKec, "case", w.c1.ID, "r2:phone", ""},
			{"kecamatan supervisor on r3", w.supKec, "report", w.r3.ID, "", spiker.EFORBIDDEN},
			// The case manager holds c1 alone: no hint at all, not a count.
			{"manager on c1", w.manager, "case", w.c1.ID, "", ""},
			{"manager on c2", w.manager, "case", w.c2.ID, "", spiker.EFORBIDDEN},
			{"manager on r2", w.manager, "report", w.r2.ID, "", spiker.EFORBIDDEN},
		} {
			var got []spiker.Duplicate
			var err error
			if tc.kind == "report" {
				got, err = dupes.ReportDuplicates(ctx, tc.viewer, tc.id)
			} else {
				got, err = dupes.CaseDuplicates(ctx, tc.viewer, tc.id)
			}
			if spiker.ErrorCode(err) != tc.code {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.code)
				continue
			}
			if names := dupeNames(got, w); names != tc.want || tc.want == "" && len(got) != 0 {
				t.Errorf("%s: hints %q, want %q", tc.name, names, tc.want)
			}
		}
	})
}

// TestIdentitySearch: a holder finds the held reports and cases with a
// phone number or NIK, however it is written, and nothing else; the search
// is audited without the number; a role without the index key is refused.
func TestIdentitySearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		w := newDupeWorld(t, s)
		dupes := store.DuplicateService{Store: s}
		for _, tc := range []struct {
			name   string
			viewer *spiker.Actor
			number string
			want   string
			code   string
		}{
			{"officer by phone", w.officer, "6281234567890", "c1:phone r2:phone c2:phone", ""},
			{"officer by NIK", w.officer, "3524010101010099", "c1:nik c2:nik", ""},
			{"officer, unknown number", w.officer, "0813 9999 0000", "", ""},
			{"kecamatan supervisor by phone", w.supKec, "081234567890", "c1:phone r2:phone", ""},
			{"kecamatan supervisor by NIK", w.supKec, dupeNIK, "c1:nik", ""},
			{"not a number", w.officer, "siti", "", spiker.EINVALID},
			{"case manager", w.manager, dupePhone, "", spiker.EFORBIDDEN},
		} {
			got, err := dupes.SearchIdentity(ctx, tc.viewer, tc.number)
			if spiker.ErrorCode(err) != tc.code {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.code)
				continue
			}
			if names := dupeNames(got, w); names != tc.want {
				t.Errorf("%s: found %q, want %q", tc.name, names, tc.want)
			}
		}
		// Audited, with no digit of a number.
		var n int
		err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT reason FROM audit_log WHERE action = 'identity.search'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var reason string
				if err := rows.Scan(&reason); err != nil {
					return err
				}
				n++
				for _, part := range []string{"3456", "7890", "0101", "0099", "9999"} {
					if strings.Contains(reason, part) {
						t.Errorf("the audit entry %q holds part of a number", reason)
					}
				}
			}
			return rows.Err()
		})
		if err != nil || n != 5 {
			t.Fatalf("identity.search audit entries: %d, %v; want 5", n, err)
		}
	})
}

// TestWhatsAppThreadAcrossRestart: later messages from a number join its
// open report through a thread kept in memory only (nothing the database
// and the secret file could give a number back from); after a restart the
// next message opens a new report that the duplicate hint ties to the
// first, a holder's read makes a report the number's thread again, and a
// redelivered message is still stored once.
func TestWhatsAppThreadAcrossRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		secrets, _, err := vault.LoadOrCreateSecrets(filepath.Join(t.TempDir(), "secret.json"), spiker.RealTime())
		if err != nil {
			t.Fatal(err)
		}
		start := func() store.ReportService {
			s := store.New(storetest.Open(t, dbURL), secrets)
			s.PasswordArgon, s.ReceiptArgon = storetest.Cheap, storetest.Cheap
			if err := s.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			return store.ReportService{Store: s}
		}
		receive := func(rs store.ReportService, id, text string) string {
			t.Helper()
			rid, err := rs.ReceiveWhatsApp(ctx, store.WhatsAppMessage{ID: id, From: "6281234567890", Text: text}, "35.24")
			if err != nil {
				t.Fatal(err)
			}
			return rid
		}
		first := start()
		officer := staff(t, first.Store, "konselor.satu", spiker.RoleKonselorPiket)
		a := receive(first, "wamid.1", "tolong saya")
		if again := receive(first, "wamid.2", "saya di rumah ibu"); again != a {
			t.Fatalf("a later message opened %s, want the thread %s", again, a)
		}
		var pending int
		if err := first.DB.Get(ctx, `SELECT COUNT(*) FROM reports WHERE contact_index IS NOT NULL`, nil, &pending); err != nil || pending != 0 {
			t.Fatalf("the webhook stored %d index values (%v); only a holder computes one", pending, err)
		}

		second := start() // a restart: the threads are gone
		if rid := receive(second, "wamid.1", "tolong saya"); rid != "" {
			t.Fatalf("a redelivery after the restart stored report %s", rid)
		}
		b := receive(second, "wamid.3", "masih di sini")
		if b == a || b == "" {
			t.Fatalf("after a restart the message went to %q (first report %s)", b, a)
		}
		hints, err := store.DuplicateService(second).ReportDuplicates(ctx, officer, b)
		if err != nil || len(hints) != 1 || hints[0].ID != a || hints[0].Match != "phone" {
			t.Fatalf("the new report's hints: %+v %v; want the first report", hints, err)
		}

		third := start()
		if _, err := third.FindReport(ctx, officer, a); err != nil {
			t.Fatal(err)
		}
		if rid := receive(third, "wamid.4", "pesan baru"); rid != a {
			t.Fatalf("after a holder read the first report, a message went to %s, want %s", rid, a)
		}
	})
}

// TestMigrationErasesServerKeyedIndexes: a database as it was before
// migration 0028 (the index_pending columns gone, the indexes the secret
// file's HMAC) is migrated: every old value is erased and its row marked
// pending, and a holder's page computes them again under the index key, so
// the hints work as before and an exhaustive search finds nothing.
func TestMigrationErasesServerKeyedIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		w := newDupeWorld(t, s)
		dupes := store.DuplicateService{Store: s}
		// Roll the schema back to before 0028, with server-keyed values.
		err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			// (0044's partial indexes on the columns go with them.)
			for _, q := range []string{`DROP INDEX reports_index_pending`, `DROP INDEX case_victims_index_pending`,
				`DROP INDEX reports_pending`, `DROP INDEX case_victims_pending`,
				`ALTER TABLE reports DROP COLUMN index_pending`, `ALTER TABLE case_victims DROP COLUMN index_pending`} {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			for _, r := range []*spiker.Report{w.r1, w.r2, w.r3, w.r4} {
				old := oldBlindIndex(s.Secrets, "phone", vault.NormalizePhone(r.Content.Contact.Number))
				if _, err := tx.Exec(ctx, `UPDATE reports SET contact_index = $1 WHERE id = $2`, old, r.ID); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `UPDATE case_victims SET nik_index = $1`, oldBlindIndex(s.Secrets, "nik", vault.NormalizeNIK(dupeNIK)))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := sqldb.Migrations(s.DB.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		var applied bool
		for _, m := range ms {
			if m.Version == 28 {
				if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error { _, err := tx.Exec(ctx, m.SQL); return err }); err != nil {
					t.Fatal(err)
				}
				applied = true
			}
		}
		if !applied {
			t.Fatal("no migration 0028")
		}
		var left, pending int
		if err := s.DB.Get(ctx, `SELECT (SELECT COUNT(*) FROM reports WHERE contact_index IS NOT NULL) + (SELECT COUNT(*) FROM case_victims WHERE nik_index IS NOT NULL),
			(SELECT COUNT(*) FROM reports WHERE index_pending) + (SELECT COUNT(*) FROM case_victims WHERE index_pending)`, nil, &left, &pending); err != nil {
			t.Fatal(err)
		}
		if left != 0 || pending != 6 {
			t.Fatalf("after the migration: %d index values left, %d rows pending; want 0 and 6", left, pending)
		}
		// The duty officer's report page recomputes them.
		got, err := dupes.ReportDuplicates(ctx, w.officer, w.r2.ID)
		if err != nil || dupeNames(got, w) != "c1:phone c2:phone" {
			t.Fatalf("hints after the migration: %q %v", dupeNames(got, w), err)
		}
		// The victims are in cases the officer opened; the supervisor's
		// view of c1 finds c2 by NIK again.
		if got, err := dupes.CaseDuplicates(ctx, w.sup, w.c1.ID); err != nil || dupeNames(got, w) != "r2:phone c2:phone c2:nik" {
			t.Fatalf("case hints after the migration: %q %v", dupeNames(got, w), err)
		}
		phones := storedIndexes(t, dbURL, `SELECT contact_index FROM reports WHERE contact_index IS NOT NULL`)
		if len(phones) != 4 {
			t.Fatalf("%d phone indexes recomputed, want 4", len(phones))
		}
		if found := bruteForce(s.Secrets, "phone", "0812345", phones); len(found) != 0 {
			t.Fatalf("the recomputed indexes gave back %v", found)
		}
	})
}
