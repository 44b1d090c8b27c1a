package letter_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
)

// norm collapses all whitespace, including the page separator, to single
// spaces.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

func sampleLetter() letter.Letter {
	return letter.Letter{
		Head: letter.Letterhead{
			Office:  "UPTD PPA Kabupaten Lamongan",
			Agency:  "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
			Address: "Jl. Kombespol M. Duryat No. 7, Lamongan 62211",
			Phone:   "Telp. (0322) 321-9876",
			Email:   "uptdppa.zq7@lamongankab.go.id",
		},
		Title:  "SURAT RUJUKAN",
		Number: "Nomor: R-3524/2026/00017-01",
		Date:   "Lamongan, 27 November 2026",
		To:     "Kepada Yth.\nDirektur RSUD dr. Soegiri\ndi Tempat",
		Intro: "Dengan hormat, bersama ini kami merujuk klien kami untuk mendapatkan " +
			"layanan “visum et repertum” dan pendampingan psikologis – mohon " +
			"bantuan Bapak/Ibu di Kafe Séroja.",
		Fields: []letter.Field{
			{Label: "Nama klien", Value: "Bunga Xylofon (nama samaran)"},
			{Label: "Umur", Value: "14 tahun"},
			{Label: "Alamat", Value: "Desa Sukorejo RT 01 RW 02, Kecamatan Deket, " +
				"Kabupaten Lamongan, Jawa Timur 62291 — rumah nenek dari pihak ibu"},
			{Label: "Kronologi singkat", Value: "Baris pertama kronologi.\n" +
				"Baris kedua yang cukup panjang sehingga harus dibungkus ke baris " +
				"berikutnya karena melebihi lebar kolom nilai pada tabel isian surat.\n\n" +
				"Paragraf baru setelah baris kosong."},
			{Label: "Layanan yang dibutuhkan", Value: "Pemeriksaan medis; konseling"},
		},
		Closing: "Demikian surat rujukan ini kami sampaikan. Atas perhatian dan " +
			"kerja samanya kami ucapkan terima kasih.",
		Signatory:    "Manajer Kasus",
		Confidential: "RAHASIA — hanya untuk penerima",
	}
}

func render(t testing.TB, l letter.Letter) []byte {
	t.Helper()
	pdf, err := letter.Render(l)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("Render returned no PDF: %.20q", pdf)
	}
	return pdf
}

func pages(t testing.TB, pdf []byte) []string {
	t.Helper()
	ps, err := lettertest.Pages(pdf)
	if err != nil {
		t.Fatalf("lettertest.Pages: %v", err)
	}
	return ps
}

func TestRenderPrintsEverything(t *testing.T) {
	l := sampleLetter()
	pdf := render(t, l)
	text, err := lettertest.Text(pdf)
	if err != nil {
		t.Fatal(err)
	}
	got := norm(text)
	want := []string{
		l.Head.Office, l.Head.Agency, l.Head.Address, l.Head.Phone, l.Head.Email,
		l.Title, l.Number, l.Date, l.To, l.Intro, l.Closing, l.Signatory, l.Confidential,
	}
	for _, f := range l.Fields {
		want = append(want, f.Label, f.Value)
	}
	for _, w := range want {
		if !strings.Contains(got, norm(w)) {
			t.Errorf("text does not contain %q", norm(w))
		}
	}
	// A label and its value share a line, separated by the colon.
	for _, f := range l.Fields[:2] {
		if line := f.Label + " : " + f.Value; !strings.Contains(got, line) {
			t.Errorf("text does not contain %q", line)
		}
	}
	// Reading order follows the letter.
	order := []string{l.Head.Office, l.Title, l.Number, l.Date, "Direktur RSUD",
		"Dengan hormat", "Nama klien", "Layanan yang", "Demikian", l.Signatory}
	last := -1
	for _, w := range order {
		i := strings.Index(got, w)
		if i <= last {
			t.Errorf("%q is out of order (at %d, previous at %d)", w, i, last)
		}
		last = i
	}
	if ps := pages(t, pdf); len(ps) != 1 {
		t.Errorf("sample letter has %d pages, want 1", len(ps))
	}
}

