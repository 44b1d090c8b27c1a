package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// A data-subject request's content, its verification's details and its
// decision's reason are sealed: the supervisors' group and the registrar
// read them, another keeper of the register does not, and none of it is in
// the database file, a backup or a dump, nor in the audit log.
func TestPDPRequestSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		duty := store.DutyService{Store: s}
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		dpo := staff(t, s, "pelindung.data", spiker.RolePelindungData)
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		const name, contact, ask = "Pemohon Wulandaru", "0812-7777-4321 Wulandaru", "Saya Wulandaru minta salinan data saya"
		const details, reason = "KTP Wulandaru dicocokkan di loket", "Wulandaru menerima salinan lengkap"
		q := &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPAccess, ReceivedAt: s.DB.Now().Add(-time.Hour),
			Content: spiker.PDPContent{Name: name, Contact: contact, Request: ask}}
		p, err := duty.OpenPDPRequest(ctx, dpo, q)
		if err != nil {
			t.Fatal(err)
		}
		if err := duty.VerifyPDPRequest(ctx, dpo, p.ID, &spiker.PDPVerification{Method: "ktp_tatap_muka", Details: details}); err != nil {
			t.Fatal(err)
		}
		if err := duty.DecidePDPRequest(ctx, sup, p.ID, &spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: reason}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []*spiker.Actor{sup, dpo} {
			got, err := duty.PDPRequest(ctx, a, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Content == nil || *got.Content != q.Content || got.Verification == nil || got.Verification.By != dpo.UserID || got.Decision == nil || got.Decision.Outcome != spiker.PDPGranted {
				t.Fatalf("%s reads %+v", a.Username, got)
			}
			// Each part is sealed to the supervisors and whoever wrote it.
			wantDetails, wantReason := details, reason
			if a == dpo {
				wantReason = ""
			}
			if a == sup {
				wantDetails = details // the group holds every part
			}
			if got.Verification.Details != wantDetails || got.Decision.Reason != wantReason {
				t.Fatalf("%s reads details %q reason %q", a.Username, got.Verification.Details, got.Decision.Reason)
			}
		}
		// The admin keeps the register but holds no key, not even to what
		// they record: categories and dates only.
		if got, err := duty.PDPRequest(ctx, admin, p.ID); err != nil || got.Content != nil || got.Verification.Details != "" || got.Decision.Reason != "" {
			t.Fatalf("the admin reads %+v %v", got, err)
		}
		mine, err := duty.OpenPDPRequest(ctx, admin, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: spiker.PDPErase, ReceivedAt: s.DB.Now(),
			Content: spiker.PDPContent{Name: "Pemohon Lain", Contact: "0813", Request: "Hapus data saya"}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := duty.PDPRequest(ctx, admin, mine.ID); err != nil || got.Content != nil {
			t.Fatalf("the admin reads their own request: %+v %v", got, err)
		}
		if got, err := duty.PDPRequest(ctx, sup, mine.ID); err != nil || got.Content == nil || got.Content.Name != "Pemohon Lain" {
			t.Fatalf("the supervisor reads the admin's request: %+v %v", got, err)
		}
		// Validation writes nothing.
		n := len(mustPDP(t, duty, dpo))
		bad := &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: "semua", ReceivedAt: s.DB.Now().Add(time.Hour)}
		err = func() error { _, err := duty.OpenPDPRequest(ctx, dpo, bad); return err }()
		if f := spiker.ErrorFields(err); f["right"] == "" || f["received"] == "" || f["name"] == "" || f["contact"] == "" || f["request"] == "" {
			t.Fatalf("an empty request: %v %v", err, f)
		}
		if len(mustPDP(t, duty, dpo)) != n {
			t.Fatal("a refused request was written")
		}

		var stored []byte
		if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
			backup := filepath.Join(t.TempDir(), "backup.db")
			if err := s.DB.Backup(ctx, backup); err != nil {
				t.Fatal(err)
			}
			s.DB.Close()
			for _, f := range []string{path, path + "-wal", backup} {
				b, _ := os.ReadFile(f)
				stored = append(stored, b...)
			}
		} else {
			stored = dumpSchema(t, dbURL)
		}
		if !bytes.Contains(stored, []byte(p.ID)) {
			t.Fatal("the search does not reach the stored data")
		}
		if bytes.Contains(stored, []byte("Wulandaru")) {
			t.Error("the request is stored in the clear")
		}
	})
}

