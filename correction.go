package spiker

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kinds of correction of a case's record.
const (
	CorrectVictimKind      = "korban"
	CorrectPerpetratorKind = "pelaku"
	CorrectTypesKind       = "kategori"
	CorrectLocationKind    = "lokasi"
	CorrectSummaryKind     = "ringkasan"
)

// Correction is one saved change to a case's record: who made it, when,
// why, and the fields it changed with their values before and after. The
// whole of it (reason and values) is sealed with the case key, as the
// current values are; only holders of the case read it.
type Correction struct {
	ID       string
	At       time.Time
	ActorID  int64
	Kind     string // one of the Correct*Kind
	TargetID string // the victim, perpetrator or report corrected; the case otherwise
	Reason   string
	Changes  []FieldChange
}

// FieldChange is one field of a correction.
type FieldChange struct {
	Field, Before, After string
}

// CheckCorrectionReason checks the reason every correction needs.
func CheckCorrectionReason(reason string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	if n < 5 || n > MaxMessage || !utf8.ValidString(reason) {
		return &Error{Code: EINVALID, Message: "say why the record is corrected", Fields: map[string]string{"correction_reason": "case.err.correction_reason"}}
	}
	return nil
}

// DiffFields returns the fields whose values differ, in the order of after.
func DiffFields(before, after [][2]string) []FieldChange {
	old := map[string]string{}
	for _, f := range before {
		old[f[0]] = f[1]
	}
	var out []FieldChange
	for _, f := range after {
		if old[f[0]] != f[1] {
			out = append(out, FieldChange{Field: f[0], Before: old[f[0]], After: f[1]})
		}
	}
	return out
}

// Fields lists a victim's fields as name and value, for a correction's
// record of what changed.
func (v *CaseVictim) Fields() [][2]string {
	yes := func(b bool) string {
		if b {
			return "Ya"
		}
		return "Tidak"
	}
	age := ""
	if v.Age >= 0 {
		age = strconv.Itoa(v.Age)
	}
	return [][2]string{
		{"name", v.Name}, {"nik", v.NIK}, {"sex", v.Sex}, {"age", age}, {"age_group", v.AgeGroup},
		{"education", v.Education}, {"occupation", v.Occupation}, {"marital", v.Marital},
		{"disability_types", strings.Join(v.DisabilityTypes, ", ")}, {"violence_types", strings.Join(v.ViolenceTypes, ", ")},
		{"trafficking_categories", strings.Join(v.TraffickingCategories, ", ")},
		{"sexual_forms", strings.Join(v.SexualForms, ", ")}, {"office_categories", strings.Join(v.OfficeCategories, ", ")}, {"ampk", v.AMPK},
		{"place", v.Place}, {"incident_date", v.IncidentDate},
		{"desa", v.DesaCode}, {"kdrt", yes(v.KDRT)}, {"consent", v.Consent},
		{"accommodation", v.Accommodation}, {"consent_override", v.ConsentOverride},
	}
}

// Fields lists a perpetrator's fields as name and value.
func (p *CasePerpetrator) Fields() [][2]string {
	return [][2]string{{"name", p.Name}, {"sex", p.Sex}, {"age_group", p.AgeGroup}, {"relationship", p.Relationship}, {"victim", p.VictimID}}
}

// KecamatanOf returns the kecamatan part of a region code (35.24.05 of
// 35.24.05.2001), or "" above kecamatan level.
func KecamatanOf(code string) string {
	parts := strings.Split(code, ".")
	if len(parts) < 3 {
		return ""
	}
	return strings.Join(parts[:3], ".")
}
