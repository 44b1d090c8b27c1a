package store_test

import (
	"context"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// The administrator never becomes a reader: no case role beside admin, on
// creation or on edit, and nobody changes their own roles or region.
func TestAdminSeparationOfDuties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		users := store.UserService{Store: s}
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		other := staff(t, s, "admin.dua", spiker.RoleAdmin)
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)

		u := &spiker.User{Username: "admin.baca", Roles: []spiker.Role{spiker.RoleAdmin, spiker.RoleSupervisor}, RegionCode: "35.24"}
		users.NewCredentials(u, "kata sandi admin.baca")
		err := users.CreateUser(ctx, u)
		if spiker.ErrorFields(err)["roles"] != "admin.err.separation" {
			t.Fatalf("creating admin+supervisor: %v", err)
		}
		// Statistics-only roles may sit beside admin.
		createStaff(t, s, &spiker.User{Username: "admin.data", Roles: []spiker.Role{spiker.RoleAdmin, spiker.RoleTimData}, RegionCode: "35.24"})

		// The admin giving itself a case role, or any role or region.
		for _, roles := range [][]spiker.Role{
			{spiker.RoleAdmin, spiker.RoleKonselorPiket},
			{spiker.RoleSupervisor},
			{spiker.RoleAdmin, spiker.RolePimpinan},
		} {
			err := users.SetRoles(ctx, admin, admin.UserID, roles, "35.24")
			if spiker.ErrorFields(err)["roles"] != "admin.err.self" {
				t.Fatalf("admin setting its own roles %v: %v", roles, err)
			}
		}
		if err := users.SetRoles(ctx, admin, admin.UserID, []spiker.Role{spiker.RoleAdmin}, "35.24.22"); spiker.ErrorFields(err)["roles"] != "admin.err.self" {
			t.Fatalf("admin moving its own region: %v", err)
		}
		// Another admin may not combine them either.
		err = users.SetRoles(ctx, other, admin.UserID, []spiker.Role{spiker.RoleAdmin, spiker.RoleManajerKasus}, "35.24")
		if spiker.ErrorFields(err)["roles"] != "admin.err.separation" {
			t.Fatalf("other admin adding a case role to an admin: %v", err)
		}
		err = users.SetRoles(ctx, other, officer.UserID, []spiker.Role{spiker.RoleKonselorPiket, spiker.RoleAdmin}, "35.24")
		if spiker.ErrorFields(err)["roles"] != "admin.err.separation" {
			t.Fatalf("making an officer admin too: %v", err)
		}
		got, err := users.FindUserByID(ctx, admin.UserID)
		if err != nil || len(got.Roles) != 1 || got.Roles[0] != spiker.RoleAdmin || got.RegionCode != "35.24" {
			t.Fatalf("admin after refusals: %+v %v", got, err)
		}
		// What is allowed still works: another admin changes an officer.
		if err := users.SetRoles(ctx, other, officer.UserID, []spiker.Role{spiker.RoleKonselorPiket, spiker.RoleManajerKasus}, "35.24"); err != nil {
			t.Fatal(err)
		}
	})
}

// Closure and break-glass are approved by someone other than who asked.
func TestApprovalByRequesterRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		cases := store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		// One person who both works cases and supervises.
		both := staff(t, s, "kepala.manajer", spiker.RoleSupervisor, spiker.RoleManajerKasus, spiker.RolePendamping)
		if err := s.AdmitToGroup(ctx, sup, store.GroupSupervisors, both.UserID); err != nil {
			t.Fatal(err)
		}
		open := func() *spiker.Case { return openSampleCase(t, s, officer) }
		c := open()
		if err := cases.Assign(ctx, sup, c.ID, both.UserID); err != nil {
			t.Fatal(err)
		}
		if err := cases.RequestClosure(ctx, both, c.ID, "layanan selesai", ""); err != nil {
			t.Fatal(err)
		}
		if err := cases.ApproveClosure(ctx, both, c.ID, "saya setuju", false); err != spiker.ErrOwnApproval {
			t.Fatalf("closure approved by its requester: %v", err)
		}
		if got, _ := cases.FindCase(ctx, sup, c.ID); got.Status != spiker.CaseClosureRequested {
			t.Fatalf("after a refused self-approval the case is %s", got.Status)
		}
		if err := cases.ApproveClosure(ctx, sup, c.ID, "disetujui", false); err != nil {
			t.Fatalf("closure approved by another supervisor: %v", err)
		}

		c2 := open()
		if err := cases.RequestBreakGlass(ctx, both, c2.ID, "Korban datang malam ini, petugas kasus tidak bisa dihubungi."); err != nil {
			t.Fatal(err)
		}
		list, err := cases.BreakGlassRequests(ctx, sup)
		if err != nil || len(list) != 1 {
			t.Fatalf("requests: %+v %v", list, err)
		}
		if err := cases.ApproveBreakGlass(ctx, both, c2.ID, list[0].ID); err != spiker.ErrOwnApproval {
			t.Fatalf("break-glass approved by its requester: %v", err)
		}
		if list, _ := cases.BreakGlassRequests(ctx, sup); list[0].Status != "diminta" {
			t.Fatalf("after a refused self-approval the request is %s", list[0].Status)
		}
		if err := cases.ApproveBreakGlass(ctx, sup, c2.ID, list[0].ID); err != nil {
			t.Fatalf("break-glass approved by another supervisor: %v", err)
		}
	})
}
