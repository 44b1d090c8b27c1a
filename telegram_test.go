package spiker_test

import (
	"testing"

	"github.com/spikerperak/spiker"
)

func TestLinkCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := spiker.NewLinkCode()
		if got, ok := spiker.ParseLinkCode(c); !ok || got != c {
			t.Fatalf("a new code %q does not read back: %q %v", c, got, ok)
		}
		seen[c] = true
	}
	if len(seen) < 200 {
		t.Fatalf("%d distinct codes of 200", len(seen))
	}
	for in, want := range map[string]string{
		"K7QM4XPA": "K7QM4XPA", "k7qm-4xpa": "K7QM4XPA", " K7QM 4XPA ": "K7QM4XPA", "k7 qm 4x pa": "K7QM4XPA",
		"K7QM4XP": "", "K7QM4XPAB": "", "K7QM4XP0": "", "K7QM4XPI": "", "K7QM4XPÅ": "", "": "", "TOLONG SAYA": "",
		"K7QM4XPA\n": "K7QM4XPA", "--------------------------------K7QM4XPA": "",
	} {
		got, ok := spiker.ParseLinkCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
}
