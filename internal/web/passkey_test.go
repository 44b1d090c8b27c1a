package web

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"

	"github.com/spikerperak/spiker"
)

// Passkeys are bound to the configured back office address; without one,
// only to a localhost address (a developer's machine), never to whatever
// host a request names.
func TestPasskeyRelyingParty(t *testing.T) {
	type users struct{ spiker.Users }
	cases := []struct {
		url, host string
		tls       bool
		want      spiker.RelyingParty
		ok        bool
	}{
		{"https://staf.dinas.go.id", "staf.dinas.go.id", true, spiker.RelyingParty{ID: "staf.dinas.go.id", Origin: "https://staf.dinas.go.id"}, true},
		// The configured address wins over the Host header a request sends.
		{"https://staf.dinas.go.id:8443/", "evil.example", false, spiker.RelyingParty{ID: "staf.dinas.go.id", Origin: "https://staf.dinas.go.id:8443"}, true},
		{"", "localhost:8080", false, spiker.RelyingParty{ID: "localhost", Origin: "http://localhost:8080"}, true},
		{"", "staf.localhost", true, spiker.RelyingParty{ID: "staf.localhost", Origin: "https://staf.localhost"}, true},
		{"", "127.0.0.1:8080", false, spiker.RelyingParty{}, false},
		{"", "staf.dinas.go.id", true, spiker.RelyingParty{}, false},
		{"ftp://staf.dinas.go.id", "staf.dinas.go.id", false, spiker.RelyingParty{}, false},
	}
	for _, c := range cases {
		s := &Server{Services: spiker.Services{Users: users{}}, PasskeyURL: c.url}
		r := httptest.NewRequest("GET", "/staf/masuk", nil)
		r.Host = c.host
		if !c.tls {
			r.TLS = nil
		} else {
			r.TLS = &tls.ConnectionState{}
		}
		got, ok := s.relyingParty(r)
		got.Name = ""
		if ok != c.ok || got != c.want {
			t.Errorf("%q at %q: %+v %v, want %+v %v", c.url, c.host, got, ok, c.want, c.ok)
		}
	}
	if _, ok := (&Server{}).relyingParty(httptest.NewRequest("GET", "http://localhost/", nil)); ok {
		t.Error("passkeys without a passkey service")
	}
}
