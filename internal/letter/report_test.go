package letter_test

import (
	"math"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
)

// RenderReport takes odd input without an error or a panic: NaN and
// negative values, empty and ragged tables, labels longer than a line,
// control characters, emoji, and more rows than a page holds; every row
// is printed and later pages carry the running title.
func TestRenderReportOddInput(t *testing.T) {
	long := strings.Repeat("Kecamatan dengan nama sangat panjang ", 8)
	var many []letter.Bar
	for i := range 120 {
		many = append(many, letter.Bar{Label: "baris " + strings.Repeat("I", i%7), Shown: "7", Value: float64(i)})
	}
	rep := letter.Report{Title: "LAPORAN\x00 BULANAN 🙂", Number: "Oktober 2025", Confidential: "rahasia", Blocks: []letter.Block{
		{Heading: "Kosong"},
		{Heading: "Aneh", Bars: []letter.Bar{{Label: long, Shown: "x", Value: math.NaN()}, {Label: "minus", Shown: "-3", Value: -3},
			{Label: "tak hingga", Shown: "9", Value: math.Inf(1)}, {Label: "tersembunyi", Shown: "<5", Value: 4, Hidden: true}}},
		{Heading: "Tabel", Table: &letter.Table{Header: []string{"a"}, Rows: [][]string{{"1", "2", "3"}, {}, {long, long}}, Widths: []float64{1}}},
		{Heading: "Tabel kosong", Table: &letter.Table{}},
		{Heading: "Tren", Trend: []letter.Bar{{Label: "Jan 2025", Shown: "0"}, {Label: "Feb", Shown: "<5", Hidden: true}, {Label: "Mar", Shown: "3", Value: 3}}},
		{Heading: "Banyak", Bars: many},
	}}
	pdf, err := letter.RenderReport(rep)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := lettertest.Pages(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 3 {
		t.Fatalf("%d pages for 120 rows", len(pages))
	}
	text := strings.Join(pages, "\n")
	if strings.Count(text, "baris") != 120 || !strings.Contains(text, "LAPORAN BULANAN") || !strings.Contains(text, "tersembunyi <5") {
		t.Fatalf("text:\n%s", text)
	}
	for i, p := range pages[1:] {
		if !strings.Contains(p, "Oktober 2025") || !strings.Contains(p, "rahasia") {
			t.Fatalf("page %d lacks its furniture", i+2)
		}
	}
	if _, err := letter.RenderReport(letter.Report{}); err != nil {
		t.Fatalf("an empty report: %v", err)
	}
}
