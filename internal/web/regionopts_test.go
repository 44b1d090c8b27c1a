package web

import (
	"bytes"
	"html/template"
	"testing"
)

// TestDesaOptions checks the cached desa list against the template it
// replaced, with a desa selected, a kecamatan's code (no desa) and none.
func TestDesaOptions(t *testing.T) {
	s, _ := newTestServer(t, nil)
	old := template.Must(template.New("old").Parse(`{{$sel := .Sel}}{{range .K}}<optgroup label="{{.Region.Name}}">{{range .Desa}}<option value="{{.Code}}"{{if eq .Code $sel}} selected{{end}}>{{.Name}}</option>{{end}}</optgroup>{{end}}`))
	desa := s.kecamatan()[3].Desa[2].Code
	for _, sel := range []string{desa, s.kecamatan()[0].Region.Code, ""} {
		var want bytes.Buffer
		if err := old.Execute(&want, map[string]any{"Sel": sel, "K": s.kecamatan()}); err != nil {
			t.Fatal(err)
		}
		got, err := s.desaOptions(sel)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
			t.Fatalf("selected %q: the cached list differs from the template's (%d and %d bytes)", sel, len(got), want.Len())
		}
	}
	if got, _ := s.desaOptions(desa); bytes.Count([]byte(got), []byte(" selected")) != 1 {
		t.Fatal("not exactly one desa selected")
	}
}
