package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// letterheadOnly answers the help box's one question of the network
// service; the rest of the interface stays nil (never called here).
type letterheadOnly struct {
	spiker.Network
	mu sync.Mutex
	l  spiker.Letterhead
}

func (n *letterheadOnly) Letterhead(context.Context) (*spiker.Letterhead, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := n.l
	return &l, nil
}

var tokenInput = regexp.MustCompile(`name="token" value="([A-Za-z0-9_-]+)"`)

// TestReportFormCache checks that the cached empty form is, byte for byte,
// the form rendered afresh with the same token, in each language; that
// every request gets its own token; and that a changed office phone
// (settings, reread every minute) shows on the cached page.
func TestReportFormCache(t *testing.T) {
	s, _ := newTestServer(t, nil)
	now := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s.Clock = spiker.NewClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, nil)
	net := &letterheadOnly{l: spiker.Letterhead{Office: "UPTD PPA Kabupaten Lamongan", Phone: "(0322) 321 456", WhatsApp: "0812-3000-4000"}}
	s.Network = net
	h := s.Handler(Public)

	check := func(lang, wantPhone string) {
		t.Helper()
		header := map[string]string{"Accept-Language": lang}
		first, second := do(h, "GET", "/", header), do(h, "GET", "/", header)
		m1, m2 := tokenInput.FindStringSubmatch(first.Body.String()), tokenInput.FindStringSubmatch(second.Body.String())
		if first.Code != 200 || m1 == nil || m2 == nil || m1[1] == m2[1] {
			t.Fatalf("%s: status %d, tokens %v %v: each request needs its own token", lang, first.Code, m1, m2)
		}
		if _, err := spiker.SubmissionToken(spiker.TokenForm, m1[1]); err != nil || spiker.FormTokenExpired(m1[1], s.Clock.Now()) {
			t.Fatalf("%s: the token %q is not a fresh form token: %v", lang, m1[1], err)
		}
		// The same form rendered afresh with the first response's token.
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Language", lang)
		fresh := httptest.NewRecorder()
		s.renderReportForm(fresh, req, http.StatusOK, &reportForm{Token: m1[1], Contact: "tidak"})
		if fresh.Body.String() != first.Body.String() {
			t.Fatalf("%s: the cached form differs from a fresh render:\ncached %d bytes, fresh %d bytes", lang, first.Body.Len(), fresh.Body.Len())
		}
		for _, k := range []string{"Content-Type", "Content-Language", "Vary"} {
			if first.Header().Get(k) != fresh.Header().Get(k) {
				t.Errorf("%s: header %s: cached %q, fresh %q", lang, k, first.Header().Get(k), fresh.Header().Get(k))
			}
		}
		if !strings.Contains(first.Body.String(), wantPhone) {
			t.Fatalf("%s: the help box does not show %s", lang, wantPhone)
		}
	}
	check("id", "(0322) 321 456")
	check("en", "(0322) 321 456")

	// The office changes its phone: after officeHelp's minute, the page
	// shows the new one.
	net.mu.Lock()
	net.l.Phone = "(0322) 999 888"
	net.mu.Unlock()
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	check("id", "(0322) 999 888")
	check("en", "(0322) 999 888")
}

// BenchmarkReportForm compares GET / (the cached form and a fresh token)
// with rendering the same form through its template on each request.
func BenchmarkReportForm(b *testing.B) {
	s, _ := newTestServer(&testing.T{}, nil)
	s.Network = &letterheadOnly{l: spiker.Letterhead{Office: "UPTD PPA Kabupaten Lamongan", Phone: "(0322) 321 456"}}
	h := s.Handler(Public)
	req := httptest.NewRequest("GET", "/", nil)
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
	b.Run("template", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.renderReportForm(httptest.NewRecorder(), req, http.StatusOK, &reportForm{Token: s.newToken(), Contact: "tidak"})
		}
	})
}
