// Package export writes tables as CSV and XLSX for spreadsheets, with
// every cell that a spreadsheet would take for a formula made inert.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// SafeCell makes a cell that starts like a formula read as text: a leading
// apostrophe, as OWASP advises against CSV injection. A formula sign is
// =, +, -, @ or its full-width form (＝＋－＠, which some spreadsheets take
// for the ASCII sign), also after leading spaces, tabs, line breaks or
// non-breaking and ideographic spaces. Numbers written as numbers are not
// affected: only text goes through it.
func SafeCell(s string) string {
	t := strings.TrimLeft(s, " \t\r\n\u00a0\u3000")
	if t == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '-', '@', '＝', '＋', '－', '＠':
		return "'" + s
	}
	if t != s && (s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
		// A cell that starts with a control character is odd enough to
		// keep inert whatever follows.
		return "'" + s
	}
	return s
}

// WriteCSV writes a header and rows as CSV (UTF-8 with a byte-order mark,
// so spreadsheet programs read the Indonesian letters right).
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(safeRow(header)); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(safeRow(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func safeRow(r []string) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = SafeCell(c)
	}
	return out
}

// Sheet is one sheet of a workbook: its name, header and rows.
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]string
	// Counts writes the cells of this column (1-based; 0: none) that are
	// whole numbers as numbers, so that a spreadsheet adds them up; other
	// cells ("<5", "x") stay text.
	Counts int
}

// WriteXLSX writes a header and rows as one sheet of an XLSX workbook.
func WriteXLSX(w io.Writer, sheet string, header []string, rows [][]string) error {
	return WriteWorkbook(w, []Sheet{{Name: sheet, Header: header, Rows: rows}})
}

// WriteWorkbook writes sheets as an XLSX workbook. Cells are written as
// text (never formulas); each sheet's first row is bold and frozen, so the
// header stays in view.
func WriteWorkbook(w io.Writer, sheets []Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, sh := range sheets {
		if i == 0 {
			err = f.SetSheetName("Sheet1", sh.Name)
		} else {
			_, err = f.NewSheet(sh.Name)
		}
		if err != nil {
			return err
		}
		if err := writeSheet(f, sh, bold); err != nil {
			return err
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("writing the workbook: %w", err)
	}
	return nil
}

func writeSheet(f *excelize.File, sh Sheet, bold int) error {
	sw, err := f.NewStreamWriter(sh.Name)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(sh.Header))
	for i, h := range sh.Header {
		head[i] = excelize.Cell{Value: SafeCell(h), StyleID: bold}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, r := range sh.Rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = SafeCell(c)
			if j+1 == sh.Counts {
				if n, err := strconv.ParseInt(c, 10, 64); err == nil {
					cells[j] = n
				}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// Sanitize keeps a file-name part to letters, digits and dashes.
func Sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, s)
}
