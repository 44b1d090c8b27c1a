package spiker_test

import (
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// Kategori Trafficking is required exactly when Trafficking is among the
// violence types, and only SIMFONI's labels are taken.
func TestVictimTraffickingCategory(t *testing.T) {
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	victim := func(types, cats []string) *spiker.CaseVictim {
		return &spiker.CaseVictim{Sex: "Perempuan", Age: 20, ViolenceTypes: types, TraffickingCategories: cats, Consent: spiker.ConsentByVictim}
	}
	for _, c := range []struct {
		types, cats []string
		want        string // the field's message key, "" for valid
	}{
		{[]string{"Fisik"}, nil, ""},
		{[]string{"Trafficking"}, []string{"Perbudakan"}, ""},
		{[]string{"Fisik", "Trafficking"}, []string{"Eksploitasi Seksual", "Perdagangan Organ Tubuh", "Perdagangan Narkoba"}, ""},
		{[]string{"Trafficking"}, nil, "rec.err.trafficking_required"},
		{[]string{"Fisik"}, []string{"Perbudakan"}, "rec.err.trafficking_without_type"},
		{[]string{"Trafficking"}, []string{"perbudakan"}, "staff.err.choose"},
	} {
		err := victim(c.types, c.cats).Validate(today, spiker.VictimContext{})
		if got := spiker.ErrorFields(err)["trafficking_categories"]; got != c.want {
			t.Errorf("%q with %q: %q (%v), want %q", c.types, c.cats, got, err, c.want)
		}
	}
}

func TestValidateGrantRequest(t *testing.T) {
	f := spiker.StatsFilter{From: "2026-01", To: "2026-12", Region: "35.24"}
	if err := spiker.ValidateGrantRequest(&f, "Verifikasi data oleh KemenPPPA"); err != nil {
		t.Fatal(err)
	}
	if spiker.ErrorFields(spiker.ValidateGrantRequest(&f, "perlu"))["reason"] != "grant.err.reason" {
		t.Error("a request without a real reason")
	}
	bad := spiker.StatsFilter{From: "2026-12", To: "2026-01"}
	if spiker.ErrorCode(spiker.ValidateGrantRequest(&bad, "Verifikasi data oleh KemenPPPA")) != spiker.EINVALID {
		t.Error("a backwards period")
	}
}
