package spiker_test

import (
	"testing"

	"github.com/spikerperak/spiker"
)

func TestCorrectionHelpers(t *testing.T) {
	got := spiker.DiffFields([][2]string{{"sex", "Perempuan"}, {"name", "A"}}, [][2]string{{"sex", "Perempuan"}, {"name", "B"}, {"place", "Sekolah"}})
	if len(got) != 2 || got[0] != (spiker.FieldChange{"name", "A", "B"}) || got[1] != (spiker.FieldChange{"place", "", "Sekolah"}) {
		t.Fatalf("diff: %+v", got)
	}
	for code, want := range map[string]string{"35.24": "", "35.24.22": "35.24.22", "35.24.22.2001": "35.24.22"} {
		if spiker.KecamatanOf(code) != want {
			t.Errorf("KecamatanOf(%s) = %q", code, spiker.KecamatanOf(code))
		}
	}
	if spiker.CheckCorrectionReason("  ok ") == nil || spiker.CheckCorrectionReason("Salah ketik NIK") != nil {
		t.Error("the reason check")
	}
	c := &spiker.Case{Corrections: []spiker.Correction{{Changes: []spiker.FieldChange{{"name", "Siti Aminah", "Siti Rahma"}, {"nik", "3524010101010001", ""}, {"sex", "Perempuan", "Laki-laki"}}}}}
	c.MaskIdentity()
	ch := c.Corrections[0].Changes
	if ch[0].Before != "S. A." || ch[0].After != "S. R." || ch[1].Before != "••••••••••••0001" || ch[2].Before != "Perempuan" {
		t.Fatalf("masked history: %+v", ch)
	}
}
