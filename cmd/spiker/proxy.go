package main

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// parseProxies reads SPIKER_TRUSTED_PROXIES: addresses or CIDR ranges,
// separated by commas.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("SPIKER_TRUSTED_PROXIES: %q is not an address or a range such as 10.0.0.0/8", f)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("SPIKER_TRUSTED_PROXIES: %q is not an address or a range such as 10.0.0.0/8", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func trusted(addr string, proxies []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// rateLimitAddr is the client's address for rate limits: the connection's,
// or, when it comes from a trusted proxy, the nearest address in
// X-Forwarded-For that is not itself a trusted proxy (what a client puts
// further left cannot be believed). It is only ever hashed, never kept.
func rateLimitAddr(r *http.Request, proxies []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(proxies) == 0 || !trusted(host, proxies) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		if !trusted(h, proxies) {
			return h
		}
	}
	return host
}

// httpsDetector says whether a request reached us over https although the
// server itself sees plain HTTP behind a TLS proxy: always when the
// configured public address is https (the program is then reached only
// through it, the back office too), otherwise when a trusted proxy says so
// in X-Forwarded-Proto. A client's own X-Forwarded-Proto is never believed.
func httpsDetector(publicURL string, proxies []netip.Prefix) func(*http.Request) bool {
	declared := strings.HasPrefix(publicURL, "https://")
	return func(r *http.Request) bool {
		if declared {
			return true
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil || !trusted(host, proxies) {
			return false
		}
		// The proxy nearest us writes the last value.
		protos := strings.Split(strings.Join(r.Header.Values("X-Forwarded-Proto"), ","), ",")
		return strings.EqualFold(strings.TrimSpace(protos[len(protos)-1]), "https")
	}
}
