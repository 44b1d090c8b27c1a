package store_test

import (
	"context"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

func TestStaffProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		st := storetest.New(t, dbURL)
		users := store.UserService{Store: st}
		mk := func(name string, role spiker.Role, region string) *spiker.Actor {
			u := newUser(name)
			u.Roles, u.RegionCode = []spiker.Role{role}, region
			if err := users.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			return u.Actor(nil)
		}
		worker := mk("pendamping.satu", spiker.RolePendamping, "35.24.22")
		colleague := mk("pendamping.dua", spiker.RolePendamping, "35.24.22")
		admin := mk("admin.kab", spiker.RoleAdmin, "35.24")
		farAdmin := mk("admin.kec", spiker.RoleAdmin, "35.24.01")

		// Their own, with the NIP written as letters do.
		p := spiker.Profile{FullName: "  Dra. Siti   Rahayu, M.Si. ", Position: "Pendamping Hukum", NIP: "19800101 200501 2 001"}
		if err := users.SetProfile(ctx, worker, worker.UserID, p); err != nil {
			t.Fatal(err)
		}
		got, err := users.FindUserByID(ctx, worker.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (spiker.Profile{FullName: "Dra. Siti Rahayu, M.Si.", Position: "Pendamping Hukum", NIP: "198001012005012001"}); got.Profile != want {
			t.Fatalf("stored %+v, want %+v", got.Profile, want)
		}
		// A wrong NIP is refused with the field's message and changes nothing.
		for nip, key := range map[string]string{"1980": "profile.err.nip_length", "19800101200501200a": "profile.err.nip_digits",
			"198002302005012001": "profile.err.nip_birth", "198001012005002001": "profile.err.nip_appointment",
			"198001012005015001": "profile.err.nip_sex", "198001012005012000": "profile.err.nip_sequence"} {
			err := users.SetProfile(ctx, worker, worker.UserID, spiker.Profile{FullName: "X", NIP: nip})
			if spiker.ErrorCode(err) != spiker.EINVALID || spiker.ErrorFields(err)["nip"] != key {
				t.Errorf("NIP %q: %v %v, want %s", nip, err, spiker.ErrorFields(err), key)
			}
		}
		// Not a civil servant: no NIP at all is fine.
		if err := users.SetProfile(ctx, colleague, colleague.UserID, spiker.Profile{FullName: "Rina Wati", Position: "Konselor"}); err != nil {
			t.Fatal(err)
		}
		// Nobody sets a colleague's; an administrator of another region
		// neither; the regency's administrator does.
		for _, a := range []*spiker.Actor{colleague, farAdmin} {
			if err := users.SetProfile(ctx, a, worker.UserID, spiker.Profile{FullName: "Orang Lain"}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
				t.Errorf("%s setting another's profile: %v", a.Username, err)
			}
		}
		if err := users.SetProfile(ctx, admin, worker.UserID, spiker.Profile{FullName: "Siti Rahayu", Position: "Kepala UPTD PPA", NIP: "198001012005012001"}); err != nil {
			t.Fatal(err)
		}
		got, _ = users.FindUserByID(ctx, worker.UserID)
		if got.Profile.FullName != "Siti Rahayu" || got.Profile.Position != "Kepala UPTD PPA" {
			t.Errorf("after the admin: %+v", got.Profile)
		}
		// Audited: three changes, two refusals; the entry names the fields,
		// never their values.
		var n, denied int
		var detail string
		st.DB.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.profile'`, nil, &n)
		st.DB.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.profile_denied'`, nil, &denied)
		st.DB.Get(ctx, `SELECT reason FROM audit_log WHERE action = 'user.profile' ORDER BY seq DESC LIMIT 1`, nil, &detail)
		if n != 3 || denied != 2 || detail != "full_name jabatan" {
			t.Errorf("audit: %d changes, %d refusals, last %q", n, denied, detail)
		}
	})
}