func TestRenderOnlySelectedFields(t *testing.T) {
	all := []letter.Field{
		{Label: "Nama klien", Value: "Melati Quokka"},
		{Label: "NIK", Value: "3524019988776655"},
		{Label: "Alamat", Value: "Dusun Kembangbahu Wetan"},
		{Label: "Riwayat kesehatan", Value: "Catatan-rahasia-ZX81"},
	}
	l := sampleLetter()
	l.Fields = []letter.Field{all[0], all[2]} // the packet excludes NIK and health
	text, err := lettertest.Text(render(t, l))
	if err != nil {
		t.Fatal(err)
	}
	got := norm(text)
	for _, f := range l.Fields {
		if !strings.Contains(got, f.Label+" : "+f.Value) {
			t.Errorf("selected field %q missing", f.Label)
		}
	}
	for _, f := range []letter.Field{all[1], all[3]} {
		for _, s := range []string{f.Label, f.Value} {
			if strings.Contains(got, s) {
				t.Errorf("unselected %q appears in the letter", s)
			}
		}
	}
}

func TestRenderMultiPage(t *testing.T) {
	l := sampleLetter()
	l.Fields = nil
	for i := range 40 {
		var v strings.Builder
		for j := 0; v.Len() < 300; j++ {
			fmt.Fprintf(&v, "f%02dw%02d ", i, j)
		}
		l.Fields = append(l.Fields, letter.Field{
			Label: fmt.Sprintf("Isian ke-%d", i),
			Value: strings.TrimSpace(v.String()),
		})
	}
	pdf := render(t, l)
	ps := pages(t, pdf)
	if len(ps) < 3 {
		t.Fatalf("40 fields of 300 characters fit on %d pages; want at least 3", len(ps))
	}
	// Every page carries the footer, every page after the first the number;
	// the letterhead is on the first page only.
	var body strings.Builder
	for i, p := range ps {
		lines := strings.Split(strings.TrimSuffix(p, "\n"), "\n")
		if last := lines[len(lines)-1]; last != l.Confidential {
			t.Errorf("page %d ends with %q, want the footer %q", i+1, last, l.Confidential)
		}
		lines = lines[:len(lines)-1]
		if i > 0 {
			if lines[0] != l.Number {
				t.Errorf("page %d starts with %q, want the number %q", i+1, lines[0], l.Number)
			}
			lines = lines[1:]
			if strings.Contains(p, l.Head.Office) {
				t.Errorf("page %d repeats the letterhead", i+1)
			}
		}
		body.WriteString(strings.Join(lines, "\n") + "\n")
	}
	// With the page furniture taken out, the body reads on unbroken.
	got := norm(body.String())
	for _, f := range l.Fields {
		if want := f.Label + " : " + f.Value; !strings.Contains(got, want) {
			t.Errorf("field %q is not intact across pages", f.Label)
		}
	}
	if !strings.HasSuffix(got, norm(l.Closing+" "+l.Signatory)) {
		t.Errorf("letter does not end with closing and signatory: ...%q", got[max(0, len(got)-120):])
	}
}

// oddStrings are inputs a letter must survive.
var oddStrings = []string{
	"",
	" ",
	"\n\n\n",
	strings.Repeat("x", 5000), // one word, wider than any line
	strings.Repeat("Ab", 3000) + " " + strings.Repeat("é", 400),
	"nul\x00bel\x07esc\x1b[31mred\x1b[0m del\x7f c1\u0085\u009b",
	"tab\there\r\nwindows\rmac\u2028ls\u2029ps\f\vff",
	"emoji 😀👍🏽 family 👨‍👩‍👧 flag 🇮🇩 ✓ ☺",
	"combining e\u0301 a\u0308 and zero\u200bwidth\ufeffbom \u202eRTL override",
	"invalid \xff\xfe\xc0 utf8",
	"CJK 中文 Thai ภาษาไทย Arabic العربية Hebrew עברית Devanagari हिन्दी",
	"nbsp\u00a0here\u202fnarrow\u3000ideographic",
	"private \ue000 noncharacter \ufffe\uffff replacement \ufffd",
	strings.Repeat("kata ", 2000),
	strings.Repeat("\n", 500) + "after many newlines",
	strings.Repeat("a\n", 400),
	"(parens) [brackets] <angle> \\backslash% percent # hash /slash",
}

