package spiker_test

import (
	"testing"

	"github.com/spikerperak/spiker"
)

func actor(id int64, region string, roles ...spiker.Role) *spiker.Actor {
	return &spiker.Actor{UserID: id, Username: "u", Roles: roles, RegionCode: region}
}

func TestAuthorize(t *testing.T) {
	konselor := actor(1, "35.24", spiker.RoleKonselorPiket)
	manajer := actor(2, "35.24", spiker.RoleManajerKasus)
	supervisorKec := actor(3, "35.24.22", spiker.RoleSupervisor)
	admin := actor(4, "35.24", spiker.RoleAdmin)
	data := actor(5, "35.24", spiker.RoleTimData)
	dpo := actor(6, "35.24", spiker.RolePelindungData)
	caseIn := spiker.Scope{RegionCode: "35.24.22.2001", Case: true, Team: []int64{1, 2}}
	caseOut := spiker.Scope{RegionCode: "35.24.01.2001", Case: true, Team: []int64{1, 2}}
	for _, tc := range []struct {
		name  string
		a     *spiker.Actor
		perm  spiker.Permission
		scope spiker.Scope
		want  string
	}{
		{"nobody", nil, spiker.PermInbox, spiker.Scope{}, spiker.EUNAUTHORIZED},
		{"public actor", spiker.Public, spiker.PermInbox, spiker.Scope{}, spiker.EUNAUTHORIZED},
		{"duty inbox", konselor, spiker.PermInbox, spiker.Scope{}, ""},
		{"admin has no inbox", admin, spiker.PermInbox, spiker.Scope{}, spiker.EFORBIDDEN},
		{"admin reads no case", admin, spiker.PermCaseRead, caseIn, spiker.EFORBIDDEN},
		{"admin manages users", admin, spiker.PermUserManage, spiker.Scope{}, ""},
		{"data officer exports", data, spiker.PermExport, spiker.Scope{}, ""},
		{"data officer reads no report", data, spiker.PermReportRead, spiker.Scope{RegionCode: "35.24.22"}, spiker.EFORBIDDEN},
		{"data protection officer reads the audit log", dpo, spiker.PermAudit, spiker.Scope{}, ""},
		{"data protection officer keeps the PDP register", dpo, spiker.PermPDP, spiker.Scope{}, ""},
		{"data protection officer reads no report", dpo, spiker.PermReportRead, spiker.Scope{RegionCode: "35.24.22"}, spiker.EFORBIDDEN},
		{"data protection officer reads no case", dpo, spiker.PermCaseRead, spiker.Scope{RegionCode: "35.24.22", Case: true, BreakGlass: true}, spiker.EFORBIDDEN},
		{"data protection officer has no statistics", dpo, spiker.PermStats, spiker.Scope{}, spiker.EFORBIDDEN},
		{"admin reads no audit log", admin, spiker.PermAudit, spiker.Scope{}, spiker.EFORBIDDEN},
		{"team member reads", manajer, spiker.PermCaseRead, caseIn, ""},
		{"team member writes", manajer, spiker.PermCaseWrite, caseIn, ""},
		{"manager not on team", manajer, spiker.PermCaseRead, spiker.Scope{RegionCode: "35.24.22", Case: true, Team: []int64{9}}, spiker.EFORBIDDEN},
		{"manager with break-glass", manajer, spiker.PermCaseRead, spiker.Scope{RegionCode: "35.24.22", Case: true, Team: []int64{9}, BreakGlass: true}, ""},
		{"supervisor sees the region's cases", supervisorKec, spiker.PermCaseRead, caseIn, ""},
		{"supervisor outside region", supervisorKec, spiker.PermCaseRead, spiker.Scope{RegionCode: "35.24.01", Case: true}, spiker.EFORBIDDEN},
		{"data officer has no break-glass", data, spiker.PermCaseRead, spiker.Scope{RegionCode: "35.24.22", Case: true, BreakGlass: true}, spiker.EFORBIDDEN},
		{"team member outside region", konselor, spiker.PermCaseRead, caseOut, ""},
		{"kecamatan supervisor, report elsewhere", supervisorKec, spiker.PermReportRead, spiker.Scope{RegionCode: "35.24.01.2001"}, spiker.EFORBIDDEN},
		{"kecamatan supervisor, report inside", supervisorKec, spiker.PermReportRead, spiker.Scope{RegionCode: "35.24.22.2001"}, ""},
		{"supervisor approves", supervisorKec, spiker.PermCaseApprove, spiker.Scope{RegionCode: "35.24.22"}, ""},
		{"manager cannot approve", manajer, spiker.PermCaseApprove, spiker.Scope{RegionCode: "35.24.22"}, spiker.EFORBIDDEN},
	} {
		err := spiker.Authorize(tc.a, tc.perm, tc.scope)
		if spiker.ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := spiker.Authorize(manajer, spiker.PermCaseRead, spiker.Scope{RegionCode: "35.24.22", Case: true, Team: []int64{9}}); err != spiker.ErrBreakGlass {
		t.Errorf("a manager off the team is not offered break-glass: %v", err)
	}
	for _, r := range spiker.Roles {
		if len(spiker.RolePermissions[r]) == 0 {
			t.Errorf("role %s has no permissions declared", r)
		}
	}
}
