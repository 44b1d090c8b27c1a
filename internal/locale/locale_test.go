package locale

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogsComplete(t *testing.T) {
	def := Get(Default)
	if len(def) == 0 {
		t.Fatal("default catalog is empty")
	}
	for _, lang := range Languages() {
		c := Get(lang)
		for k, v := range def {
			if strings.TrimSpace(c[k]) == "" {
				t.Errorf("%s: missing or empty key %q", lang, k)
			}
			if countVerbs(v) != countVerbs(c[k]) {
				t.Errorf("%s: key %q has %d format verbs, %s has %d", lang, k, countVerbs(c[k]), Default, countVerbs(v))
			}
		}
		for k := range c {
			if _, ok := def[k]; !ok {
				t.Errorf("%s: key %q is not in the %s catalog", lang, k, Default)
			}
		}
	}
	if got := Languages(); len(got) < 2 || got[0] != "id" || got[1] != "en" {
		t.Errorf("Languages() = %v, want id first and en", got)
	}
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func countVerbs(s string) int { return len(verb.FindAllString(s, -1)) }

// Every key the templates and Go code use exists: those passed to the
// translation functions, and the message keys of validation errors.
func TestKeysUsedExist(t *testing.T) {
	used := regexp.MustCompile(`(?:\{\{-?\s*t|\bT\(|\.Text\()\s*"([a-z0-9_.]*[a-z0-9_])"|"([a-z]+\.err\.[a-z_]+)"`)
	dir := filepath.Join("..", "..")
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".go")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			n++
			key := m[1] + m[2]
			if _, ok := Get(Default)[key]; !ok {
				t.Errorf("%s uses key %q, which no catalog has", p, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("found no key uses: the pattern is out of date")
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "id",
		"en-US,en;q=0.9":          "en",
		"id-ID,id;q=0.9,en;q=0.8": "id",
		"in-ID":                   "id",
		"fr-FR,en;q=0.5":          "en",
		"de, fr;q=0.8":            "id",
		"en;q=0.2, id;q=0.9":      "id",
		"en;q=bogus, id;q=0.1":    "id",
		"EN-GB":                   "en",
	} {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestText(t *testing.T) {
	if got := (Printer{Lang: "xx"}).Text("app.name"); got != Get(Default)["app.name"] {
		t.Errorf("unknown language did not fall back: %q", got)
	}
	if got := (Printer{Lang: "en"}).Text("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
}
