package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

func newUser(name string) *spiker.User {
	return &spiker.User{
		Username:       name,
		Roles:          []spiker.Role{spiker.RoleSupervisor, spiker.RoleKonselorPiket},
		RegionCode:     "35.24",
		PasswordHash:   "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		TOTPSealed:     []byte{1, 2, 3},
		PublicKey:      make([]byte, 32),
		PrivateWrapped: []byte{4, 5, 6},
	}
}

func TestUserService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		users := store.UserService{Store: storetest.New(t, dbURL)}
		u := newUser("siti.aminah")
		before := time.Now().Add(-time.Second)
		if err := users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.CreatedAt.Before(before) {
			t.Fatalf("created user %+v", u)
		}
		got, err := users.FindUserByUsername(ctx, "siti.aminah")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.RegionCode != "35.24" || len(got.Roles) != 2 || !got.HasRole(spiker.RoleSupervisor) ||
			got.PasswordHash != u.PasswordHash || string(got.TOTPSealed) != "\x01\x02\x03" || got.Disabled {
			t.Fatalf("found %+v", got)
		}
		if !got.CreatedAt.Equal(u.CreatedAt.Truncate(time.Microsecond)) {
			t.Errorf("created_at %v, stored %v", u.CreatedAt, got.CreatedAt)
		}
		if byID, err := users.FindUserByID(ctx, u.ID); err != nil || byID.Username != u.Username {
			t.Fatalf("FindUserByID = %+v, %v", byID, err)
		}
		if _, err := users.FindUserByUsername(ctx, "nobody"); spiker.ErrorCode(err) != spiker.ENOTFOUND {
			t.Errorf("unknown user: %v", err)
		}
		if n, err := users.CountUsersWithRole(ctx, spiker.RoleSupervisor); err != nil || n != 1 {
			t.Errorf("CountUsersWithRole(supervisor) = %d, %v", n, err)
		}
		if n, err := users.CountUsersWithRole(ctx, spiker.RoleAdmin); err != nil || n != 0 {
			t.Errorf("CountUsersWithRole(admin) = %d, %v", n, err)
		}
		err = users.CreateUser(ctx, newUser("siti.aminah"))
		if spiker.ErrorCode(err) != spiker.ECONFLICT {
			t.Fatalf("duplicate username: %v, want ECONFLICT", err)
		}
		bad := newUser("X")
		if err := users.CreateUser(ctx, bad); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("invalid user: %v, want EINVALID", err)
		}
	})
}
