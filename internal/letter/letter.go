// Package letter renders the office's official letters — the referral letter
// ("Surat Rujukan") and the transfer letter ("Surat Pelimpahan") — as PDF.
//
// A Letter carries everything that is printed: Render adds no words of its
// own, only layout and punctuation (the ":" between a field's label and its
// value, and a "·" between the phone number and the e-mail address). Callers
// that want "Nomor: ", "Telp. " and the like put them into the strings.
//
// Text is set in DejaVu Sans, which is embedded in the binary (see
// fonts/LICENSE); only the glyphs a letter uses end up in its PDF. Before
// layout every string is cleaned: invalid UTF-8, noncharacters and
// characters outside the Basic Multilingual Plane (emoji, for instance)
// become U+FFFD; control and format characters are dropped except line
// breaks (CR, CRLF, U+2028 and U+2029 count as a newline; a tab counts as a
// space); runs of spaces are collapsed, as are runs of blank lines; and the
// text is put in Unicode normalization form C. Newlines are kept: each line
// of a value starts a new line in the letter. Characters that DejaVu Sans has
// no glyph for are printed as U+FFFD. Text is laid out left to right without
// shaping, which suits Latin script (Arabic or Hebrew would print unjoined
// and in logical order).
package letter

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode"

	"github.com/signintech/gopdf"
	"golang.org/x/text/unicode/norm"
)

// Letterhead is the office's heading from the settings.
type Letterhead struct {
	Office  string // e.g. "UPTD PPA Kabupaten Lamongan"
	Agency  string // e.g. "Dinas Pemberdayaan Perempuan dan Perlindungan Anak" (may be "")
	Address string
	Phone   string
	Email   string
}

// Field is one labelled value of the letter body.
type Field struct{ Label, Value string }

// Letter is what a letter says. Everything printed comes from here; nothing else.
type Letter struct {
	Head         Letterhead
	Title        string  // "SURAT RUJUKAN"
	Number       string  // letter number, e.g. "R-3524/2026/00017-01"
	Date         string  // already formatted, e.g. "Lamongan, 27 November 2026"
	To           string  // recipient, e.g. "Kepada Yth. RSUD dr. Soegiri"
	Intro        string  // paragraph before the fields
	Fields       []Field // the body: only the fields selected for the packet
	Closing      string  // paragraph after the fields
	Signatory    string  // the signer's position (jabatan) or role, e.g. "Manajer Kasus"
	SignerName   string  // the signer's full name, printed under the signature space ("" prints the role there instead)
	SignerID     string  // under the name, e.g. "NIP. 19800101 200501 1 001" (may be "")
	Confidential string  // footer line, e.g. "RAHASIA — hanya untuk penerima"
}

//go:embed fonts/DejaVuSans.ttf
var regularTTF []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var boldTTF []byte

// Font family names; gopdf uses them as the fonts' /BaseFont, so they carry
// the six-letter tag that marks an embedded subset. Bold is registered as a
// family of its own (with the regular style) so that one FontContainer key
// maps to one parsed font.
const (
	famRegular = "SPKRAA+DejaVuSans"
	famBold    = "SPKRAB+DejaVuSans-Bold"
)

// replacementChar is printed for anything that cannot be printed faithfully.
const replacementChar = '\uFFFD'

var (
	fontsOnce sync.Once
	fontsErr  error
	fonts     *gopdf.FontContainer
)

// parsedFonts parses the embedded fonts once. gopdf copies the parsed font
// into each document (AddTTFFontFromFontContainer) with a fresh glyph map, so
// one parse serves every render, concurrently too: after parsing, the shared
// parser data is only read.
func parsedFonts() (*gopdf.FontContainer, error) {
	fontsOnce.Do(func() {
		fc := &gopdf.FontContainer{}
		opt := gopdf.TtfOption{
			Style:                     gopdf.Regular,
			OnGlyphNotFoundSubstitute: func(rune) rune { return replacementChar },
		}
		if err := fc.AddTTFFontDataWithOption(famRegular, regularTTF, opt); err != nil {
			fontsErr = fmt.Errorf("letter: parse %s: %w", famRegular, err)
			return
		}
		if err := fc.AddTTFFontDataWithOption(famBold, boldTTF, opt); err != nil {
			fontsErr = fmt.Errorf("letter: parse %s: %w", famBold, err)
			return
		}
		fonts = fc
	})
	return fonts, fontsErr
}

