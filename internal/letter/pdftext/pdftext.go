// Package pdftext extracts the visible text of a PDF, so that tests can read
// back the letters that package letter renders.
//
// Parsing (cross-reference table, objects, stream filters, fonts' ToUnicode
// CMaps) is done by github.com/ledongthuc/pdf. Its own plain-text output
// puts every text object on a line of its own, so this package walks the
// content streams itself and lays the text out as it appears: each text
// showing operation becomes a run at its position, runs on the same baseline
// form one line (left to right, separated by a space where there is a gap),
// and lines go from the top of the page down.
//
// It is meant for PDFs with horizontal text such as those package letter
// writes; it ignores rotation, text in form XObjects and annotations.
package pdftext

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ledongthuc/pdf"
)

// ErrMalformed is returned (wrapped) for input that cannot be read as a PDF.
var ErrMalformed = errors.New("pdftext: malformed PDF")

// Text returns the visible text of every page: one line per line of text,
// each ending in "\n", and a form feed on a line of its own between pages
// ("...last line of page 1\n\f\nfirst line of page 2\n...").
func Text(data []byte) (string, error) {
	pages, err := Pages(data)
	if err != nil {
		return "", err
	}
	return strings.Join(pages, "\f\n"), nil
}

// Pages returns the visible text of each page, laid out as Text describes.
func Pages(data []byte) (pages []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			pages, err = nil, fmt.Errorf("%w: %v", ErrMalformed, r)
		}
	}()
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	}
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	n := rd.NumPage()
	if n < 0 {
		return nil, fmt.Errorf("%w: page count %d", ErrMalformed, n)
	}
	for i := 1; i <= n; i++ {
		p := rd.Page(i)
		if p.V.IsNull() {
			return nil, fmt.Errorf("%w: page %d not found", ErrMalformed, i)
		}
		pages = append(pages, layout(runs(p)))
	}
	return pages, nil
}

// A run is the text of one text showing operation.
type run struct {
	x, y float64 // start of the baseline, in default user space
	end  float64 // x of the end of the baseline; NaN if not known
	size float64 // font size in user space
	text string
}

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m×n: first m, then n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func translate(tx, ty float64) matrix { return matrix{1, 0, 0, 1, tx, ty} }

// font is what the extractor needs to know about a font resource.
type font struct {
	enc      pdf.TextEncoding
	twoByte  bool            // Type0 font: two-byte codes (Identity-H and the like)
	widths   map[int]float64 // glyph widths in thousandths of text space
	defWidth float64
}

func loadFont(v pdf.Value) *font {
	pf := pdf.Font{V: v}
	f := &font{enc: pf.Encoder(), widths: map[int]float64{}}
	if v.Key("Subtype").Name() == "Type0" {
		f.twoByte = true
		d := v.Key("DescendantFonts").Index(0)
		f.defWidth = 1000
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.defWidth = dw.Float64()
		}
		// /W [c [w1 w2 ...] cfirst clast w ...]
		w := d.Key("W")
		for i := 0; i < w.Len(); {
			c := int(w.Index(i).Int64())
			next := w.Index(i + 1)
			if next.Kind() == pdf.Array {
				for j := 0; j < next.Len(); j++ {
					f.widths[c+j] = next.Index(j).Float64()
				}
				i += 2
				continue
			}
			last, width := int(next.Int64()), w.Index(i+2).Float64()
			for code := c; code <= last && code-c < 1<<16; code++ {
				f.widths[code] = width
			}
			i += 3
		}
		return f
	}
	first := int(v.Key("FirstChar").Int64())
	ws := v.Key("Widths")
	for j := 0; j < ws.Len(); j++ {
		f.widths[first+j] = ws.Index(j).Float64()
	}
	return f
}

// width returns the width of the codes in raw, in thousandths of text
// space, and whether every code had a known width.
func (f *font) width(raw string) (float64, bool) {
	sum, known := 0.0, true
	step := 1
	if f.twoByte {
		step = 2
	}
	for i := 0; i+step <= len(raw); i += step {
		code := int(raw[i])
		if step == 2 {
			code = code<<8 | int(raw[i+1])
		}
		w, ok := f.widths[code]
		if !ok {
			if f.twoByte {
				w = f.defWidth
			} else {
				known = false
			}
		}
		sum += w
	}
	return sum, known
}

