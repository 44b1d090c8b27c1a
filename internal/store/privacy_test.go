package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// staff creates a user with a password and returns them signed in.
func staff(t *testing.T, s *store.Store, name string, roles ...spiker.Role) *spiker.Actor {
	t.Helper()
	return createStaff(t, s, &spiker.User{Username: name, Roles: roles, RegionCode: "35.24"})
}

// createStaff stores a user and signs them in (password "kata sandi NAME").
func createStaff(t *testing.T, s *store.Store, u *spiker.User) *spiker.Actor {
	t.Helper()
	ctx := context.Background()
	users := store.UserService{Store: s}
	users.NewCredentials(u, "kata sandi "+u.Username)
	if err := users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	a, err := users.Authenticate(ctx, u.Username, "kata sandi "+u.Username)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func sampleReport() *spiker.Report {
	return &spiker.Report{
		Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", InDanger: true,
		ReporterRole: spiker.ReporterKorban, ViolenceTypes: []string{"Fisik", "Psikis"}, IncidentDate: "2026-11-25",
		VictimSex: "Perempuan", VictimAge: 31, Relationship: "Suami/Istri", ContactWanted: true, Consent: true,
		Content: spiker.ReportContent{
			Narrative: "Saya dipukul oleh suami saya tadi malam.", PlaceDetail: "Rumah di Jalan Melati 7",
			VictimName: "Siti Aminah",
			Contact:    spiker.ReportContact{Channel: "whatsapp", Number: "0812-3456-7890", SafeTimes: "setelah jam 9 pagi", Note: "bilang dari arisan"},
		},
	}
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if spiker.ErrorCode(err) != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
}

// Only holders read: the first duty officer (admitted at bootstrap) and the
// supervisor can; a second officer waits for access until a member admits
// them; an admin, whatever their role, holds no key.
func TestReportHolders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		first := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		second := staff(t, s, "konselor.dua", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		admin := staff(t, s, "admin", spiker.RoleAdmin)

		r := sampleReport()
		receipt, err := reports.CreateReport(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(receipt) != 16 || r.ID == "" || r.Status != spiker.ReportNew {
			t.Fatalf("receipt %q, report %+v", receipt, r)
		}
		for _, a := range []*spiker.Actor{first, sup} {
			got, err := reports.FindReport(ctx, a, r.ID)
			if err != nil || got.Content != r.Content || !got.InDanger || got.RegionCode != r.RegionCode ||
				got.VictimAgeGroup != "25-44" || len(got.ViolenceTypes) != 2 || got.Relationship != "Suami/Istri" || !got.ContactWanted {
				t.Fatalf("%s reads %+v, %v", a.Username, got, err)
			}
		}
		u2, _ := store.UserService{Store: s}.FindUserByUsername(ctx, "konselor.dua")
		if waiting, _ := s.WaitingForAccess(ctx, u2); !waiting {
			t.Fatal("the second officer is not shown as waiting for access")
		}
		_, err = reports.FindReport(ctx, second, r.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "second officer before admission")
		_, err = reports.FindReport(ctx, admin, r.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "admin")
		_, err = reports.FindReport(ctx, spiker.Public, r.ID)
		wantCode(t, err, spiker.EUNAUTHORIZED, "public")
		// A role claim without the key does nothing: the admin made a supervisor
		// in memory still cannot read.
		fake := *admin
		fake.Roles = []spiker.Role{spiker.RoleSupervisor}
		_, err = reports.FindReport(ctx, &fake, r.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "role without key")

		wantCode(t, s.AdmitToGroup(ctx, admin, store.GroupIntake, u2.ID), spiker.EFORBIDDEN, "non-member admitting")
		if err := s.AdmitToGroup(ctx, first, store.GroupIntake, u2.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := reports.FindReport(ctx, second, r.ID); err != nil || got.Content.VictimName != "Siti Aminah" {
			t.Fatalf("admitted officer: %v", err)
		}
		if waiting, _ := s.WaitingForAccess(ctx, u2); waiting {
			t.Fatal("still waiting after admission")
		}
		_, err = reports.FindReport(ctx, first, "nosuchreport")
		wantCode(t, err, spiker.ENOTFOUND, "unknown report")
	})
}

func TestReceipt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		r := sampleReport()
		receipt, err := reports.CreateReport(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		spaced := receipt[:4] + " " + receipt[4:8] + " " + receipt[8:12] + " " + receipt[12:]
		got, err := reports.FindReportByReceipt(ctx, spaced, "client-a")
		if err != nil || got.ID != r.ID || got.Content != r.Content {
			t.Fatalf("by receipt: %+v, %v", got, err)
		}
		other := []byte(receipt)
		other[15] = '0' + (other[15]-'0'+1)%10
		_, err = reports.FindReportByReceipt(ctx, string(other), "client-a")
		wantCode(t, err, spiker.ENOTFOUND, "wrong receipt")
		_, err = reports.FindReportByReceipt(ctx, "12345", "client-a")
		wantCode(t, err, spiker.EINVALID, "short receipt")
		// client-a has used 3 of 5; two more, then it must wait. Another
		// client is not affected.
		reports.FindReportByReceipt(ctx, string(other), "client-a")
		reports.FindReportByReceipt(ctx, string(other), "client-a")
		_, err = reports.FindReportByReceipt(ctx, receipt, "client-a")
		wantCode(t, err, spiker.ETOOMANY, "sixth attempt")
		if !strings.Contains(spiker.ErrorMessage(err), "try again in") {
			t.Errorf("throttle message %q does not say when", spiker.ErrorMessage(err))
		}
		if _, err := reports.FindReportByReceipt(ctx, receipt, "client-b"); err != nil {
			t.Fatalf("another client: %v", err)
		}
		// After a pepper rotation old receipts still open.
		if _, err := s.Secrets.Rotate("pepper", time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := reports.FindReportByReceipt(ctx, receipt, "client-c"); err != nil {
			t.Fatalf("receipt after pepper rotation: %v", err)
		}
		r2 := sampleReport()
		receipt2, err := reports.CreateReport(ctx, r2, "")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := reports.FindReportByReceipt(ctx, receipt2, "client-c"); err != nil || got.ID != r2.ID {
			t.Fatalf("new receipt after rotation: %v", err)
		}
	})
}

func TestCaseGrantRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		r := sampleReport()
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.OpenCase(ctx, manager, &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}), spiker.EFORBIDDEN, "open without key")
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "KDRT, risiko tinggi", VictimName: "Siti Aminah"}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.OpenCase(ctx, officer, &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}), spiker.ECONFLICT, "second case from one report")
		for _, a := range []*spiker.Actor{officer, sup} {
			got, err := cases.FindCase(ctx, a, c.ID)
			if err != nil || got.Content != c.Content || len(got.ReportIDs) != 1 {
				t.Fatalf("%s: %+v %v", a.Username, got, err)
			}
		}
		_, err := cases.FindCase(ctx, manager, c.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "manager before grant")
		wantCode(t, cases.GrantCase(ctx, manager, c.ID, manager.UserID, "self"), spiker.EFORBIDDEN, "self-grant")
		if err := cases.GrantCase(ctx, sup, c.ID, manager.UserID, "assigned as case manager"); err != nil {
			t.Fatal(err)
		}
		if got, err := cases.FindCase(ctx, manager, c.ID); err != nil || got.Content.Summary != "KDRT, risiko tinggi" {
			t.Fatalf("manager after grant: %v", err)
		}
		if err := cases.RevokeCase(ctx, sup, c.ID, manager.UserID, "reassigned"); err != nil {
			t.Fatal(err)
		}
		_, err = cases.FindCase(ctx, manager, c.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "manager after revoke")
		got, _ := reports.FindReport(ctx, officer, r.ID)
		if got.Status != spiker.ReportCase || got.CaseID != c.ID {
			t.Fatalf("report after opening the case: %+v", got)
		}
	})
}

func TestEscrowRecovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		shares, err := s.InitEscrow(ctx, []string{"Kepala Dinas", "Kepala UPTD", "Petugas Pelindungan Data"})
		if err != nil || len(shares) != 3 {
			t.Fatal(err)
		}
		if _, err := s.InitEscrow(ctx, []string{"a", "b", "c"}); spiker.ErrorCode(err) != spiker.ECONFLICT {
			t.Fatalf("second escrow init: %v", err)
		}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		late := staff(t, s, "konselor.dua", spiker.RoleKonselorPiket)
		reports := store.ReportService{Store: s}
		r := sampleReport()
		reports.CreateReport(ctx, r, "")
		if _, err := reports.FindReport(ctx, manager, r.ID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatal("manager reads before recovery")
		}
		target := store.EscrowTarget{Kind: "report", ID: r.ID, Username: "manajer.satu", Reason: "the duty officer left the office"}
		err = s.RecoverWithEscrow(ctx, shares[:1], target)
		wantCode(t, err, spiker.EINVALID, "one share")
		err = s.RecoverWithEscrow(ctx, []string{shares[0], shares[0]}, target)
		wantCode(t, err, spiker.EINVALID, "the same share twice")
		if err := s.RecoverWithEscrow(ctx, []string{shares[2], shares[0]}, target); err != nil {
			t.Fatal(err)
		}
		if got, err := reports.FindReport(ctx, manager, r.ID); err != nil || got.Content.Narrative != r.Content.Narrative {
			t.Fatalf("after recovery: %v", err)
		}
		// The escrow also admits to a group.
		if _, err := reports.FindReport(ctx, late, r.ID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatal("late officer reads before admission")
		}
		if err := s.RecoverWithEscrow(ctx, shares[1:], store.EscrowTarget{Kind: "group", ID: store.GroupIntake, Username: "konselor.dua", Reason: "no member on duty"}); err != nil {
			t.Fatal(err)
		}
		if _, err := reports.FindReport(ctx, late, r.ID); err != nil {
			t.Fatalf("late officer after group recovery: %v", err)
		}
		_ = officer
		// Shares of another installation are refused.
		other := storetest.New(t, storetest.SQLiteURL(t))
		otherShares, _ := other.InitEscrow(ctx, []string{"a", "b", "c"})
		err = s.RecoverWithEscrow(ctx, otherShares[:2], target)
		if spiker.ErrorCode(err) != spiker.EINVALID || !strings.Contains(spiker.ErrorMessage(err), "another installation") {
			t.Fatalf("foreign shares: %v", err)
		}
	})
}

// A ciphertext moved to another row does not open there: the read fails
// instead of showing another person's data.
func TestSwappedCiphertextFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		a, b := sampleReport(), sampleReport()
		b.Content.VictimName = "Dewi Lestari"
		reports.CreateReport(ctx, a, "")
		reports.CreateReport(ctx, b, "")
		err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE reports SET victim_name = (SELECT victim_name FROM reports WHERE id = $1) WHERE id = $2`, b.ID, a.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := reports.FindReport(ctx, officer, a.ID); err == nil {
			t.Fatalf("swapped ciphertext opened as %q", got.Content.VictimName)
		}
		err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE reports SET narrative = victim_name WHERE id = $1`, b.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reports.FindReport(ctx, officer, b.ID); err == nil {
			t.Fatal("a ciphertext moved to another column opened")
		}
	})
}

func TestPasswordChangeKeepsAccessResetLosesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users, reports := store.UserService{Store: s}, store.ReportService{Store: s}
		staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		r := sampleReport()
		reports.CreateReport(ctx, r, "")
		wantCode(t, users.ChangePassword(ctx, "konselor.satu", "salah sekali ya", "kata sandi baru yang panjang", nil), spiker.EUNAUTHORIZED, "wrong old password")
		wantCode(t, users.ChangePassword(ctx, "konselor.satu", "kata sandi konselor.satu", "pendek", nil), spiker.EINVALID, "short new password")
		if err := users.ChangePassword(ctx, "konselor.satu", "kata sandi konselor.satu", "kata sandi baru yang panjang", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := users.Authenticate(ctx, "konselor.satu", "kata sandi konselor.satu"); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
			t.Fatal("the old password still works")
		}
		a, err := users.Authenticate(ctx, "konselor.satu", "kata sandi baru yang panjang")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reports.FindReport(ctx, a, r.ID); err != nil {
			t.Fatalf("after a password change: %v", err)
		}
		token, err := users.ResetPassword(ctx, spiker.System, a.UserID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = users.Authenticate(ctx, "konselor.satu", "kata sandi baru yang panjang")
		wantCode(t, err, spiker.EUNAUTHORIZED, "the old password after a reset")
		enrolByLink(t, s, token, "kata sandi setelah lupa")
		a, err = users.Authenticate(ctx, "konselor.satu", "kata sandi setelah lupa")
		if err != nil {
			t.Fatal(err)
		}
		_, err = reports.FindReport(ctx, a, r.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "after a reset, before re-granting")
		u, _ := users.FindUserByUsername(ctx, "konselor.satu")
		if waiting, _ := s.WaitingForAccess(ctx, u); !waiting {
			t.Fatal("a reset user is not waiting for access")
		}
		_, err = users.Authenticate(ctx, "nobody", "whatever password")
		wantCode(t, err, spiker.EUNAUTHORIZED, "unknown user")
	})
}

// After the audit key is rotated, new entries use the new key and the whole
// chain still verifies.
func TestAuditKeyRotation(t *testing.T) {
	ctx := context.Background()
	s, audit := auditedStore(t, storetest.SQLiteURL(t))
	if _, err := s.Secrets.Rotate("audit", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := (store.ReportService{Store: s}).CreateReport(ctx, sampleReport(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.VerifyAudit(ctx); err != nil {
		t.Fatalf("after rotating the audit key: %v", err)
	}
}

// A retried submission with the same token returns the same receipt and
// stores one report, also when the retries race each other.
func TestSubmissionTokenIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		first, err := reports.CreateReport(ctx, sampleReport(), "api:token-0123456789abcdef")
		if err != nil {
			t.Fatal(err)
		}
		results := make(chan string, 4)
		for range 4 {
			go func() {
				r, err := reports.CreateReport(ctx, sampleReport(), "api:token-0123456789abcdef")
				if err != nil {
					r = err.Error()
				}
				results <- r
			}()
		}
		for range 4 {
			if got := <-results; got != first {
				t.Fatalf("retry returned %q, want %q", got, first)
			}
		}
		other, err := reports.CreateReport(ctx, sampleReport(), "api:token-another-one-xyz")
		if err != nil || other == first {
			t.Fatalf("another token: %q, %v", other, err)
		}
		var n int
		s.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT COUNT(*) FROM reports`, nil, &n) })
		if n != 2 {
			t.Fatalf("%d reports stored, want 2", n)
		}
		// An invalid report stores nothing, token or not.
		bad := sampleReport()
		bad.Consent = false
		if _, err := reports.CreateReport(ctx, bad, "api:token-bad-report-0000"); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("invalid report: %v", err)
		}
		s.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT COUNT(*) FROM reports`, nil, &n) })
		if n != 2 {
			t.Fatalf("an invalid report was stored")
		}
	})
}

// enrolByLink completes an enrolment link as its owner does: it opens the
// link, reads the pending secret and sends the password with a code of the
// previous time step (so that a sign-in right after has a newer one). It
// returns the TOTP secret.
func enrolByLink(t *testing.T, s *store.Store, token, password string) string {
	t.Helper()
	users := store.UserService{Store: s}
	e, err := users.Enrolment(context.Background(), token, "")
	if err != nil {
		t.Fatalf("opening the enrolment link: %v", err)
	}
	// A code of the previous step is refused when a step begins between
	// making it and checking it: then once more (the link still works).
	for try := 0; ; try++ {
		code, _ := totp.GenerateCode(e.Secret, s.DB.Now().Add(-30*time.Second))
		_, err := users.CompleteEnrolment(context.Background(), token, e.Pending, password, code, "test-enrol:"+e.User.Username)
		if err == nil {
			return e.Secret
		} else if spiker.ErrorCode(err) != spiker.EUNAUTHORIZED || try == 1 {
			t.Fatalf("completing the enrolment of %s: %v", e.User.Username, err)
		}
	}
}
