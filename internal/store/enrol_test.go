package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// A user made by the admin has no password and no key until they complete
// the link; the link's secret is drawn per visit, kept through a mistake,
// and dies when used; the first member of a group is admitted then.
func TestEnrolmentOnlyTheUserCompletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		admin := staff(t, s, "admin", spiker.RoleAdmin)
		u := &spiker.User{Username: "konselor.satu", Roles: []spiker.Role{spiker.RoleKonselorPiket}, RegionCode: "35.24"}
		token, err := users.AddUser(ctx, admin, u)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := users.FindUserByUsername(ctx, "konselor.satu")
		if stored.Enrolled() || stored.PasswordHash != "" || stored.PublicKey != nil {
			t.Fatalf("a user before enrolment holds credentials: %+v", stored)
		}
		if waiting, _ := s.WaitingForAccess(ctx, stored); !waiting {
			t.Fatal("admitted to the group before enrolment")
		}
		// Two visits, two secrets; neither is stored.
		first, err := users.Enrolment(ctx, token, "")
		if err != nil {
			t.Fatal(err)
		}
		second, _ := users.Enrolment(ctx, token, "")
		if first.Secret == second.Secret || first.Kind != spiker.EnrolNew {
			t.Fatal("the link shows the same secret on every visit")
		}
		if again, _ := users.Enrolment(ctx, token, second.Pending); again.Secret != second.Secret {
			t.Fatal("the form's pending secret is not shown again")
		}
		if other, _ := users.Enrolment(ctx, "another token", second.Pending); other != nil {
			t.Fatal("an unknown token opens")
		}
		code, _ := totp.GenerateCode(second.Secret, s.DB.Now())
		firstCode, _ := totp.GenerateCode(first.Secret, s.DB.Now())
		_, err = users.CompleteEnrolment(ctx, token, second.Pending, "pendek", code, "c")
		wantCode(t, err, spiker.EINVALID, "a short password")
		_, err = users.CompleteEnrolment(ctx, token, second.Pending, "kata sandi pilihan sendiri", firstCode, "c")
		wantCode(t, err, spiker.EUNAUTHORIZED, "a code of another visit's secret")
		_, err = users.CompleteEnrolment(ctx, token, "", "kata sandi pilihan sendiri", code, "c")
		wantCode(t, err, spiker.ENOTFOUND, "no pending secret")
		session, err := users.CompleteEnrolment(ctx, token, second.Pending, "kata sandi pilihan sendiri", code, "c")
		if err != nil {
			t.Fatal(err)
		}
		if sess, err := users.Session(ctx, session); err != nil || sess.Actor.Username != "konselor.satu" {
			t.Fatalf("no session after enrolment: %v", err)
		}
		_, err = users.Enrolment(ctx, token, "")
		wantCode(t, err, spiker.ENOTFOUND, "a used link")
		_, err = users.CompleteEnrolment(ctx, token, second.Pending, "kata sandi pilihan sendiri", code, "c")
		wantCode(t, err, spiker.ENOTFOUND, "a used link completed again")
		stored, _ = users.FindUserByUsername(ctx, "konselor.satu")
		if waiting, _ := s.WaitingForAccess(ctx, stored); waiting || !stored.Enrolled() {
			t.Fatal("the first duty officer is not admitted at enrolment")
		}
		if _, err := users.Authenticate(ctx, "konselor.satu", "kata sandi pilihan sendiri"); err != nil {
			t.Fatal(err)
		}

		// An unused link dies after 7 days.
		late := &spiker.User{Username: "konselor.dua", Roles: []spiker.Role{spiker.RoleKonselorPiket}, RegionCode: "35.24"}
		lateToken, err := users.AddUser(ctx, admin, late)
		if err != nil {
			t.Fatal(err)
		}
		now := s.DB.Now
		s.DB.Now = func() time.Time { return now().Add(store.EnrolmentValid + time.Minute) }
		_, err = users.Enrolment(ctx, lateToken, "")
		s.DB.Now = now
		wantCode(t, err, spiker.ENOTFOUND, "a link older than 7 days")
	})
}