func mustPDP(t *testing.T, duty store.DutyService, a *spiker.Actor) []spiker.PDPRequest {
	t.Helper()
	l, err := duty.PDPRequests(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The 3 × 24 h clock runs, across midnight, until the decision; a decision
// needs a reason, and a legal basis for a refusal and for erasure; each
// step is audited.
func TestPDPDecisionAndClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		// Wednesday 25 November 2026, 23:30 WIB.
		clk := &fakeClock{t: time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		duty := store.DutyService{Store: s}
		nodes := newDutyNodes(t, s, 1)
		dpo := staff(t, s, "pelindung.data", spiker.RolePelindungData)
		received := clk.Now().Add(-10 * time.Minute)
		open := func(right string) *spiker.PDPRequest {
			p, err := duty.OpenPDPRequest(ctx, dpo, &spiker.PDPNewRequest{Kind: spiker.PDPKinds[0], Right: right, ReceivedAt: received,
				Content: spiker.PDPContent{Name: "Pemohon", Contact: "0812", Request: "Hapus data saya"}})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		waiting, erase, refused := open(spiker.PDPAccess), open(spiker.PDPErase), open(spiker.PDPCorrect)
		// Nothing is granted to a requester not verified.
		if err := duty.DecidePDPRequest(ctx, dpo, erase.ID, &spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Tidak ada kewajiban simpan", LegalBasis: "UU 27/2022 Pasal 8"}); spiker.ErrorFields(err)["method"] == "" {
			t.Fatalf("granting an unverified request: %v", err)
		}
		if err := duty.VerifyPDPRequest(ctx, dpo, erase.ID, &spiker.PDPVerification{Method: "ktp_tatap_muka"}); err != nil {
			t.Fatal(err)
		}
		before := auditHead(t, s)
		// After midnight, before the limit: no breach; decisions come in.
		clk.Add(2 * time.Hour)
		nodes.pass()
		wantCode(t, duty.DecidePDPRequest(ctx, dpo, erase.ID, &spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Tidak ada kewajiban simpan"}), spiker.EINVALID, "erasure without a legal basis")
		wantCode(t, duty.DecidePDPRequest(ctx, dpo, refused.ID, &spiker.PDPDecision{Outcome: spiker.PDPRefused, Reason: "Data sudah benar"}), spiker.EINVALID, "refusal without a legal basis")
		wantCode(t, duty.DecidePDPRequest(ctx, dpo, refused.ID, &spiker.PDPDecision{Outcome: "mungkin", Reason: "x"}), spiker.EINVALID, "unknown outcome")
		if err := duty.DecidePDPRequest(ctx, dpo, erase.ID, &spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Tidak ada kewajiban simpan", LegalBasis: "UU 27/2022 Pasal 8"}); err != nil {
			t.Fatal(err)
		}
		if err := duty.DecidePDPRequest(ctx, dpo, refused.ID, &spiker.PDPDecision{Outcome: spiker.PDPRefused, Reason: "Data sudah benar", LegalBasis: "UU 27/2022 Pasal 15"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, duty.DecidePDPRequest(ctx, dpo, refused.ID, &spiker.PDPDecision{Outcome: spiker.PDPGranted, Reason: "Berubah pikiran"}), spiker.ECONFLICT, "deciding twice")
		wantCode(t, duty.VerifyPDPRequest(ctx, dpo, waiting.ID, &spiker.PDPVerification{Method: "tebakan"}), spiker.EINVALID, "unknown method")
		if err := duty.VerifyPDPRequest(ctx, dpo, waiting.ID, &spiker.PDPVerification{Method: "telepon_balik"}); err != nil {
			t.Fatal(err)
		}
		if got := actionsSince(t, s, before); !reflect.DeepEqual(got, []string{"pdp.erase_decision", "pdp.decide", "pdp.verify"}) {
			t.Fatalf("audited %q", got)
		}
		// Verified but undecided: the clock still runs out.
		due := received.Add(72 * time.Hour)
		clk.Set(due)
		nodes.pass()
		if !breached(t, duty, spiker.ClockPDP, waiting.ID, due) || breached(t, duty, spiker.ClockPDP, erase.ID, due) || breached(t, duty, spiker.ClockPDP, refused.ID, due) {
			t.Fatalf("the PDP clocks: %+v", mustBreaches(t, duty))
		}
		if got := alertsOf(t, duty, dpo); got["clock_breach/pdp/"+waiting.ID[:6]] != spiker.LevelDuty || hasAlertOf(got, erase.ID) || hasAlertOf(got, refused.ID) {
			t.Fatalf("the registrar's alerts: %v", got)
		}
		list := mustPDP(t, duty, dpo)
		i := slices.IndexFunc(list, func(p spiker.PDPRequest) bool { return p.ID == erase.ID })
		if i < 0 || !list[i].Done || list[i].Decision == nil || list[i].Decision.LegalBasis != "UU 27/2022 Pasal 8" || list[i].Right != spiker.PDPErase {
			t.Fatalf("the register lists %+v", list)
		}
	})
}

// actionsSince lists the audit log's actions after seq, of any record kind.
func actionsSince(t *testing.T, s *store.Store, seq int64) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action FROM audit_log WHERE seq > $1 ORDER BY seq`, seq)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (a string, err error) { return a, rows.Scan(&a) })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hasAlertOf(alerts map[string]int, id string) bool {
	for k := range alerts {
		if strings.HasSuffix(k, "/"+id[:6]) {
			return true
		}
	}
	return false
}