// runs interprets the page's content stream and returns its text runs.
func runs(p pdf.Page) []run {
	type state struct {
		ctm                  matrix
		tc, tw, th, tl, rise float64
		font                 *font
		size                 float64
	}
	gs := state{ctm: identity, th: 1}
	var stack []state
	var tm, tlm matrix
	var out []run
	fontRes := p.Resources().Key("Font")
	cache := map[string]*font{} // by resource name

	show := func(parts []pdf.Value) {
		if gs.font == nil {
			return
		}
		trm := matrix{gs.size * gs.th, 0, 0, gs.size, 0, gs.rise}.mul(tm).mul(gs.ctm)
		var text strings.Builder
		advance, known := 0.0, true // in unscaled text space units
		for _, part := range parts {
			switch part.Kind() {
			case pdf.String:
				raw := part.RawString()
				text.WriteString(gs.font.enc.Decode(raw))
				w, ok := gs.font.width(raw)
				known = known && ok
				n := len(raw)
				if gs.font.twoByte {
					n /= 2
				}
				spaces := 0
				if !gs.font.twoByte {
					spaces = strings.Count(raw, " ")
				}
				advance += (w/1000*gs.size + float64(n)*gs.tc + float64(spaces)*gs.tw) * gs.th
			case pdf.Integer, pdf.Real:
				adj := part.Float64()
				if adj < -200 && text.Len() > 0 { // a wide negative kern is a word space
					text.WriteByte(' ')
				}
				advance += -adj / 1000 * gs.size * gs.th
			}
		}
		x, y := trm[4], trm[5]
		size := math.Hypot(trm[2], trm[3]) // vertical scale of the glyphs
		end := math.NaN()
		if known {
			endPt := translate(advance, 0).mul(tm).mul(gs.ctm)
			end = endPt[4]
		}
		if s := text.String(); s != "" {
			out = append(out, run{x: x, y: y, end: end, size: size, text: s})
		}
		tm = translate(advance, 0).mul(tm)
	}
	nextLine := func() {
		tlm = translate(0, -gs.tl).mul(tlm)
		tm = tlm
	}

	pdf.Interpret(p.V.Key("Contents"), func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		num := func(i int) float64 {
			if i < len(args) {
				return args[i].Float64()
			}
			return 0
		}
		switch op {
		case "q":
			stack = append(stack, gs)
		case "Q":
			if n := len(stack); n > 0 {
				gs, stack = stack[n-1], stack[:n-1]
			}
		case "cm":
			if len(args) == 6 {
				gs.ctm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(gs.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tc":
			gs.tc = num(0)
		case "Tw":
			gs.tw = num(0)
		case "Tz":
			gs.th = num(0) / 100
		case "TL":
			gs.tl = num(0)
		case "Ts":
			gs.rise = num(0)
		case "Tf":
			if len(args) != 2 {
				return
			}
			gs.size = num(1)
			name := args[0].Name()
			f, ok := cache[name]
			if !ok {
				f = loadFont(fontRes.Key(name))
				cache[name] = f
			}
			gs.font = f
		case "Td", "TD":
			if op == "TD" {
				gs.tl = -num(1)
			}
			tlm = translate(num(0), num(1)).mul(tlm)
			tm = tlm
		case "Tm":
			if len(args) == 6 {
				tlm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}
				tm = tlm
			}
		case "T*":
			nextLine()
		case "Tj":
			if len(args) == 1 {
				show(args)
			}
		case "'":
			if len(args) == 1 {
				nextLine()
				show(args)
			}
		case "\"":
			if len(args) == 3 {
				gs.tw, gs.tc = num(0), num(1)
				nextLine()
				show(args[2:])
			}
		case "TJ":
			if len(args) == 1 && args[0].Kind() == pdf.Array {
				parts := make([]pdf.Value, args[0].Len())
				for i := range parts {
					parts[i] = args[0].Index(i)
				}
				show(parts)
			}
		}
	})
	return out
}

// layout groups runs into lines by baseline and joins each line's runs left
// to right, with a space where runs do not touch.
func layout(rs []run) string {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].y != rs[j].y {
			return rs[i].y > rs[j].y
		}
		return rs[i].x < rs[j].x
	})
	var b strings.Builder
	for i := 0; i < len(rs); {
		// A line: runs whose baselines are within a fraction of the
		// font size of the first one.
		tol := math.Max(1, 0.3*rs[i].size)
		j := i + 1
		for j < len(rs) && rs[i].y-rs[j].y <= tol {
			j++
		}
		line := rs[i:j]
		sort.SliceStable(line, func(a, c int) bool { return line[a].x < line[c].x })
		for k, r := range line {
			if k > 0 {
				prev := line[k-1]
				gap := math.IsNaN(prev.end) || r.x-prev.end > 0.15*math.Max(r.size, 1)
				if gap && !strings.HasSuffix(prev.text, " ") && !strings.HasPrefix(r.text, " ") {
					b.WriteByte(' ')
				}
			}
			b.WriteString(r.text)
		}
		b.WriteByte('\n')
		i = j
	}
	return b.String()
}
