package spiker

import (
	"strings"
	"unicode/utf8"
)

// AMPKCategories are the 15 groups of children who need special protection
// (Anak yang Memerlukan Perlindungan Khusus), exactly as UU 35/2014 Pasal 59
// ayat (2) names them, in its order. A child victim's record may name one;
// stored data uses these strings.
var AMPKCategories = []string{
	"anak dalam situasi darurat",
	"anak yang berhadapan dengan hukum",
	"anak dari kelompok minoritas dan terisolasi",
	"anak yang dieksploitasi secara ekonomi dan/atau seksual",
	"anak yang menjadi korban penyalahgunaan narkotika, alkohol, psikotropika, dan zat adiktif lainnya",
	"anak yang menjadi korban pornografi",
	"anak dengan HIV/AIDS",
	"anak korban penculikan, penjualan, dan/atau perdagangan",
	"anak korban kekerasan fisik dan/atau psikis",
	"anak korban kejahatan seksual",
	"anak korban jaringan terorisme",
	"anak penyandang disabilitas",
	"anak korban perlakuan salah dan penelantaran",
	"anak dengan perilaku sosial menyimpang",
	"anak yang menjadi korban stigmatisasi dari pelabelan terkait dengan kondisi orang tuanya",
}

// OfficeCategory is one of the office's own case categories ("kategori
// lokal"), kept by the administrator beside the national ones. Each counts
// under one SIMFONI jenis kekerasan. A victim's record keeps its id, so a
// rename shows the new name on old records; a category once used is never
// deleted, only deactivated (no longer offered, still shown where used).
type OfficeCategory struct {
	ID          string
	Name        string
	SimfoniType string // one of JenisKekerasan
	Active      bool
}

// MaxCategoryName is the longest office category name, in characters.
const MaxCategoryName = 100

// Validate checks an office category's name and SIMFONI label.
func (c *OfficeCategory) Validate() error {
	f := map[string]string{}
	name := strings.TrimSpace(c.Name)
	if n := utf8.RuneCountInString(name); n < 3 || n > MaxCategoryName || !utf8.ValidString(name) {
		f["name"] = "category.err.name"
	}
	if !contains(JenisKekerasan, c.SimfoniType) {
		f["simfoni"] = "category.err.simfoni"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the category has fields to correct", Fields: f}
	}
	return nil
}

// SameCategoryName reports whether two category names are the same to a
// reader: case, surrounding and repeated spaces aside.
func SameCategoryName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// VictimContext is what a victim's record is checked against beyond the
// fixed lists: the office's categories, the case's region (the victim's
// desa lies in its kecamatan) and, for a correction, the record before it
// (a deactivated category or a desa kept from before stays valid).
type VictimContext struct {
	Office     []OfficeCategory
	CaseRegion string
	Before     *CaseVictim // nil when the victim is added
}

// checkOfficeCategories checks the office categories chosen for a victim:
// each known, once, and active unless the record had it already.
func (v *CaseVictim) checkOfficeCategories(vc VictimContext) bool {
	seen := map[string]bool{}
	for _, id := range v.OfficeCategories {
		if seen[id] {
			return false
		}
		seen[id] = true
		kept := vc.Before != nil && contains(vc.Before.OfficeCategories, id)
		ok := false
		for _, c := range vc.Office {
			if c.ID == id {
				ok = c.Active || kept
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// checkDesa checks the victim's desa: a desa (four-part Kemendagri code) of
// the case's kecamatan, or of its regency while the case has no kecamatan.
// A desa kept unchanged by a correction stays valid even after the case
// moved.
func (v *CaseVictim) checkDesa(vc VictimContext) bool {
	if v.DesaCode == "" || vc.Before != nil && vc.Before.DesaCode == v.DesaCode {
		return true
	}
	area := KecamatanOf(vc.CaseRegion)
	if area == "" {
		area = vc.CaseRegion
	}
	return ValidRegionCodeSyntax(v.DesaCode) && strings.Count(v.DesaCode, ".") == 3 && area != "" && RegionContains(area, v.DesaCode)
}