// Page geometry, in millimetres (the document unit).
const (
	pageW        = 210.0 // A4
	pageH        = 297.0
	marginLeft   = 20.0
	marginRight  = 20.0
	marginTop    = 18.0
	marginBottom = 12.0 // below the footer
	contentW     = pageW - marginLeft - marginRight

	mmPerPt     = 25.4 / 72
	lineSpacing = 1.32 // line height as a multiple of the font size

	// maxFooterLines and maxNumberLines bound the page furniture repeated on
	// every page, so that an absurdly long footer cannot leave no room for
	// the body (longer text is cut and ends in "…").
	maxFooterLines = 4
	maxNumberLines = 2
)

// A style is a font and a size in points.
type style struct {
	family    string
	size      float64
	underline bool
}

func (s style) lineHeight() float64 { return s.size * lineSpacing * mmPerPt }

var (
	stOffice  = style{family: famBold, size: 14}
	stAgency  = style{family: famRegular, size: 11.5}
	stContact = style{family: famRegular, size: 9}
	stTitle   = style{family: famBold, size: 12.5, underline: true}
	stNumber  = style{family: famRegular, size: 10.5}
	stBody    = style{family: famRegular, size: 10.5}
	stFooter  = style{family: famRegular, size: 8}
	stRunning = style{family: famRegular, size: 8} // letter number on later pages
	stSigner  = style{family: famBold, size: 10.5, underline: true}
	stHeading = style{family: famBold, size: 11.5}
)

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// ErrRender wraps every error Render returns.
var ErrRender = errors.New("letter: render")

// Render lays the letter out on A4 pages and returns the PDF. It returns an
// error, never panics, for any input; the output for a given Letter is the
// same every time.
func Render(l Letter) (out []byte, err error) {
	return render(func(r *renderer) error { return r.letter(cleanLetter(l)) })
}

// render sets up an A4 document with the fonts, lets draw lay it out and
// returns the PDF; a panic inside becomes an error.
func render(draw func(*renderer) error) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: internal error: %v", ErrRender, r)
		}
	}()
	fc, err := parsedFonts()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	r := &renderer{pdf: &gopdf.GoPdf{}, widths: make(map[widthKey]float64, 256)}
	r.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	for _, fam := range []string{famRegular, famBold} {
		if err := r.pdf.AddTTFFontFromFontContainer(fam, fc); err != nil {
			return nil, fmt.Errorf("%w: add font %s: %w", ErrRender, fam, err)
		}
	}
	if err := draw(r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	out, err = r.pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("%w: write PDF: %w", ErrRender, err)
	}
	return out, nil
}

type widthKey struct {
	family string
	size   float64
	r      rune
}

// renderer keeps the layout state of one document.
type renderer struct {
	pdf    *gopdf.GoPdf
	widths map[widthKey]float64 // rune advance widths in mm
	cur    style                // font currently set on pdf
	curSet bool

	page   int
	y      float64 // top of the next line, mm from the top edge
	top    float64 // top of the body on the current page
	bottom float64 // the body may not extend below this

	footer  []string // wrapped footer lines, drawn on every page
	running []string // wrapped letter number, drawn on pages after the first
}

