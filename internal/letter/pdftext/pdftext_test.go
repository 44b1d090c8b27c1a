package pdftext_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/letter/pdftext"
)

func TestTextReadsLetter(t *testing.T) {
	pdf, err := letter.Render(letter.Letter{
		Head:   letter.Letterhead{Office: "Kantor Uji"},
		Title:  "SURAT PELIMPAHAN",
		Number: "P-0001/2026",
		Fields: []letter.Field{
			{Label: "Nama", Value: "Ayu “Kembang” Séruni – 17 tahun"},
			{Label: "Catatan", Value: "baris satu\nbaris dua"},
		},
		Confidential: "RAHASIA",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := pdftext.Text(pdf)
	if err != nil {
		t.Fatal(err)
	}
	want := "Kantor Uji\n" +
		"SURAT PELIMPAHAN\n" +
		"P-0001/2026\n" +
		"Nama : Ayu “Kembang” Séruni – 17 tahun\n" +
		"Catatan : baris satu\n" +
		"baris dua\n" +
		"RAHASIA\n"
	if got != want {
		t.Errorf("Text =\n%s\nwant\n%s", got, want)
	}
}

func TestTextSeparatesPages(t *testing.T) {
	l := letter.Letter{Number: "N-1", Confidential: "F"}
	for range 200 {
		l.Fields = append(l.Fields, letter.Field{Label: "L", Value: "V"})
	}
	pdf, err := letter.Render(l)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := pdftext.Pages(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 2 {
		t.Fatalf("got %d pages, want several", len(pages))
	}
	text, err := pdftext.Text(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(pages, "\f\n"); text != want {
		t.Error("Text is not the pages joined by a form feed line")
	}
	if n := strings.Count(text, "\n\f\n"); n != len(pages)-1 {
		t.Errorf("%d page separators for %d pages", n, len(pages))
	}
}

func TestTextRejectsMalformed(t *testing.T) {
	good, err := letter.Render(letter.Letter{Title: "X"})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"nil":       nil,
		"text":      []byte("not a pdf at all"),
		"header":    []byte("%PDF-1.7\n"),
		"truncated": good[:len(good)/2],
		"garbled":   bytes.ReplaceAll(good, []byte("obj"), []byte("jbo")),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := pdftext.Text(in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, pdftext.ErrMalformed) {
				t.Errorf("error %v is not ErrMalformed", err)
			}
		})
	}
}

func FuzzText(f *testing.F) {
	good, err := letter.Render(letter.Letter{Title: "X", Fields: []letter.Field{{Label: "a", Value: "b"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("%PDF-1.4\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = pdftext.Text(data) // must not panic
	})
}
