package spiker

import (
	"time"
	"unicode/utf8"
)

// CaseVictim is a victim on a case's SIMFONI record. Categorical fields are
// clear (they feed statistics and the register); the name, NIK, the
// accommodation needs and a consent override's reason are protected.
type CaseVictim struct {
	ID              string
	Sex             string // JenisKelamin
	Age             int    // -1 if not known
	AgeGroup        string // KelompokUmurKorban, derived from Age when known
	Education       string // Pendidikan
	Occupation      string // Pekerjaan
	Marital         string // StatusPerkawinan
	Disability      bool
	DisabilityTypes []string // JenisDisabilitas
	ViolenceTypes   []string // JenisKekerasan
	// TraffickingCategories is SIMFONI's Kategori Trafficking, required
	// when the violence types include Trafficking and empty otherwise.
	TraffickingCategories []string // KategoriTrafficking
	SexualForms           []string // BentukKekerasanSeksual
	Place                 string   // TempatKejadian
	IncidentDate          string   // YYYY-MM-DD
	DesaCode              string
	KDRT                  bool
	Consent               string // ConsentByVictim, ConsentByGuardian or ConsentOverride
	// OfficeCategories are the ids of the office's own categories
	// (OfficeCategory) the victim's case falls under.
	OfficeCategories []string
	AMPK             string // one of AMPKCategories, for a child; "" if none

	Name            string
	NIK             string
	Accommodation   string
	ConsentOverride string // why a child is helped without a guardian's consent
}

// Consent kinds (DESIGN.md §2.4): a child's guardian consents, unless the
// guardian is the alleged perpetrator, when the override is documented.
const (
	ConsentByVictim   = "korban"
	ConsentByGuardian = "wali"
	ConsentOverride   = "tanpa_wali"
)

// Child reports whether the victim is a child (under 18).
func (v *CaseVictim) Child() bool {
	if v.Age >= 0 {
		return v.Age < 18
	}
	return v.AgeGroup == "0-5" || v.AgeGroup == "6-12" || v.AgeGroup == "13-17"
}

// Validate checks the SIMFONI labels, the consent rules, the office and
// AMPK categories (AMPK is for a child only) and the victim's desa.
func (v *CaseVictim) Validate(today time.Time, vc VictimContext) error {
	f := map[string]string{}
	check := func(field, val string, list []string, required bool) {
		if val == "" && !required {
			return
		}
		if !contains(list, val) {
			f[field] = "staff.err.choose"
		}
	}
	checkAll := func(field string, vals, list []string) {
		for _, x := range vals {
			if !contains(list, x) {
				f[field] = "staff.err.choose"
			}
		}
	}
	check("sex", v.Sex, JenisKelamin, true)
	check("age_group", v.AgeGroup, KelompokUmurKorban, false)
	check("education", v.Education, Pendidikan, false)
	check("occupation", v.Occupation, Pekerjaan, false)
	check("marital", v.Marital, StatusPerkawinan, false)
	check("place", v.Place, TempatKejadian, false)
	checkAll("disability_types", v.DisabilityTypes, JenisDisabilitas)
	checkAll("violence_types", v.ViolenceTypes, JenisKekerasan)
	checkAll("sexual_forms", v.SexualForms, BentukKekerasanSeksual)
	if len(v.ViolenceTypes) == 0 {
		f["violence_types"] = "report.err.violence_types"
	}
	checkAll("trafficking_categories", v.TraffickingCategories, KategoriTrafficking)
	switch trafficking := contains(v.ViolenceTypes, "Trafficking"); {
	case trafficking && len(v.TraffickingCategories) == 0:
		f["trafficking_categories"] = "rec.err.trafficking_required"
	case !trafficking && len(v.TraffickingCategories) > 0:
		f["trafficking_categories"] = "rec.err.trafficking_without_type"
	}
	if !v.checkOfficeCategories(vc) {
		f["office_categories"] = "rec.err.office_category"
	}
	if v.AMPK != "" && !contains(AMPKCategories, v.AMPK) {
		f["ampk"] = "staff.err.choose"
	} else if v.AMPK != "" && !v.Child() {
		f["ampk"] = "rec.err.ampk_adult"
	}
	if !v.checkDesa(vc) {
		f["victim_desa"] = "rec.err.victim_desa"
	}
	if v.Age < -1 || v.Age > 120 {
		f["age"] = "report.err.victim_age"
	}
	if v.Age < 0 && v.AgeGroup == "" {
		f["age"] = "staff.err.age_or_group"
	}
	if v.IncidentDate != "" {
		if _, err := time.Parse(time.DateOnly, v.IncidentDate); err != nil || v.IncidentDate > today.Format(time.DateOnly) {
			f["incident_date"] = "report.err.incident_date"
		}
	}
	switch v.Consent {
	case ConsentByVictim:
		if v.Child() {
			f["consent"] = "staff.err.consent_child"
		}
	case ConsentByGuardian:
	case ConsentOverride:
		if n := utf8.RuneCountInString(v.ConsentOverride); n < 10 {
			f["consent_override"] = "staff.err.consent_override"
		}
	default:
		f["consent"] = "staff.err.choose"
	}
	for _, s := range []string{v.Name, v.NIK, v.Accommodation, v.ConsentOverride} {
		if utf8.RuneCountInString(s) > MaxShortText || !utf8.ValidString(s) {
			f["name"] = "report.err.too_long"
		}
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the victim has fields to correct", Fields: f}
	}
	return nil
}

// CasePerpetrator is an alleged perpetrator, with their relationship to one
// victim of the case. The name is protected.
type CasePerpetrator struct {
	ID           string
	VictimID     string
	Sex          string // JenisKelamin
	AgeGroup     string // KelompokUmurPelaku
	Relationship string // HubunganPelaku
	Name         string
}

// Validate checks the SIMFONI labels.
func (p *CasePerpetrator) Validate() error {
	f := map[string]string{}
	if !contains(JenisKelamin, p.Sex) {
		f["p_sex"] = "staff.err.choose"
	}
	if p.AgeGroup != "" && !contains(KelompokUmurPelaku, p.AgeGroup) {
		f["p_age_group"] = "staff.err.choose"
	}
	if !contains(HubunganPelaku, p.Relationship) {
		f["p_relationship"] = "staff.err.choose"
	}
	if p.VictimID == "" {
		f["p_victim"] = "staff.err.choose"
	}
	if utf8.RuneCountInString(p.Name) > MaxShortText {
		f["p_name"] = "report.err.too_long"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the perpetrator has fields to correct", Fields: f}
	}
	return nil
}

// ChildPerpetrator reports whether the perpetrator is a child.
func (p *CasePerpetrator) ChildPerpetrator() bool { return p.AgeGroup == "0-17" }
