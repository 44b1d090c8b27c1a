package spiker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// TestAMPKCategories checks the 15 groups of UU 35/2014 Pasal 59 ayat (2),
// letters a to o, word for word.
func TestAMPKCategories(t *testing.T) {
	want := []string{
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
	if len(spiker.AMPKCategories) != 15 {
		t.Fatalf("%d AMPK categories, the law names 15", len(spiker.AMPKCategories))
	}
	for i, w := range want {
		if spiker.AMPKCategories[i] != w {
			t.Errorf("AMPK %c: %q, the law says %q", 'a'+i, spiker.AMPKCategories[i], w)
		}
	}
}

func TestOfficeCategoryValidate(t *testing.T) {
	for _, tc := range []struct {
		c     spiker.OfficeCategory
		field string
	}{
		{spiker.OfficeCategory{Name: "Perundungan", SimfoniType: "Psikis"}, ""},
		{spiker.OfficeCategory{Name: "  ab ", SimfoniType: "Psikis"}, "name"},
		{spiker.OfficeCategory{Name: strings.Repeat("x", spiker.MaxCategoryName+1), SimfoniType: "Psikis"}, "name"},
		{spiker.OfficeCategory{Name: "Perundungan", SimfoniType: "psikis"}, "simfoni"},
		{spiker.OfficeCategory{Name: "Perundungan", SimfoniType: ""}, "simfoni"},
	} {
		err := tc.c.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.c, err)
			}
			continue
		}
		if spiker.ErrorFields(err)[tc.field] == "" {
			t.Errorf("%+v: no error on %s (%v)", tc.c, tc.field, err)
		}
	}
	if !spiker.SameCategoryName("Hak  Asuh anak ", "hak asuh Anak") || spiker.SameCategoryName("Hak Asuh", "Hak Asuh Anak") {
		t.Error("SameCategoryName")
	}
}

// TestVictimTaxonomyRules checks the office categories, the AMPK category
// and the desa on a victim's record.
func TestVictimTaxonomyRules(t *testing.T) {
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	office := []spiker.OfficeCategory{
		{ID: "abh", Name: "ABH", SimfoniType: "Lainnya", Active: true},
		{ID: "lama", Name: "Kategori lama", SimfoniType: "Psikis", Active: false},
	}
	child := func() spiker.CaseVictim {
		return spiker.CaseVictim{Sex: "Perempuan", Age: 14, ViolenceTypes: []string{"Psikis"}, Consent: spiker.ConsentByGuardian}
	}
	vc := spiker.VictimContext{Office: office, CaseRegion: "35.24.22.2001"}
	for _, tc := range []struct {
		name  string
		edit  func(*spiker.CaseVictim)
		vc    spiker.VictimContext
		field string
	}{
		{"active category", func(v *spiker.CaseVictim) { v.OfficeCategories = []string{"abh"} }, vc, ""},
		{"unknown category", func(v *spiker.CaseVictim) { v.OfficeCategories = []string{"tidak-ada"} }, vc, "office_categories"},
		{"the same category twice", func(v *spiker.CaseVictim) { v.OfficeCategories = []string{"abh", "abh"} }, vc, "office_categories"},
		{"inactive category chosen anew", func(v *spiker.CaseVictim) { v.OfficeCategories = []string{"lama"} }, vc, "office_categories"},
		{"inactive category kept by a correction", func(v *spiker.CaseVictim) { v.OfficeCategories = []string{"lama", "abh"} },
			spiker.VictimContext{Office: office, CaseRegion: vc.CaseRegion, Before: &spiker.CaseVictim{OfficeCategories: []string{"lama"}}}, ""},
		{"AMPK for a child", func(v *spiker.CaseVictim) { v.AMPK = spiker.AMPKCategories[9] }, vc, ""},
		{"AMPK for a child by age group", func(v *spiker.CaseVictim) { v.Age, v.AgeGroup, v.AMPK = -1, "6-12", spiker.AMPKCategories[0] }, vc, ""},
		{"AMPK not on the list", func(v *spiker.CaseVictim) { v.AMPK = "Anak korban kejahatan seksual" }, vc, "ampk"},
		{"AMPK for an adult", func(v *spiker.CaseVictim) {
			v.Age, v.Consent, v.AMPK = 30, spiker.ConsentByVictim, spiker.AMPKCategories[9]
		}, vc, "ampk"},
		{"desa of the case's kecamatan", func(v *spiker.CaseVictim) { v.DesaCode = "35.24.22.2005" }, vc, ""},
		{"desa of another kecamatan", func(v *spiker.CaseVictim) { v.DesaCode = "35.24.04.2001" }, vc, "victim_desa"},
		{"a kecamatan for a desa", func(v *spiker.CaseVictim) { v.DesaCode = "35.24.22" }, vc, "victim_desa"},
		{"not a code", func(v *spiker.CaseVictim) { v.DesaCode = "?" }, vc, "victim_desa"},
		{"any desa of the regency for a regency-level case", func(v *spiker.CaseVictim) { v.DesaCode = "35.24.04.2001" },
			spiker.VictimContext{Office: office, CaseRegion: "35.24"}, ""},
		{"desa of another regency for a regency-level case", func(v *spiker.CaseVictim) { v.DesaCode = "35.25.04.2001" },
			spiker.VictimContext{Office: office, CaseRegion: "35.24"}, "victim_desa"},
		{"desa kept after the case moved", func(v *spiker.CaseVictim) { v.DesaCode = "35.24.04.2001" },
			spiker.VictimContext{Office: office, CaseRegion: "35.24.22", Before: &spiker.CaseVictim{DesaCode: "35.24.04.2001"}}, ""},
	} {
		v := child()
		tc.edit(&v)
		err := v.Validate(today, tc.vc)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v %v", tc.name, err, spiker.ErrorFields(err))
			}
			continue
		}
		if spiker.ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: no error on %s (%v)", tc.name, tc.field, spiker.ErrorFields(err))
		}
	}
}
