package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"

	"github.com/spikerperak/spiker/internal/locale"
)

// formPages caches the empty report form (GET /) once per language. The
// page is the same for every visitor but its one-time token: executing
// the template walks the region lists by reflection (~5 ms a request,
// most of the page's cost), so it is rendered once with a placeholder and
// split there, and each request writes the two halves around a fresh
// token. The page has no other per-request value: the CSP is a constant
// without nonces, a fresh token has no uploads yet, and the office's help
// box (the only thing from the settings) is part of the cache key, so a
// changed phone number renders the page again (officeHelp rereads the
// settings every minute).
type formPages struct {
	mu     sync.Mutex
	byLang map[string]*formPage
}

type formPage struct {
	help          helpView    // what the help box showed when rendered
	before, after []byte      // the page around the token
	gz            *gzipSplice // the same, compressed (formgzip.go)
}

// tokenPlaceholder stands for the token while the page renders. Like a
// token it is base64url, which no template context escapes, so the page
// with the token spliced in is the page rendered with that token, byte
// for byte (TestReportFormCache).
const tokenPlaceholder = "FORMxTOKENxPLACEHOLDERxx"

// reportPage serves the empty report form with a fresh one-time token.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	lang := locale.Match(r.Header.Get("Accept-Language"))
	page, err := s.cachedReportForm(r, lang)
	if err != nil {
		s.renderFailed(w, "report.html", err)
		return
	}
	// Compressible: the empty form reflects nothing from the request
	// (compressionSafe says the same for the uncached render).
	token := []byte(s.newToken())
	if page.gz != nil && r.Method == http.MethodGet && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		page.gz.write(w, lang, token)
		return
	}
	writeHTML(w, lang, http.StatusOK, true, page.before, token, page.after)
}

// cachedReportForm returns the language's empty form, rendering it when
// missing or when the help box changed.
func (s *Server) cachedReportForm(r *http.Request, lang string) (*formPage, error) {
	help := s.officeHelp(r)
	s.formPages.mu.Lock()
	page := s.formPages.byLang[lang]
	s.formPages.mu.Unlock()
	if page != nil && page.help == *help {
		return page, nil
	}
	var buf bytes.Buffer
	data := s.reportFormData(&reportForm{Token: tokenPlaceholder, Contact: "tidak"})
	data["Lang"], data["ExitURL"], data["Help"] = lang, s.ExitURL, help
	t, err := s.pages.page(lang, "report.html")
	if err != nil {
		return nil, err
	}
	if err := t.Execute(&buf, data); err != nil {
		return nil, err
	}
	before, after, ok := bytes.Cut(buf.Bytes(), []byte(tokenPlaceholder))
	if !ok || bytes.Contains(after, []byte(tokenPlaceholder)) {
		return nil, fmt.Errorf("the report form shows its token %d times, not once", bytes.Count(buf.Bytes(), []byte(tokenPlaceholder)))
	}
	gz, err := newGzipSplice(before, after)
	if err != nil {
		return nil, err
	}
	page = &formPage{help: *help, before: before, after: after, gz: gz}
	s.formPages.mu.Lock()
	if s.formPages.byLang == nil {
		s.formPages.byLang = map[string]*formPage{}
	}
	s.formPages.byLang[lang] = page
	s.formPages.mu.Unlock()
	return page, nil
}
