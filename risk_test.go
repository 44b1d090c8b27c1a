package spiker

import "testing"

func TestProposeRisk(t *testing.T) {
	no := func(yes ...string) map[string]bool {
		m := map[string]bool{}
		for _, q := range RiskQuestions {
			m[q.ID] = false
		}
		for _, y := range yes {
			m[y] = true
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		yes   []string
		level string
		score int
	}{
		{"nothing", nil, "rendah", 0},
		{"lives together only", []string{"serumah"}, "rendah", 1},
		{"access and prior violence", []string{"akses", "kekerasan_sebelumnya"}, "sedang", 2},
		{"escalation alone", []string{"meningkat"}, "sedang", 2},
		{"escalation and pregnancy", []string{"meningkat", "hamil"}, "tinggi", 4},
		{"three light answers", []string{"serumah", "akses", "kekerasan_sebelumnya"}, "sedang", 3},
		{"four light answers", []string{"serumah", "akses", "kekerasan_sebelumnya", "meningkat"}, "tinggi", 5},
		{"threat to kill", []string{"ancaman_bunuh"}, "tinggi", 3},
		{"weapon", []string{"senjata"}, "tinggi", 3},
		{"strangulation", []string{"cekik"}, "tinggi", 3},
		{"child with the perpetrator", []string{"anak_serumah"}, "tinggi", 3},
		{"suicidal thoughts", []string{"bunuh_diri"}, "tinggi", 3},
	} {
		level, score := ProposeRisk(no(tc.yes...))
		if level != tc.level || score != tc.score {
			t.Errorf("%s: %s (%d), want %s (%d)", tc.name, level, score, tc.level, tc.score)
		}
	}
}

func TestRiskAssessmentChoice(t *testing.T) {
	all := func() map[string]bool {
		m := map[string]bool{}
		for _, q := range RiskQuestions {
			m[q.ID] = false
		}
		return m
	}
	a := &RiskAssessment{Answers: all()}
	if err := a.Assess(); err != nil || a.Proposed != "rendah" || a.Chosen != "rendah" || a.Overridden() {
		t.Fatalf("accepting the proposal: %+v %v", a, err)
	}
	a = &RiskAssessment{Answers: all(), Chosen: "tinggi"}
	if err := a.Assess(); ErrorFields(err)["risk_reason"] != "risk.err.reason" {
		t.Fatalf("an override without a reason: %v", err)
	}
	a = &RiskAssessment{Answers: all(), Chosen: "tinggi", Reason: "pelaku baru keluar dari tahanan"}
	if err := a.Assess(); err != nil || !a.Overridden() || a.Proposed != "rendah" {
		t.Fatalf("an override with a reason: %+v %v", a, err)
	}
	missing := all()
	delete(missing, "cekik")
	a = &RiskAssessment{Answers: missing}
	if err := a.Assess(); ErrorFields(err)["risk_cekik"] != "risk.err.answer" {
		t.Fatalf("an unanswered question: %v", err)
	}
	a = &RiskAssessment{Answers: all(), Chosen: "darurat", Reason: "bukan pilihan"}
	if err := a.Assess(); ErrorFields(err)["risk_chosen"] == "" {
		t.Fatalf("an unknown level: %v", err)
	}
}
