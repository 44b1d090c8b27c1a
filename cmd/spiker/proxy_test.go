package main

import (
	"net/http"
	"testing"
)

func TestClientAddrBehindProxies(t *testing.T) {
	proxies, err := parseProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseProxies("bukan-alamat"); err == nil {
		t.Fatal("a bad proxy list was accepted")
	}
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},                   // not from a proxy: the header is ignored
		{"127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},                    // from the proxy: its client
		{"127.0.0.1:5000", "6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"}, // a forged left part is not believed
		{"127.0.0.1:5000", "", "127.0.0.1"},                                   // no header: the proxy itself
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := rateLimitAddr(r, proxies); got != tc.want {
			t.Errorf("%s with %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if got := rateLimitAddr(&http.Request{RemoteAddr: "127.0.0.1:1", Header: http.Header{"X-Forwarded-For": {"1.2.3.4"}}}, nil); got != "127.0.0.1" {
		t.Fatalf("without trusted proxies: %s", got)
	}
}
