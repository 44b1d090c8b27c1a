package web

import "testing"

func TestRequestedPlace(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"Tempat: Warung Bu Sri\nWaktu: Kamis jam 10", "Warung Bu Sri"},
		{"Tempat: \nWaktu: besok", "Tempat: \nWaktu: besok"},
		{"di masjid dekat pasar, sore", "di masjid dekat pasar, sore"},
	} {
		if got := requestedPlace(tc.body); got != tc.want {
			t.Errorf("requestedPlace(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
