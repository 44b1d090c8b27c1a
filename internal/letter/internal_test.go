package letter

import (
	"strings"
	"testing"

	"github.com/signintech/gopdf"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  a  b  ", "a b"},
		{"a\tb", "a b"},
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"a\u2028b\u2029c\u0085d", "a\nb\nc\nd"},
		{"\n\n a \n\n\n\n b \n\n", "a\n\nb"},
		{"x\x00y\x07z\x1b\x7f\u009b", "xyz"},
		{"zero\u200bwidth\ufeff\u202e", "zerowidth"},
		{"e\u0301", "é"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"smile 😀", "smile \ufffd"},
		{"non\ufffe\uffff\ufdd0char", "non\ufffd\ufffd\ufffdchar"},
		{"nb\u00a0sp", "nb\u00a0sp"},
		{"ideo\u3000space", "ideo space"},
		{" \t \n \t ", ""},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCapLines(t *testing.T) {
	got := capLines([]string{"a", "b", "cde", "f"}, 3)
	if want := []string{"a", "b", "cd…"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("capLines = %q, want %q", got, want)
	}
	if got := capLines([]string{"a"}, 3); len(got) != 1 {
		t.Errorf("capLines shortened %q", got)
	}
}

func newTestRenderer(t *testing.T) *renderer {
	t.Helper()
	fc, err := parsedFonts()
	if err != nil {
		t.Fatal(err)
	}
	r := &renderer{pdf: &gopdf.GoPdf{}, widths: map[widthKey]float64{}}
	r.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	for _, fam := range []string{famRegular, famBold} {
		if err := r.pdf.AddTTFFontFromFontContainer(fam, fc); err != nil {
			t.Fatal(err)
		}
	}
	r.pdf.AddPage()
	return r
}

func TestWrapFitsWidth(t *testing.T) {
	r := newTestRenderer(t)
	texts := []string{
		strings.Repeat("kata panjang ", 60),
		strings.Repeat("W", 400),
		"pendek\n\npanjang " + strings.Repeat("é–“”", 100),
		"a",
	}
	for _, width := range []float64{0.5, 10, 47.3, contentW} {
		for _, text := range texts {
			text = clean(text)
			lines, err := r.wrap(stBody, text, width)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range lines {
				if strings.HasPrefix(line, " ") || strings.HasSuffix(line, " ") {
					t.Errorf("line %q has a space at an end", line)
				}
				w, err := r.pdf.MeasureTextWidth(line) // gopdf's own measure
				if err != nil {
					t.Fatal(err)
				}
				if w > width+1e-3 && len([]rune(line)) > 1 {
					t.Errorf("width %.1f: line %q is %.2f mm wide", width, line, w)
				}
			}
			// Nothing is lost or reordered: rejoined lines give the text back.
			joined := strings.Join(strings.Fields(strings.Join(lines, " ")), "")
			if orig := strings.Join(strings.Fields(text), ""); joined != orig {
				t.Errorf("width %.1f: wrap lost text", width)
			}
		}
	}
}