func (r *renderer) letter(l Letter) error {
	var err error
	if r.footer, err = r.wrap(stFooter, l.Confidential, contentW); err != nil {
		return err
	}
	r.footer = capLines(r.footer, maxFooterLines)
	if r.running, err = r.wrap(stRunning, l.Number, contentW*0.6); err != nil {
		return err
	}
	r.running = capLines(r.running, maxNumberLines)
	if err := r.newPage(); err != nil {
		return err
	}
	if err := r.letterhead(l.Head); err != nil {
		return err
	}

	// Title and number, centred.
	if err := r.block(stTitle, l.Title, alignCenter, marginLeft, contentW, 0); err != nil {
		return err
	}
	if err := r.block(stNumber, l.Number, alignCenter, marginLeft, contentW, 0); err != nil {
		return err
	}
	r.gap(6)
	if err := r.block(stBody, l.Date, alignRight, marginLeft, contentW, 5); err != nil {
		return err
	}
	if err := r.block(stBody, l.To, alignLeft, marginLeft, contentW, 5); err != nil {
		return err
	}
	if err := r.block(stBody, l.Intro, alignLeft, marginLeft, contentW, 4); err != nil {
		return err
	}
	if err := r.fields(l.Fields); err != nil {
		return err
	}
	if err := r.block(stBody, l.Closing, alignLeft, marginLeft, contentW, 6); err != nil {
		return err
	}
	return r.signature(l.Signatory, l.SignerName, l.SignerID)
}

// letterhead draws the office's heading and the double rule under it.
func (r *renderer) letterhead(h Letterhead) error {
	start := r.y
	if err := r.block(stOffice, h.Office, alignCenter, marginLeft, contentW, 0.5); err != nil {
		return err
	}
	if err := r.block(stAgency, h.Agency, alignCenter, marginLeft, contentW, 0.5); err != nil {
		return err
	}
	if err := r.block(stContact, h.Address, alignCenter, marginLeft, contentW, 0); err != nil {
		return err
	}
	var contact []string
	for _, s := range []string{h.Phone, h.Email} {
		if s != "" {
			contact = append(contact, s)
		}
	}
	if err := r.block(stContact, strings.Join(contact, "  ·  "), alignCenter, marginLeft, contentW, 0); err != nil {
		return err
	}
	if r.y == start {
		return nil // no letterhead at all: no rule either
	}
	r.gap(1.5)
	r.pdf.SetLineWidth(0.7)
	r.pdf.Line(marginLeft, r.y, pageW-marginRight, r.y)
	r.pdf.SetLineWidth(0.25)
	r.pdf.Line(marginLeft, r.y+1, pageW-marginRight, r.y+1)
	r.y += 7
	return nil
}

// fields draws the body table: label, colon, value; long labels and values
// wrap within their column and rows flow onto further pages.
func (r *renderer) fields(fs []Field) error {
	st := stBody
	lh := st.lineHeight()
	labelW := 0.0
	for _, f := range fs {
		for _, line := range strings.Split(f.Label, "\n") {
			w, err := r.textWidth(st, line)
			if err != nil {
				return err
			}
			labelW = math.Max(labelW, w)
		}
	}
	labelW = math.Min(math.Max(labelW+1, 25), contentW*0.36)
	colonW, err := r.textWidth(st, ":")
	if err != nil {
		return err
	}
	colonX := marginLeft + labelW + 1.5
	valueX := colonX + colonW + 2
	valueW := pageW - marginRight - valueX

	drawn := false
	for _, f := range fs {
		if f.Label == "" && f.Value == "" {
			continue
		}
		labels, err := r.wrap(st, f.Label, labelW)
		if err != nil {
			return err
		}
		values, err := r.wrap(st, f.Value, valueW)
		if err != nil {
			return err
		}
		n := max(len(labels), len(values), 1)
		// Keep the first two lines of a row together.
		if err := r.ensure(float64(min(n, 2)) * lh); err != nil {
			return err
		}
		for i := range n {
			if err := r.ensure(lh); err != nil {
				return err
			}
			if i < len(labels) {
				if err := r.text(st, marginLeft, r.y, labels[i]); err != nil {
					return err
				}
			}
			if i == 0 {
				if err := r.text(st, colonX, r.y, ":"); err != nil {
					return err
				}
			}
			if i < len(values) {
				if err := r.text(st, valueX, r.y, values[i]); err != nil {
					return err
				}
			}
			r.y += lh
		}
		r.gap(1.2)
		drawn = true
	}
	if drawn {
		r.gap(4)
	}
	return nil
}

