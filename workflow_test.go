package spiker_test

import (
	"testing"

	"github.com/spikerperak/spiker"
)

func TestCheckStep(t *testing.T) {
	for _, c := range []struct {
		from, to, reason, field string
	}{
		{"identifikasi", "asesmen", "", ""},
		{"asesmen", "rencana intervensi", "", ""},
		{"identifikasi", "pelaksanaan", "", "step_reason"},
		{"identifikasi", "pelaksanaan", "asesmen di RSUD", ""},
		{"pelaksanaan", "asesmen", "", "step_reason"},
		{"pelaksanaan", "asesmen", "asesmen ulang", ""},
		{"asesmen", "asesmen", "x", "step"},
		{"pemantauan dan evaluasi", "terminasi", "selesai", "step"},
		{"asesmen", "selesai", "", "step"},
	} {
		err := spiker.CheckStep(c.from, c.to, c.reason)
		fields := spiker.ErrorFields(err)
		if (c.field == "") != (err == nil) || c.field != "" && fields[c.field] == "" {
			t.Errorf("%s → %s (%q): %v %v", c.from, c.to, c.reason, err, fields)
		}
	}
}

func TestTPKSRules(t *testing.T) {
	sup := &spiker.Actor{UserID: 1, Roles: []spiker.Role{spiker.RoleSupervisor}}
	team := &spiker.Actor{UserID: 2, Roles: []spiker.Role{spiker.RoleManajerKasus}}
	if !spiker.VictimMakesTPKS(&spiker.CaseVictim{SexualForms: []string{"Pelecehan seksual fisik"}}) ||
		!spiker.VictimMakesTPKS(&spiker.CaseVictim{ViolenceTypes: []string{"Psikis", "Seksual"}}) ||
		spiker.VictimMakesTPKS(&spiker.CaseVictim{ViolenceTypes: []string{"Fisik"}}) {
		t.Error("VictimMakesTPKS")
	}
	if spiker.CheckTPKSChange(team, false, true, "") != nil || spiker.CheckTPKSChange(team, true, true, "") != nil {
		t.Error("the team may raise or keep the mark")
	}
	if spiker.ErrorCode(spiker.CheckTPKSChange(team, true, false, "alasan")) != spiker.EFORBIDDEN {
		t.Error("a team member cleared the mark")
	}
	if spiker.ErrorFields(spiker.CheckTPKSChange(sup, true, false, ""))["tpks_reason"] == "" || spiker.CheckTPKSChange(sup, true, false, "salah catat") != nil {
		t.Error("a supervisor clears with a reason only")
	}
	if spiker.ErrorFields(spiker.CheckClosureRequest(true, false, ""))["police_exception"] == "" ||
		spiker.CheckClosureRequest(true, false, "korban menolak") != nil ||
		spiker.CheckClosureRequest(true, true, "") != nil || spiker.CheckClosureRequest(false, false, "") != nil {
		t.Error("CheckClosureRequest")
	}
	if spiker.ErrorFields(spiker.CheckClosureApproval(true, false, false))["approve_exception"] == "" ||
		spiker.CheckClosureApproval(true, false, true) != nil || spiker.CheckClosureApproval(true, true, false) != nil {
		t.Error("CheckClosureApproval")
	}
}
