package spiker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

func validReport() *spiker.Report {
	return &spiker.Report{
		Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKeluarga,
		ViolenceTypes: []string{"Seksual"}, IncidentDate: "2026-11-20", VictimSex: "Perempuan", VictimAge: 14,
		Relationship: "Tetangga", ContactWanted: true, Consent: true,
		Content: spiker.ReportContent{Narrative: "Anak saya diganggu tetangga.", Contact: spiker.ReportContact{Channel: "telepon", Number: "+62 812 3456 789"}},
	}
}

// Every validation rule names its field and its message key.
func TestReportValidation(t *testing.T) {
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	if err := validReport().Validate(today); err != nil {
		t.Fatalf("valid report: %v", err)
	}
	for _, tc := range []struct {
		name, field, key string
		mutate           func(r *spiker.Report)
	}{
		{"channel", "channel", "report.err.channel", func(r *spiker.Report) { r.Channel = "fax" }},
		{"reporter role", "reporter_role", "report.err.reporter_role", func(r *spiker.Report) { r.ReporterRole = "polisi" }},
		{"no violence type", "violence_types", "report.err.violence_types", func(r *spiker.Report) { r.ViolenceTypes = nil }},
		{"unknown violence type", "violence_types", "report.err.violence_types", func(r *spiker.Report) { r.ViolenceTypes = []string{"fisik"} }},
		{"empty narrative", "narrative", "report.err.narrative_required", func(r *spiker.Report) { r.Content.Narrative = "  \n " }},
		{"long narrative", "narrative", "report.err.narrative_long", func(r *spiker.Report) { r.Content.Narrative = strings.Repeat("a", spiker.MaxNarrative+1) }},
		{"regency only", "kecamatan", "report.err.kecamatan", func(r *spiker.Report) { r.RegionCode = "35.24" }},
		{"bad region", "kecamatan", "report.err.kecamatan", func(r *spiker.Report) { r.RegionCode = "Lamongan" }},
		{"future date", "incident_date", "report.err.incident_date", func(r *spiker.Report) { r.IncidentDate = "2026-12-25" }},
		{"bad date", "incident_date", "report.err.incident_date", func(r *spiker.Report) { r.IncidentDate = "kemarin" }},
		{"sex", "victim_sex", "report.err.victim_sex", func(r *spiker.Report) { r.VictimSex = "perempuan" }},
		{"age", "victim_age", "report.err.victim_age", func(r *spiker.Report) { r.VictimAge = 130 }},
		{"relationship", "relationship", "report.err.relationship", func(r *spiker.Report) { r.Relationship = "Paman" }},
		{"contact channel", "contact_channel", "report.err.contact_channel", func(r *spiker.Report) { r.Content.Contact.Channel = "surat" }},
		{"contact number", "contact_number", "report.err.contact_number", func(r *spiker.Report) { r.Content.Contact.Number = "12" }},
		{"email", "contact_number", "report.err.contact_number", func(r *spiker.Report) {
			r.Content.Contact = spiker.ReportContact{Channel: "email", Number: "bukan-email"}
		}},
		{"contact given but unwanted", "contact_channel", "report.err.contact_unwanted", func(r *spiker.Report) { r.ContactWanted = false }},
		{"consent", "consent", "report.err.consent", func(r *spiker.Report) { r.Consent = false }},
		{"long name", "victim_name", "report.err.too_long", func(r *spiker.Report) { r.Content.VictimName = strings.Repeat("n", 501) }},
		{"invalid text", "narrative", "report.err.text", func(r *spiker.Report) { r.Content.PlaceDetail = "\xff" }},
	} {
		r := validReport()
		tc.mutate(r)
		err := r.Validate(today)
		if spiker.ErrorCode(err) != spiker.EINVALID || spiker.ErrorFields(err)[tc.field] != tc.key {
			t.Errorf("%s: %v fields %v, want %s=%s", tc.name, err, spiker.ErrorFields(err), tc.field, tc.key)
		}
	}
	r := validReport()
	r.ContactWanted, r.Content.Contact = false, spiker.ReportContact{}
	if err := r.Validate(today); err != nil {
		t.Errorf("do-not-contact report: %v", err)
	}
	r.Content.Contact = spiker.ReportContact{Channel: "email", Number: "nama@contoh.id"}
	r.ContactWanted = true
	if err := r.Validate(today); err != nil {
		t.Errorf("e-mail contact: %v", err)
	}
}