// signature draws the signatory block on the right. With a signer's name:
// the position, a space to sign in, the name (bold, underlined) and the
// signer's ID under it. Without: a space, a short rule and the role under
// it. The block is kept on one page.
func (r *renderer) signature(role, name, id string) error {
	if role == "" && name == "" {
		return nil
	}
	const space = 22.0
	blockW := contentW * 0.45
	x := pageW - marginRight - blockW
	lh := stBody.lineHeight()
	type part struct {
		st    style
		lines []string
	}
	var above, below []part
	add := func(to *[]part, st style, text string) error {
		lines, err := r.wrap(st, text, blockW)
		if err == nil && len(lines) > 0 {
			*to = append(*to, part{st, lines})
		}
		return err
	}
	if name == "" {
		if err := add(&below, stBody, role); err != nil {
			return err
		}
	} else {
		for _, p := range []struct {
			to   *[]part
			st   style
			text string
		}{{&above, stBody, role}, {&below, stSigner, name}, {&below, stBody, id}} {
			if err := add(p.to, p.st, p.text); err != nil {
				return err
			}
		}
	}
	n := 0
	for _, p := range append(append([]part{}, above...), below...) {
		n += len(p.lines)
	}
	if err := r.ensure(math.Min(space+1+float64(n)*lh, r.bottom-r.top)); err != nil {
		return err
	}
	draw := func(parts []part) error {
		for _, p := range parts {
			for _, line := range p.lines {
				if err := r.ensure(p.st.lineHeight()); err != nil {
					return err
				}
				if err := r.aligned(p.st, alignCenter, x, blockW, line); err != nil {
					return err
				}
				r.y += p.st.lineHeight()
			}
		}
		return nil
	}
	if err := draw(above); err != nil {
		return err
	}
	r.y += space
	if name == "" {
		r.pdf.SetLineWidth(0.2)
		r.pdf.Line(x+blockW*0.15, r.y, x+blockW*0.85, r.y)
		r.y++
	}
	return draw(below)
}

// block draws text wrapped to width, each line aligned within [x, x+width],
// then leaves after millimetres of space. Empty text draws nothing and
// leaves no space.
func (r *renderer) block(st style, text string, a align, x, width, after float64) error {
	if text == "" {
		return nil
	}
	lines, err := r.wrap(st, text, width)
	if err != nil {
		return err
	}
	lh := st.lineHeight()
	for _, line := range lines {
		if err := r.ensure(lh); err != nil {
			return err
		}
		if err := r.aligned(st, a, x, width, line); err != nil {
			return err
		}
		r.y += lh
	}
	r.gap(after)
	return nil
}

// gap adds vertical space, unless the body of the page is still empty.
func (r *renderer) gap(mm float64) {
	if r.y > r.top {
		r.y += mm
	}
}

// ensure starts a new page unless h millimetres fit below r.y. On an empty
// page it never does, so that layout always makes progress.
func (r *renderer) ensure(h float64) error {
	if r.y+h <= r.bottom+1e-6 || r.y <= r.top+1e-6 {
		return nil
	}
	return r.newPage()
}

