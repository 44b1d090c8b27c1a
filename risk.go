package spiker

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RiskQuestion is one yes/no question of the structured risk assessment.
// Critical questions make the risk high by themselves; the others add
// their weight to the score.
type RiskQuestion struct {
	ID       string
	Weight   int
	Critical bool
}

// RiskQuestions are the assessment's questions (their wording is in the
// locale catalogs, "risk.q.<ID>"). They follow the items of Campbell's
// Danger Assessment that most predict lethal or repeated violence —
// threats to kill, a weapon, strangulation, escalation, pregnancy — with
// the child living with the perpetrator, the victim's thoughts of suicide
// and the perpetrator's access to the victim, which the Permen PPPA 2/2022
// assessment asks about.
var RiskQuestions = []RiskQuestion{
	{ID: "ancaman_bunuh", Weight: 3, Critical: true},
	{ID: "senjata", Weight: 3, Critical: true},
	{ID: "cekik", Weight: 3, Critical: true},
	{ID: "anak_serumah", Weight: 3, Critical: true},
	{ID: "bunuh_diri", Weight: 3, Critical: true},
	{ID: "meningkat", Weight: 2},
	{ID: "hamil", Weight: 2},
	{ID: "serumah", Weight: 1},
	{ID: "kekerasan_sebelumnya", Weight: 1},
	{ID: "akses", Weight: 1},
}

// Score thresholds of the proposal: without a critical answer, a score of
// RiskHighScore or more is "tinggi", RiskMediumScore or more "sedang".
const (
	RiskHighScore   = 4
	RiskMediumScore = 2
)

// ProposeRisk scores the answers (question ID to yes) and proposes a risk
// level: "tinggi" when a critical question is answered yes or the score
// reaches RiskHighScore, "sedang" from RiskMediumScore, else "rendah".
func ProposeRisk(answers map[string]bool) (level string, score int) {
	critical := false
	for _, q := range RiskQuestions {
		if answers[q.ID] {
			score += q.Weight
			critical = critical || q.Critical
		}
	}
	switch {
	case critical || score >= RiskHighScore:
		return "tinggi", score
	case score >= RiskMediumScore:
		return "sedang", score
	}
	return "rendah", score
}

// RiskAssessment is one structured assessment of a case: the answers
// (sealed with the case key: they say what happened), the level the rule
// proposed and the level the officer chose (both clear), and the reason
// for choosing another (sealed).
type RiskAssessment struct {
	ID        string
	CreatedAt time.Time
	ActorID   int64
	Answers   map[string]bool // every question of RiskQuestions, yes or no
	Score     int
	Proposed  string
	Chosen    string
	Reason    string
}

// Overridden reports whether the officer chose another level than proposed.
func (a RiskAssessment) Overridden() bool { return a.Chosen != a.Proposed }

// Assess checks an assessment, fills in the proposal and score, and
// checks the choice: one of Risiko, and a reason when it is not the
// proposal. An empty choice accepts the proposal.
func (a *RiskAssessment) Assess() error {
	fields := map[string]string{}
	for _, q := range RiskQuestions {
		if _, ok := a.Answers[q.ID]; !ok {
			fields["risk_"+q.ID] = "risk.err.answer"
		}
	}
	for id := range a.Answers {
		if !slices.ContainsFunc(RiskQuestions, func(q RiskQuestion) bool { return q.ID == id }) {
			fields["risk"] = "staff.err.choose"
		}
	}
	a.Proposed, a.Score = ProposeRisk(a.Answers)
	if a.Chosen == "" {
		a.Chosen = a.Proposed
	}
	a.Reason = strings.TrimSpace(a.Reason)
	if !slices.Contains(Risiko, a.Chosen) {
		fields["risk_chosen"] = "staff.err.choose"
	} else if n := utf8.RuneCountInString(a.Reason); a.Overridden() && n < 5 || n > MaxMessage || !utf8.ValidString(a.Reason) {
		fields["risk_reason"] = "risk.err.reason"
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "answer every question; a level other than the proposal needs a reason", Fields: fields}
	}
	return nil
}
