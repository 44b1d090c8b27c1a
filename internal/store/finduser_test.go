package store_test

import (
	"context"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// FindUsers lists the accounts in the admin's region with their roles, by
// username, narrowed by role; another kecamatan's accounts stay out of a
// kecamatan admin's list, and nobody but an admin lists accounts.
func TestFindUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		admin := staff(t, s, "admin.kab", spiker.RoleAdmin)
		createStaff(t, s, &spiker.User{Username: "bidan.tikung", Roles: []spiker.Role{spiker.RolePendamping, spiker.RolePetugasLapangan}, RegionCode: "35.24.22"})
		createStaff(t, s, &spiker.User{Username: "piket.babat", Roles: []spiker.Role{spiker.RoleKonselorPiket}, RegionCode: "35.24.12"})
		officer := staff(t, s, "piket.kab", spiker.RoleKonselorPiket)

		all, err := users.FindUsers(ctx, admin, spiker.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range all {
			names = append(names, u.Username)
		}
		if got := len(all); got != 4 || names[0] != "admin.kab" || names[1] != "bidan.tikung" || names[3] != "piket.kab" {
			t.Fatalf("all users: %v", names)
		}
		if r := all[1].Roles; len(r) != 2 || !all[1].HasRole(spiker.RolePendamping) || !all[1].HasRole(spiker.RolePetugasLapangan) || !all[1].Enrolled() {
			t.Fatalf("bidan.tikung: roles %v enrolled %v", r, all[1].Enrolled())
		}
		duty, err := users.FindUsers(ctx, admin, spiker.UserFilter{Role: spiker.RoleKonselorPiket})
		if err != nil || len(duty) != 2 || duty[0].Username != "piket.babat" || duty[1].Username != "piket.kab" {
			t.Fatalf("duty officers: %+v %v", duty, err)
		}
		if _, err := users.FindUsers(ctx, admin, spiker.UserFilter{Role: "raja"}); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("an unknown role: %v", err)
		}
		kecAdmin := createStaff(t, s, &spiker.User{Username: "admin.tikung", Roles: []spiker.Role{spiker.RoleAdmin}, RegionCode: "35.24.22"})
		mine, err := users.FindUsers(ctx, kecAdmin, spiker.UserFilter{})
		if err != nil || len(mine) != 2 || mine[0].Username != "admin.tikung" || mine[1].Username != "bidan.tikung" {
			t.Fatalf("a kecamatan admin lists %+v %v", mine, err)
		}
		if _, err := users.FindUsers(ctx, officer, spiker.UserFilter{}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("a duty officer lists accounts: %v", err)
		}
	})
}