// newPage adds a page with its furniture: the footer on every page, the
// letter number at the top of every page after the first.
func (r *renderer) newPage() error {
	r.pdf.AddPage()
	r.page++
	r.curSet = false // be explicit about the font on each page
	r.y = marginTop
	r.bottom = pageH - marginBottom
	if len(r.footer) > 0 {
		lh := stFooter.lineHeight()
		fy := pageH - marginBottom - float64(len(r.footer))*lh
		r.pdf.SetStrokeColor(110, 110, 110)
		r.pdf.SetLineWidth(0.2)
		r.pdf.Line(marginLeft, fy-1.5, pageW-marginRight, fy-1.5)
		r.pdf.SetStrokeColor(0, 0, 0)
		r.pdf.SetTextColor(70, 70, 70)
		for i, line := range r.footer {
			if err := r.alignedAt(stFooter, alignCenter, marginLeft, fy+float64(i)*lh, contentW, line); err != nil {
				return err
			}
		}
		r.pdf.SetTextColor(0, 0, 0)
		r.bottom = fy - 5
	}
	if r.page > 1 && len(r.running) > 0 {
		lh := stRunning.lineHeight()
		r.pdf.SetTextColor(70, 70, 70)
		for _, line := range r.running {
			if err := r.alignedAt(stRunning, alignRight, marginLeft, r.y, contentW, line); err != nil {
				return err
			}
			r.y += lh
		}
		r.pdf.SetTextColor(0, 0, 0)
		r.y += 4
	}
	r.top = r.y
	return nil
}

// aligned draws one line at the current y.
func (r *renderer) aligned(st style, a align, x, width float64, line string) error {
	return r.alignedAt(st, a, x, r.y, width, line)
}

func (r *renderer) alignedAt(st style, a align, x, y, width float64, line string) error {
	if a != alignLeft {
		w, err := r.textWidth(st, line)
		if err != nil {
			return err
		}
		switch a {
		case alignCenter:
			x += (width - w) / 2
		case alignRight:
			x += width - w
		}
	}
	return r.text(st, x, y, line)
}

// text draws one line with its top-left corner at (x, y).
func (r *renderer) text(st style, x, y float64, line string) error {
	if line == "" {
		return nil
	}
	if err := r.setFont(st); err != nil {
		return err
	}
	r.pdf.SetXY(x, y)
	return r.pdf.Cell(nil, line)
}

func (r *renderer) setFont(st style) error {
	if r.curSet && r.cur == st {
		return nil
	}
	s := ""
	if st.underline {
		s = "U"
	}
	if err := r.pdf.SetFont(st.family, s, st.size); err != nil {
		return fmt.Errorf("set font %s: %w", st.family, err)
	}
	r.cur, r.curSet = st, true
	return nil
}

// runeWidth is the advance width of r in st, in mm. Kerning is off, so the
// width of a string is the sum of its runes' widths.
func (r *renderer) runeWidth(st style, c rune) (float64, error) {
	k := widthKey{st.family, st.size, c}
	if w, ok := r.widths[k]; ok {
		return w, nil
	}
	if err := r.setFont(st); err != nil {
		return 0, err
	}
	w, err := r.pdf.MeasureTextWidth(string(c))
	if err != nil {
		return 0, fmt.Errorf("measure %q: %w", c, err)
	}
	r.widths[k] = w
	return w, nil
}

func (r *renderer) textWidth(st style, s string) (float64, error) {
	sum := 0.0
	for _, c := range s {
		w, err := r.runeWidth(st, c)
		if err != nil {
			return 0, err
		}
		sum += w
	}
	return sum, nil
}

// wrap breaks cleaned text into lines no wider than width: at newlines, at
// spaces, and inside words that are wider than a whole line. An empty line
// of the text stays an empty line (a blank line in the letter); every
// returned line is non-empty except those.
func (r *renderer) wrap(st style, text string, width float64) ([]string, error) {
	if text == "" {
		return nil, nil
	}
	const eps = 1e-6
	space, err := r.runeWidth(st, ' ')
	if err != nil {
		return nil, err
	}
	var lines []string
	for para := range strings.SplitSeq(text, "\n") {
		if para == "" {
			lines = append(lines, "")
			continue
		}
		var cur strings.Builder
		curW := 0.0
		// clean left single spaces between words and none at the ends.
		for word := range strings.SplitSeq(para, " ") {
			ww, err := r.textWidth(st, word)
			if err != nil {
				return nil, err
			}
			if cur.Len() > 0 && curW+space+ww <= width+eps {
				cur.WriteByte(' ')
				cur.WriteString(word)
				curW += space + ww
				continue
			}
			if cur.Len() > 0 {
				lines = append(lines, cur.String())
				cur.Reset()
				curW = 0
			}
			if ww <= width+eps {
				cur.WriteString(word)
				curW = ww
				continue
			}
			// A word wider than the line: break it between runes, at
			// least one rune per line.
			for _, c := range word {
				cw, err := r.runeWidth(st, c)
				if err != nil {
					return nil, err
				}
				if cur.Len() > 0 && curW+cw > width+eps {
					lines = append(lines, cur.String())
					cur.Reset()
					curW = 0
				}
				cur.WriteRune(c)
				curW += cw
			}
		}
		if cur.Len() > 0 {
			lines = append(lines, cur.String())
		}
	}
	return lines, nil
}

