package letter

import (
	"math"
)

// Report is a statistical report, such as the monthly report to the
// Bupati: the letterhead, a title, then blocks of headed tables and simple
// charts drawn with lines and rectangles. As with Letter, every word printed
// comes from the Report, cleaned the same way.
type Report struct {
	Head         Letterhead
	Title        string // "LAPORAN BULANAN"
	Number       string // under the title, e.g. "Oktober 2025 · Kabupaten Lamongan"; repeated on later pages
	Date         string // right-aligned under it
	Blocks       []Block
	Confidential string // footer line on every page
}

// Block is a heading with an optional paragraph, then any of: bars (a
// table of counts with a bar for each), a table, a trend line.
type Block struct {
	Heading string
	Text    string
	Bars    []Bar
	// BarsHeader names the bars' two columns, e.g. {"Jenis", "Jumlah"}.
	BarsHeader [2]string
	Table      *Table
	Trend      []Bar // a line through the shown values, one point each
	Note       string
}

// Bar is one labelled count: Shown is printed; Value draws the bar unless
// Hidden (a suppressed count draws nothing, so the chart tells no more
// than the number).
type Bar struct {
	Label, Shown string
	Value        float64
	Hidden       bool
}

// Table is a header row and rows of cells; the first column is left
// aligned, the others right aligned. Widths are fractions of the line
// (equal when nil).
type Table struct {
	Header []string
	Rows   [][]string
	Widths []float64
}

// RenderReport lays the report out on A4 pages and returns the PDF. Like
// Render, it returns an error, never panics, and is deterministic.
func RenderReport(rep Report) ([]byte, error) {
	return render(func(r *renderer) error { return r.report(cleanReport(rep)) })
}

func cleanReport(rep Report) Report {
	c := Report{Head: cleanLetter(Letter{Head: rep.Head}).Head, Title: clean(rep.Title), Number: clean(rep.Number),
		Date: clean(rep.Date), Confidential: clean(rep.Confidential)}
	bars := func(bs []Bar) []Bar {
		var out []Bar
		for _, b := range bs {
			v := b.Value
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				v = 0
			}
			out = append(out, Bar{Label: clean(b.Label), Shown: clean(b.Shown), Value: v, Hidden: b.Hidden})
		}
		return out
	}
	for _, b := range rep.Blocks {
		n := Block{Heading: clean(b.Heading), Text: clean(b.Text), Bars: bars(b.Bars), Trend: bars(b.Trend), Note: clean(b.Note),
			BarsHeader: [2]string{clean(b.BarsHeader[0]), clean(b.BarsHeader[1])}}
		if b.Table != nil {
			t := &Table{Widths: b.Table.Widths}
			for _, h := range b.Table.Header {
				t.Header = append(t.Header, clean(h))
			}
			for _, row := range b.Table.Rows {
				var cr []string
				for _, cell := range row {
					cr = append(cr, clean(cell))
				}
				t.Rows = append(t.Rows, cr)
			}
			n.Table = t
		}
		c.Blocks = append(c.Blocks, n)
	}
	return c
}

var (
	stCell     = style{family: famRegular, size: 9.5}
	stCellBold = style{family: famBold, size: 9.5}
	stSmall    = style{family: famRegular, size: 7.5}
	stNote     = style{family: famRegular, size: 8.5}
)

