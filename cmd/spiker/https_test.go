package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// httpsProbe files a report and opens it at /cek with extra headers, as a
// TLS proxy in front would send them; it returns the HSTS header and the cookie.
func httpsProbe(t *testing.T, m *Main, header http.Header) (hsts string, cookie *http.Cookie) {
	t.Helper()
	p := newPortal(t, m)
	_, form := p.get("/")
	_, page := p.report(validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
	receipt := receiptRE.FindStringSubmatch(page)
	if receipt == nil {
		t.Fatal("no receipt")
	}
	req, _ := http.NewRequest("POST", p.base+"/cek", strings.NewReader(url.Values{"receipt": {receipt[1]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, _ := p.do(req)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("receipt: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	return resp.Header.Get("Strict-Transport-Security"), resp.Cookies()[0]
}

// Behind a TLS proxy the cookies are Secure and __Host- and HSTS is sent
// when the public address is https or a trusted proxy says https; a
// client's own X-Forwarded-Proto is not believed.
func TestHTTPSBehindProxy(t *testing.T) {
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	for _, tc := range []struct {
		name          string
		publicURL     string
		proxies       string
		header        http.Header
		secure        bool
		wantHSTSEmpty bool
	}{
		{"trusted proxy says https", "", "127.0.0.1", https, true, false},
		{"trusted proxy says http", "", "127.0.0.1", http.Header{"X-Forwarded-Proto": {"http"}}, false, true},
		{"a client says https", "", "10.0.0.0/8", https, false, true},
		{"no proxy at all, a client says https", "", "", https, false, true},
		{"the public address is https", "https://lapor.example.go.id", "", nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.PublicURL, c.TrustedProxies = tc.publicURL, tc.proxies })
			hsts, c := httpsProbe(t, m, tc.header)
			if c.Secure != tc.secure || strings.HasPrefix(c.Name, "__Host-") != tc.secure {
				t.Errorf("cookie %s secure=%v, want secure %v", c.Name, c.Secure, tc.secure)
			}
			if (hsts == "") != tc.wantHSTSEmpty {
				t.Errorf("HSTS %q", hsts)
			}
		})
	}
}