func oddLetter(s string) letter.Letter {
	return letter.Letter{
		Head:         letter.Letterhead{Office: s, Agency: s, Address: s, Phone: s, Email: s},
		Title:        s,
		Number:       s,
		Date:         s,
		To:           s,
		Intro:        s,
		Fields:       []letter.Field{{Label: s, Value: s}, {Label: "Label", Value: s}, {Label: s, Value: "Value"}, {}},
		Closing:      s,
		Signatory:    s,
		Confidential: s,
	}
}

func TestRenderOddStrings(t *testing.T) {
	if _, err := letter.Render(letter.Letter{}); err != nil {
		t.Fatalf("empty letter: %v", err)
	}
	for i, s := range oddStrings {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			pdf := render(t, oddLetter(s))
			text, err := lettertest.Text(pdf)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range text {
				if unicode.IsControl(r) && r != '\n' && r != '\f' {
					t.Fatalf("control character %U in text", r)
				}
			}
		})
	}
}

func TestRenderCleansText(t *testing.T) {
	l := letter.Letter{Fields: []letter.Field{
		{Label: "Kontrol", Value: "a\x00b\x07c\x1bd"},
		{Label: "Tanda", Value: "Kafe\u0301  dan\t\tteh"}, // decomposed é, runs of spaces
		{Label: "Emoji", Value: "senyum 😀 selesai"},
		{Label: "Baris", Value: "satu\r\ndua\rtiga"},
	}}
	ps := pages(t, render(t, l))
	text := strings.Join(ps, "")
	for _, want := range []string{
		"Kontrol : abcd\n",
		"Tanda : Kafé dan teh\n", // composed é
		"Emoji : senyum \uFFFD selesai\n",
		"Baris : satu\ndua\ntiga\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text does not contain %q:\n%s", want, text)
		}
	}
}

func TestRenderDeterministic(t *testing.T) {
	l := sampleLetter()
	a, b := render(t, l), render(t, l)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same letter differ")
	}
}

func TestRenderConcurrent(t *testing.T) {
	want := render(t, sampleLetter())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			l := sampleLetter()
			if i%2 == 1 {
				l = oddLetter(oddStrings[7]) // other glyphs, same shared fonts
			}
			got, err := letter.Render(l)
			if err != nil {
				errs <- err
				return
			}
			if i%2 == 0 && !bytes.Equal(got, want) {
				errs <- fmt.Errorf("render %d differs", i)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		l := oddLetter(a)
		l.Fields = append(l.Fields, letter.Field{Label: b, Value: a + b})
		l.Confidential = b
		pdf, err := letter.Render(l)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		if _, err := lettertest.Text(pdf); err != nil {
			t.Fatalf("lettertest.Text: %v", err)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	l := sampleLetter()
	size := 0
	for b.Loop() {
		pdf, err := letter.Render(l)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/letter")
}

func BenchmarkRenderLong(b *testing.B) {
	l := sampleLetter()
	for i := range 40 {
		l.Fields = append(l.Fields, letter.Field{
			Label: fmt.Sprintf("Isian ke-%d", i),
			Value: strings.Repeat("kata panjang ", 23),
		})
	}
	for b.Loop() {
		if _, err := letter.Render(l); err != nil {
			b.Fatal(err)
		}
	}
}

// Every character a letter is likely to contain reads back as itself, which
// checks the ToUnicode map the PDF carries for its glyphs.
func TestRenderRoundTripsCharacters(t *testing.T) {
	var b strings.Builder
	n := 0
	for _, rg := range [][2]rune{{0x21, 0x7e}, {0xa1, 0x17f}, {0x2010, 0x2027}, {0x2030, 0x205e}, {0x20ac, 0x20ac}, {0x2122, 0x2122}} {
		for r := rg[0]; r <= rg[1]; r++ {
			if !unicode.IsPrint(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
				continue
			}
			b.WriteRune(r)
			if n++; n%12 == 0 {
				b.WriteByte(' ')
			}
		}
	}
	want := b.String()
	text, err := lettertest.Text(render(t, letter.Letter{Intro: want}))
	if err != nil {
		t.Fatal(err)
	}
	if got := norm(text); got != norm(want) {
		t.Errorf("text does not read back:\ngot  %q\nwant %q", got, norm(want))
	}
}
