package web

import (
	"bytes"
	"html/template"
	"strings"
	"sync"
)

// desaOptionsTmpl is the desa list of the case page's location form, one
// optgroup per kecamatan: about 470 options in Lamongan. Executed per
// request it cost the case page a good part of its template time (a
// field lookup, a comparison and escaping per option); the options are
// the same for every case but the one marked selected, so they are
// rendered once and the mark is put in per request.
var desaOptionsTmpl = template.Must(template.New("desa").Parse(
	`{{range .}}<optgroup label="{{.Region.Name}}">{{range .Desa}}<option value="{{.Code}}">{{.Name}}</option>{{end}}</optgroup>{{end}}`))

type desaOptionList struct {
	once sync.Once
	html string
	err  error
}

// desaOptions returns the desa options with selected marked, as the
// template wrote them (TestDesaOptions).
func (s *Server) desaOptions(selected string) (template.HTML, error) {
	l := &s.desaOpts
	l.once.Do(func() {
		var b bytes.Buffer
		l.err = desaOptionsTmpl.Execute(&b, s.kecamatan())
		l.html = b.String()
	})
	if l.err != nil {
		return "", l.err
	}
	mark := `<option value="` + template.HTMLEscapeString(selected) + `"`
	if selected == "" || !strings.Contains(l.html, mark+">") {
		return template.HTML(l.html), nil
	}
	return template.HTML(strings.Replace(l.html, mark+">", mark+" selected>", 1)), nil
}