// capLines keeps at most n lines, marking a cut with "…".
func capLines(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n:n]
	last := []rune(lines[n-1])
	if len(last) > 1 {
		last = last[:len(last)-1]
	}
	lines[n-1] = string(last) + "…"
	return lines
}

func cleanLetter(l Letter) Letter {
	c := Letter{
		Head: Letterhead{
			Office:  clean(l.Head.Office),
			Agency:  clean(l.Head.Agency),
			Address: clean(l.Head.Address),
			Phone:   clean(l.Head.Phone),
			Email:   clean(l.Head.Email),
		},
		Title:        clean(l.Title),
		Number:       clean(l.Number),
		Date:         clean(l.Date),
		To:           clean(l.To),
		Intro:        clean(l.Intro),
		Closing:      clean(l.Closing),
		Signatory:    clean(l.Signatory),
		SignerName:   clean(l.SignerName),
		SignerID:     clean(l.SignerID),
		Confidential: clean(l.Confidential),
	}
	if len(l.Fields) > 0 {
		c.Fields = make([]Field, len(l.Fields))
		for i, f := range l.Fields {
			c.Fields[i] = Field{Label: clean(f.Label), Value: clean(f.Value)}
		}
	}
	return c
}

// clean makes s safe and predictable to print (see the package comment):
// valid UTF-8 in form NFC, "\n" as the only line break, no control or format
// characters, only characters from the Basic Multilingual Plane, single
// spaces, no spaces at the ends of lines and no blank lines at either end.
func clean(s string) string {
	if s == "" {
		return ""
	}
	s = norm.NFC.String(strings.ToValidUTF8(s, string(replacementChar)))
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	lineStart := true
	afterCR := false
	blank := 0 // newlines written since the last printable character
	newline := func() {
		// At most one blank line in a row.
		if blank < 2 {
			b.WriteByte('\n')
			blank++
		}
		pendingSpace, lineStart = false, true
	}
	for _, c := range s {
		wasCR := afterCR
		afterCR = false
		switch {
		case c == '\n' && wasCR:
			// second half of CRLF
		case c == '\r':
			newline()
			afterCR = true
		case c == '\n', c == '\v', c == '\f', c == '\u0085', c == '\u2028', c == '\u2029':
			newline()
		case c == '\t', c == ' ', unicode.Is(unicode.Zs, c) && c != '\u00a0' && c != '\u202f':
			// Breaking spaces; U+00A0 and U+202F stay non-breaking.
			pendingSpace = !lineStart
		case unicode.IsControl(c), unicode.Is(unicode.Cf, c):
			// dropped
		default:
			if c > 0xFFFF || c == 0xFFFE || c == 0xFFFF || c >= 0xFDD0 && c <= 0xFDEF {
				// gopdf's ToUnicode CMap cannot express characters
				// outside the BMP, so they would not read back; the
				// noncharacters are not text (and U+FFFF would print
				// the font's .notdef box).
				c = replacementChar
			}
			if pendingSpace {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
			pendingSpace, lineStart, blank = false, false, 0
		}
	}
	return strings.Trim(b.String(), "\n")
}
