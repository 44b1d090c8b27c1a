package letter_test

import (
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
)

func TestSignatureWithNameAndNIP(t *testing.T) {
	l := sampleLetter()
	l.Signatory, l.SignerName, l.SignerID = "Kepala UPTD PPA", "Dra. Siti Rahayu, M.Si.", "NIP. 19800101 200501 2 001"
	text, err := lettertest.Text(render(t, l))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(text, "\n")
	at := func(s string) int {
		for i, line := range lines {
			if strings.TrimSpace(line) == s {
				return i
			}
		}
		t.Fatalf("no line %q in:\n%s", s, text)
		return -1
	}
	pos, name, nip := at("Kepala UPTD PPA"), at("Dra. Siti Rahayu, M.Si."), at("NIP. 19800101 200501 2 001")
	if !(pos < name && name+1 == nip) {
		t.Errorf("signature block order: position %d, name %d, NIP %d", pos, name, nip)
	}
}

func TestRenderDocumentSections(t *testing.T) {
	d := letter.Document{
		Head:   sampleLetter().Head,
		Title:  "RINGKASAN KASUS",
		Number: "Nomor kasus 3524/2026/00017",
		Date:   "Dicetak 3 Desember 2026",
		Sections: []letter.Section{
			{Heading: "Data kasus", Fields: []letter.Field{{Label: "Status", Value: "terbuka"}, {Label: "Wilayah", Value: "Sukodadi"}}},
			{Heading: "Rujukan", Text: "Belum ada."},
		},
		Confidential: "RAHASIA",
	}
	for i := range 60 {
		d.Sections = append(d.Sections, letter.Section{Heading: "Catatan " + strings.Repeat("x", i%3+1),
			Fields: []letter.Field{{Label: "7 Desember 2026", Value: "Isi catatan yang cukup panjang untuk dibungkus ke baris berikutnya bila perlu."}}})
	}
	pdf, err := letter.RenderDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	ps := pages(t, pdf)
	if len(ps) < 2 {
		t.Fatalf("%d pages, want several", len(ps))
	}
	first := norm(ps[0])
	for _, want := range []string{"UPTD PPA Kabupaten Lamongan", "RINGKASAN KASUS", "Nomor kasus 3524/2026/00017", "Dicetak 3 Desember 2026",
		"Data kasus", "Status : terbuka", "Wilayah : Sukodadi", "Rujukan", "Belum ada.", "RAHASIA"} {
		if !strings.Contains(first, want) {
			t.Errorf("first page lacks %q:\n%s", want, first)
		}
	}
	// Later pages carry the number and the footer.
	last := norm(ps[len(ps)-1])
	if !strings.Contains(last, "Nomor kasus 3524/2026/00017") || !strings.Contains(last, "RAHASIA") {
		t.Errorf("last page lacks the running number or the footer:\n%s", last)
	}
}
