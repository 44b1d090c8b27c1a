package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages are the parsed templates, per language: each page is its layout
// plus its own file, with "t" bound to that language's catalog. A page is
// parsed the first time it is shown: each carries its own copy of the
// layout and every partial (html/template's Clone copies the trees, and
// escaping rewrites them), about 0.6 MB a page, so parsing all of them
// for both languages at start held ~58 MB that an office never shows
// (most pages in the second language). Every page is parsed once at start
// all the same, and dropped, so that a broken template still stops the
// program from starting.
type pages struct {
	bases map[string]map[string]*template.Template // language → layout → layout with the partials, never executed
	mu    sync.Mutex
	ready sync.Map // language + "/" + page → *template.Template
}

// page returns a language's page, parsing it on first use.
func (p *pages) page(lang, name string) (*template.Template, error) {
	key := lang + "/" + name
	if t, ok := p.ready.Load(key); ok {
		return t.(*template.Template), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.ready.Load(key); ok {
		return t.(*template.Template), nil
	}
	t, err := p.parse(lang, name)
	if err != nil {
		return nil, err
	}
	p.ready.Store(key, t)
	return t, nil
}

func (p *pages) parse(lang, name string) (*template.Template, error) {
	base := p.bases[lang]["layout.html"]
	if strings.HasPrefix(name, "staff_") {
		base = p.bases[lang]["staff_layout.html"]
	}
	if base == nil {
		return nil, fmt.Errorf("no templates for language %q", lang)
	}
	t, err := base.Clone()
	if err != nil {
		return nil, err
	}
	return t.ParseFS(templateFiles, "templates/"+name)
}

// staticVersion is a hash of the static files, added to their URLs so that
// browsers may cache them forever and still get a new version at once.
var staticVersion = func() string {
	h := sha256.New()
	fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFiles.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

func mustParsePages(zone *time.Location, regionName func(code string) string) *pages {
	entries, err := fs.ReadDir(templateFiles, "templates")
	if err != nil {
		panic(err)
	}
	p := &pages{bases: map[string]map[string]*template.Template{}}
	for _, lang := range locale.Languages() {
		funcs := template.FuncMap{
			// local shows a time of day in the deployment's zone ("06:57 WIB");
			// dates go through date, when and whenShort.
			"local": func(t time.Time, layout string) string { return t.In(zone).Format(layout + " MST") },
			"t":     locale.Printer{Lang: lang}.Text,
			// weekday names a time's day in the page's language.
			"weekday": func(t time.Time) string {
				return locale.Printer{Lang: lang}.Text("day." + strconv.Itoa(int(t.In(zone).Weekday())))
			},
			"static": func(name string) string { return "/static/" + name + "?v=" + staticVersion },
			"has":    func(list []string, v string) bool { return slices.Contains(list, v) },
			"status": func(st spiker.ReportStatus) string { return st.TextKey() },
			// day writes a YYYY-MM-DD date in full ("7 Desember 2026");
			// date does the same for a time, in the deployment's zone.
			"day":  func(d string) string { return longDay(lang, d) },
			"date": func(t time.Time) string { return longDate(lang, t.In(zone)) },
			// when writes a moment in full ("7 Desember 2026 21:05 WIB"),
			// whenExact with seconds, whenShort compactly for lists
			// ("7 Des 21:05 WIB").
			"when":      func(t time.Time) string { return longDateTime(lang, t.In(zone), false) },
			"whenExact": func(t time.Time) string { return longDateTime(lang, t.In(zone), true) },
			"whenShort": func(t time.Time) string { return shortDateTime(lang, t.In(zone)) },
			// region names a region code ("Sukodadi", "Sumberaji, Sukodadi").
			"region": regionName,
			// nip writes a NIP as letters do ("19800101 200501 1 001").
			"nip": spiker.FormatNIP,
			// rupiah writes an amount as "Rp 25.000.000".
			"rupiah": formatRupiah,
			// protectForm hands a protection form the page's data (D) and
			// the record it edits (R).
			"protectForm": func(d map[string]any, rec any) map[string]any { return map[string]any{"D": d, "R": rec} },
			// step and caseStatus name a case's step and status in the
			// page's language.
			"step": func(st string) string {
				return locale.Printer{Lang: lang}.Text("case.step." + strings.ReplaceAll(st, " ", "_"))
			},
			// ampk shows an AMPK category's exact label in the page's
			// language.
			"ampk": func(label string) string {
				if k := ampkKey(label); k != "" {
					return locale.Printer{Lang: lang}.Text(k)
				}
				return label
			},
			// auditAction, auditKind, auditRoles, auditReason and auditActor name the
			// audit log's codes (audit_view.go).
			"auditAction": func(code string) string { return auditName(lang, "audit.action.", code) },
			"auditKind":   func(kind string) string { return auditName(lang, "audit.kind.", kind) },
			"auditRoles":  func(roles string) string { return auditRoles(lang, roles) },
			"auditReason": func(reason string) string { return auditReason(lang, reason) },
			"auditActor":  func(id int64, username string) string { return auditActor(lang, id, username) },
			"caseStatus": func(st string) string {
				return locale.Printer{Lang: lang}.Text("case.status." + strings.ReplaceAll(st, " ", "_"))
			},
		}
		// Public pages share layout.html; back-office pages (staff_*.html)
		// share staff_layout.html.
		bases := map[string]*template.Template{}
		for _, layout := range []string{"layout.html", "staff_layout.html"} {
			// Partials (part_*.html) are shared by both layouts.
			bases[layout] = template.Must(template.New(layout).Funcs(funcs).ParseFS(templateFiles, "templates/"+layout, "templates/part_*.html"))
		}
		p.bases[lang] = bases
	}
	// Check every page now (one language suffices: both parse the same
	// files with the same functions), keeping none.
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" || name == "staff_layout.html" || strings.HasPrefix(name, "part_") {
			continue
		}
		template.Must(p.parse(locale.Languages()[0], name))
	}
	return p
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	lang := locale.Match(r.Header.Get("Accept-Language"))
	if data == nil {
		data = map[string]any{}
	}
	data["Lang"] = lang
	data["ExitURL"] = s.ExitURL
	data["Help"] = s.officeHelp(r)
	var buf bytes.Buffer
	t, err := s.pages.page(lang, name)
	if err == nil {
		err = t.Execute(&buf, data)
	}
	if err != nil {
		s.renderFailed(w, name, err)
		return
	}
	writeHTML(w, lang, status, compressionSafe(r, name, data), buf.Bytes())
}

// writeHTML sends a rendered page, in parts that are written one after
// the other (the cached report form and its token).
func writeHTML(w http.ResponseWriter, lang string, status int, compressible bool, parts ...[]byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.Header().Set("Vary", "Accept-Language")
	if compressible {
		allowCompression(w)
	}
	w.WriteHeader(status)
	for _, p := range parts {
		w.Write(p)
	}
}

func (s *Server) renderFailed(w http.ResponseWriter, name string, err error) {
	s.Logger.Error("rendering page", "page", name, "err", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte("internal error\n"))
}

// staticHandler serves the embedded static files. Versioned URLs are cached
// for a year; the files hold nothing private.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		if r.URL.Query().Get("v") == staticVersion {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}