func (r *renderer) report(rep Report) error {
	if err := r.opening(rep.Head, rep.Confidential, rep.Title, rep.Number, 0.5); err != nil {
		return err
	}
	r.gap(2)
	if err := r.block(stNote, rep.Date, alignRight, marginLeft, contentW, 1); err != nil {
		return err
	}
	for _, b := range rep.Blocks {
		if err := r.reportBlock(b); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) reportBlock(b Block) error {
	r.gap(3)
	if b.Heading != "" {
		// Keep the heading with the first rows (or the whole chart).
		need := stHeading.lineHeight() + 2 + 3*stCell.lineHeight()
		if len(b.Trend) > 0 {
			need = stHeading.lineHeight() + 2 + trendH
		}
		if err := r.ensure(need); err != nil {
			return err
		}
		if err := r.block(stHeading, b.Heading, alignLeft, marginLeft, contentW, 0.5); err != nil {
			return err
		}
		r.pdf.SetLineWidth(0.2)
		r.pdf.SetStrokeColor(150, 150, 150)
		r.pdf.Line(marginLeft, r.y, pageW-marginRight, r.y)
		r.pdf.SetStrokeColor(0, 0, 0)
		r.y += 1.5
	}
	if err := r.block(stNote, b.Text, alignLeft, marginLeft, contentW, 1.5); err != nil {
		return err
	}
	if len(b.Bars) > 0 {
		if err := r.bars(b.BarsHeader, b.Bars); err != nil {
			return err
		}
	}
	if b.Table != nil {
		if err := r.table(*b.Table); err != nil {
			return err
		}
	}
	if len(b.Trend) > 0 {
		if err := r.trend(b.Trend); err != nil {
			return err
		}
	}
	return r.block(stSmall, b.Note, alignLeft, marginLeft, contentW, 0)
}

// Bar colour: the office's blue, printable in grey.
const barR, barG, barB = 52, 101, 164

// bars draws rows of label, count and a bar scaled to the largest shown
// count, with a light rule between rows.
func (r *renderer) bars(header [2]string, bs []Bar) error {
	lh := stCell.lineHeight() + 1
	labelW, countW := contentW*0.42, contentW*0.12
	barX := marginLeft + labelW + countW + 4
	barW := pageW - marginRight - barX
	top := 0.0
	for _, b := range bs {
		if !b.Hidden {
			top = math.Max(top, b.Value)
		}
	}
	if header[0] != "" || header[1] != "" {
		if err := r.ensure(2 * lh); err != nil {
			return err
		}
		if err := r.text(stCellBold, marginLeft, r.y, header[0]); err != nil {
			return err
		}
		if err := r.alignedAt(stCellBold, alignRight, marginLeft+labelW, r.y, countW, header[1]); err != nil {
			return err
		}
		r.y += lh
		r.rule(0.3)
	}
	for _, b := range bs {
		labels, err := r.wrap(stCell, b.Label, labelW-2)
		if err != nil {
			return err
		}
		labels = capLines(labels, 2)
		h := float64(max(len(labels), 1)) * stCell.lineHeight()
		if err := r.ensure(h + 1); err != nil {
			return err
		}
		y := r.y + 0.5
		for i, l := range labels {
			if err := r.text(stCell, marginLeft, y+float64(i)*stCell.lineHeight(), l); err != nil {
				return err
			}
		}
		if err := r.alignedAt(stCell, alignRight, marginLeft+labelW, y, countW, b.Shown); err != nil {
			return err
		}
		if !b.Hidden && top > 0 && b.Value > 0 {
			w := math.Max(barW*b.Value/top, 0.6)
			r.pdf.SetFillColor(barR, barG, barB)
			r.pdf.RectFromUpperLeftWithStyle(barX, y+0.6, w, stCell.lineHeight()-1.4, "F")
			r.pdf.SetFillColor(0, 0, 0)
		}
		r.y += h + 1
		r.rule(0.1)
	}
	r.y += 1
	return nil
}

// rule draws a light horizontal line across the content at r.y.
func (r *renderer) rule(width float64) {
	r.pdf.SetLineWidth(width)
	r.pdf.SetStrokeColor(190, 190, 190)
	r.pdf.Line(marginLeft, r.y, pageW-marginRight, r.y)
	r.pdf.SetStrokeColor(0, 0, 0)
}

// table draws a header row and rows; a long first cell wraps.
func (r *renderer) table(t Table) error {
	n := len(t.Header)
	for _, row := range t.Rows {
		n = max(n, len(row))
	}
	if n == 0 {
		return nil
	}
	widths := make([]float64, n)
	for i := range widths {
		widths[i] = contentW / float64(n)
		if len(t.Widths) == n {
			widths[i] = contentW * t.Widths[i]
		}
	}
	row := func(cells []string, st style) error {
		first, err := r.wrap(st, cellAt(cells, 0), widths[0]-2)
		if err != nil {
			return err
		}
		first = capLines(first, 3)
		h := float64(max(len(first), 1)) * st.lineHeight()
		if err := r.ensure(h + 1); err != nil {
			return err
		}
		y := r.y + 0.5
		for i, l := range first {
			if err := r.text(st, marginLeft, y+float64(i)*st.lineHeight(), l); err != nil {
				return err
			}
		}
		x := marginLeft + widths[0]
		for i := 1; i < n; i++ {
			lines, err := r.wrap(st, cellAt(cells, i), widths[i]-1)
			if err != nil {
				return err
			}
			if len(lines) > 0 {
				if err := r.alignedAt(st, alignRight, x, y, widths[i]-1, lines[0]); err != nil {
					return err
				}
			}
			x += widths[i]
		}
		r.y += h + 1
		return nil
	}
	if len(t.Header) > 0 {
		if err := row(t.Header, stCellBold); err != nil {
			return err
		}
		r.rule(0.3)
	}
	for _, cells := range t.Rows {
		if err := row(cells, stCell); err != nil {
			return err
		}
		r.rule(0.1)
	}
	r.y += 1
	return nil
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

// trendH is the height of a trend chart, with its labels.
const trendH = 58.0

// trend draws a column for each point (hidden ones as an empty outline),
// a line through the shown values, the count above each column and its
// label under it.
func (r *renderer) trend(ps []Bar) error {
	if err := r.ensure(trendH); err != nil {
		return err
	}
	const plotH = 40.0
	x0, y0 := marginLeft+2, r.y+6 // the plot's top-left
	w := contentW - 4
	step := w / float64(len(ps))
	top := 0.0
	for _, p := range ps {
		if !p.Hidden {
			top = math.Max(top, p.Value)
		}
	}
	if top == 0 {
		top = 1
	}
	base := y0 + plotH
	// Axis.
	r.pdf.SetLineWidth(0.3)
	r.pdf.SetStrokeColor(120, 120, 120)
	r.pdf.Line(x0, base, x0+w, base)
	r.pdf.SetStrokeColor(0, 0, 0)
	var prevX, prevY float64
	havePrev := false
	for i, p := range ps {
		cx := x0 + step*(float64(i)+0.5)
		colW := step * 0.55
		h := plotH * p.Value / top
		if p.Hidden {
			h = 0
		}
		if h > 0 {
			r.pdf.SetFillColor(198, 214, 236)
			r.pdf.RectFromUpperLeftWithStyle(cx-colW/2, base-h, colW, h, "F")
			r.pdf.SetFillColor(0, 0, 0)
		}
		if !p.Hidden {
			py := base - h
			if havePrev {
				r.pdf.SetLineWidth(0.6)
				r.pdf.SetStrokeColor(barR, barG, barB)
				r.pdf.Line(prevX, prevY, cx, py)
				r.pdf.SetStrokeColor(0, 0, 0)
			}
			r.pdf.SetFillColor(barR, barG, barB)
			r.pdf.Oval(cx-0.9, py-0.9, cx+0.9, py+0.9)
			r.pdf.SetFillColor(0, 0, 0)
			prevX, prevY, havePrev = cx, py, true
		} else {
			havePrev = false // a hidden month breaks the line
		}
		if err := r.alignedAt(stSmall, alignCenter, cx-step/2, base-h-4, step, p.Shown); err != nil {
			return err
		}
		labels, err := r.wrap(stSmall, p.Label, step-0.5)
		if err != nil {
			return err
		}
		for j, l := range capLines(labels, 2) {
			if err := r.alignedAt(stSmall, alignCenter, cx-step/2, base+1.2+float64(j)*stSmall.lineHeight(), step, l); err != nil {
				return err
			}
		}
	}
	r.y = base + 1.2 + 2*stSmall.lineHeight() + 2
	return nil
}
