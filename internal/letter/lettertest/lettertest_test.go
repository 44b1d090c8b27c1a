package lettertest_test

import (
	"bytes"
	"testing"

	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
)

func TestTextRefusesGarbage(t *testing.T) {
	good, err := letter.Render(letter.Letter{Title: "X"})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"nil":       nil,
		"text":      []byte("not a pdf at all"),
		"header":    []byte("%PDF-1.7\n"),
		"truncated": good[:len(good)/2],
		"garbled":   bytes.ReplaceAll(good, []byte("obj"), []byte("jbo")), // the library panics on this one
	} {
		if _, err := lettertest.Text(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
