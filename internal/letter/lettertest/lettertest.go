// Package lettertest reads back the text of the PDFs package letter writes,
// so that tests can check what a letter says.
package lettertest

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Text returns the text of every page as Pages lays it out, with a form feed
// on a line of its own between pages.
func Text(data []byte) (string, error) {
	pages, err := Pages(data)
	return strings.Join(pages, "\f\n"), err
}

// Pages returns the text of each page: one line per baseline, top to bottom,
// each ending in "\n"; the pieces of a line go left to right, separated by a
// space where there is a gap between them.
func Pages(data []byte) (pages []string, err error) {
	defer func() { // the library panics on some malformed input
		if r := recover(); r != nil {
			pages, err = nil, fmt.Errorf("lettertest: malformed PDF: %v", r)
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("lettertest: %w", err)
	}
	for i := 1; i <= rd.NumPage(); i++ {
		pages = append(pages, layout(rd.Page(i).Content().Text))
	}
	return pages, nil
}

// A run is the text of one text showing operation; gopdf writes one per cell.
type run struct {
	x, y, end, size float64
	s               string
}

func layout(items []pdf.Text) string {
	// The library gives one item per glyph (all of a run's at its start: it
	// knows no widths for the two-byte fonts letter embeds) and ends each TJ
	// with an item for "\n", which such a font decodes as U+FFFD: cut it off.
	var rs []run
	for _, t := range items {
		if n := len(rs) - 1; n >= 0 && rs[n].y == t.Y && math.Abs(t.X-rs[n].end) < 0.01*t.FontSize {
			rs[n].s, rs[n].end = rs[n].s+t.S, t.X+t.W
		} else {
			rs = append(rs, run{t.X, t.Y, t.X + t.W, t.FontSize, t.S})
		}
	}
	slices.SortStableFunc(rs, func(a, b run) int { return cmp.Compare(b.y, a.y) })
	var b strings.Builder
	for i := 0; i < len(rs); {
		j := i + 1 // a line: runs within a fraction of the font size of its baseline
		for j < len(rs) && rs[i].y-rs[j].y <= 0.3*rs[i].size {
			j++
		}
		line := rs[i:j]
		slices.SortStableFunc(line, func(a, b run) int { return cmp.Compare(a.x, b.x) })
		for k, r := range line {
			if k > 0 && r.x-line[k-1].end > 0.15*r.size {
				b.WriteByte(' ')
			}
			b.WriteString(strings.TrimSuffix(r.s, "\uFFFD"))
		}
		b.WriteByte('\n')
		i = j
	}
	return b.String()
}