// A reset ends the sessions and the password; a lost authenticator needs a
// supervisor who did not ask, and its link needs the password and keeps the
// key.
func TestResetAndLostAuthenticator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users, reports := store.UserService{Store: s}, store.ReportService{Store: s}
		admin := staff(t, s, "admin", spiker.RoleAdmin)
		sup1 := staff(t, s, "kepala.satu", spiker.RoleSupervisor)
		sup2 := staff(t, s, "kepala.dua", spiker.RoleSupervisor)
		officerSecret, err := users.CreateEnrolledUser(ctx, &spiker.User{Username: "konselor.satu", Roles: []spiker.Role{spiker.RoleKonselorPiket}, RegionCode: "35.24"}, "kata sandi konselor.satu")
		if err != nil {
			t.Fatal(err)
		}
		officer, err := users.Authenticate(ctx, "konselor.satu", "kata sandi konselor.satu")
		if err != nil {
			t.Fatal(err)
		}
		r := sampleReport()
		if _, err := reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		session, _, err := users.SignIn(ctx, "konselor.satu", "kata sandi konselor.satu", codeAt(t, s, officerSecret, 0), "c")
		if err != nil {
			t.Fatal(err)
		}

		// The admin asks; it cannot approve, nor can the user or the one
		// who asked; another supervisor can.
		wantCode(t, users.RequestAuthenticatorReset(ctx, sup1, officer.UserID), spiker.EFORBIDDEN, "a supervisor asking for someone else")
		if err := users.RequestAuthenticatorReset(ctx, admin, officer.UserID); err != nil {
			t.Fatal(err)
		}
		_, err = users.ApproveAuthenticatorReset(ctx, admin, officer.UserID)
		wantCode(t, err, spiker.EFORBIDDEN, "the admin approving")
		_, err = users.ApproveAuthenticatorReset(ctx, officer, officer.UserID)
		wantCode(t, err, spiker.EFORBIDDEN, "the user approving")
		if err := users.RequestAuthenticatorResetBySignIn(ctx, "kepala.satu", "kata sandi kepala.satu", "c"); err != nil {
			t.Fatal(err)
		}
		_, err = users.ApproveAuthenticatorReset(ctx, sup1, sup1.UserID)
		wantCode(t, err, spiker.EFORBIDDEN, "a supervisor approving their own request")
		if reqs, err := users.AuthenticatorRequests(ctx, sup2); err != nil || len(reqs) != 2 {
			t.Fatalf("requests: %+v %v", reqs, err)
		}
		token, err := users.ApproveAuthenticatorReset(ctx, sup2, officer.UserID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = users.ApproveAuthenticatorReset(ctx, sup2, officer.UserID)
		wantCode(t, err, spiker.ENOTFOUND, "approving twice")
		_, err = users.Session(ctx, session)
		wantCode(t, err, spiker.EUNAUTHORIZED, "a session after the approval")
		e, err := users.Enrolment(ctx, token, "")
		if err != nil || e.Kind != spiker.EnrolAuthenticator {
			t.Fatalf("the new authenticator link: %+v %v", e, err)
		}
		code, _ := totp.GenerateCode(e.Secret, s.DB.Now())
		_, err = users.CompleteEnrolment(ctx, token, e.Pending, "a password chosen by the supervisor", code, "c")
		wantCode(t, err, spiker.EUNAUTHORIZED, "the new authenticator link without the password")
		if _, err := users.CompleteEnrolment(ctx, token, e.Pending, "kata sandi konselor.satu", code, "c"); err != nil {
			t.Fatal(err)
		}
		a, err := users.Authenticate(ctx, "konselor.satu", "kata sandi konselor.satu")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reports.FindReport(ctx, a, r.ID); err != nil {
			t.Fatalf("a new authenticator lost access: %v", err)
		}

		// A reset: sessions end, the password stops working, the new link
		// makes a new key.
		session, _, err = users.SignIn(ctx, "konselor.satu", "kata sandi konselor.satu", codeAt(t, s, e.Secret, 30*time.Second), "c")
		if err != nil {
			t.Fatal(err)
		}
		_, err = users.ResetPassword(ctx, sup1, officer.UserID)
		wantCode(t, err, spiker.EFORBIDDEN, "a supervisor resetting")
		_, err = users.ResetPassword(ctx, spiker.System, 987654)
		wantCode(t, err, spiker.ENOTFOUND, "resetting nobody")
		token, err = users.ResetPassword(ctx, admin, officer.UserID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = users.Session(ctx, session)
		wantCode(t, err, spiker.EUNAUTHORIZED, "a session after a reset")
		_, err = users.Authenticate(ctx, "konselor.satu", "kata sandi konselor.satu")
		wantCode(t, err, spiker.EUNAUTHORIZED, "the old password after a reset")
		wantCode(t, users.RequestAuthenticatorReset(ctx, admin, officer.UserID), spiker.ECONFLICT, "a lost authenticator of a reset account")
		enrolByLink(t, s, token, "kata sandi baru setelah lupa")
		a, err = users.Authenticate(ctx, "konselor.satu", "kata sandi baru setelah lupa")
		if err != nil {
			t.Fatal(err)
		}
		_, err = reports.FindReport(ctx, a, r.ID)
		wantCode(t, err, spiker.EFORBIDDEN, "a reset account before it is admitted again")
	})
}

func codeAt(t *testing.T, s *store.Store, secret string, after time.Duration) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, s.DB.Now().Add(after))
	if err != nil {
		t.Fatal(err)
	}
	return code
}
