package spiker_test

import (
	"testing"

	"github.com/spikerperak/spiker"
)

// Only the administrator and the statistics-only roles read no case.
func TestAdminNeverCombinesWithACaseRole(t *testing.T) {
	statsOnly := map[spiker.Role]bool{spiker.RoleAdmin: true, spiker.RolePimpinan: true, spiker.RoleTimData: true}
	for _, r := range spiker.Roles {
		if r.ReadsCases() == statsOnly[r] {
			t.Errorf("%s: ReadsCases() = %v", r, r.ReadsCases())
		}
		u := &spiker.User{Username: "admin.it", Roles: []spiker.Role{spiker.RoleAdmin}, RegionCode: "35.24", PasswordHash: "-"}
		if r != spiker.RoleAdmin {
			u.Roles = append(u.Roles, r)
		}
		if r == spiker.RoleMitra {
			u.AgencyID = "polres"
		}
		err := u.Validate()
		if statsOnly[r] && err != nil {
			t.Errorf("admin with %s refused: %v", r, err)
		}
		if !statsOnly[r] && spiker.ErrorFields(err)["roles"] != "admin.err.separation" {
			t.Errorf("admin with %s: %v", r, err)
		}
	}
}
