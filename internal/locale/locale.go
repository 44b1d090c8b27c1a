// Package locale holds the user interface's message catalogs: Bahasa
// Indonesia first, English second, more languages by adding a catalog file.
// Every catalog must have every key (a test enforces it), so a page never
// shows a bare key.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed catalogs/*.json
var files embed.FS

// Default is the language of the office and of every page unless the user
// asks for another.
const Default = "id"

// Catalog maps message keys to text in one language.
type Catalog map[string]string

var catalogs = mustLoad()

func mustLoad() map[string]Catalog {
	entries, err := files.ReadDir("catalogs")
	if err != nil {
		panic(err)
	}
	out := map[string]Catalog{}
	for _, e := range entries {
		b, err := files.ReadFile(path.Join("catalogs", e.Name()))
		if err != nil {
			panic(err)
		}
		var c Catalog
		if err := json.Unmarshal(b, &c); err != nil {
			panic(fmt.Sprintf("locale: %s: %v", e.Name(), err))
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = c
	}
	return out
}

// Languages returns the available language tags, the default first.
func Languages() []string {
	var out []string
	for tag := range catalogs {
		if tag != Default {
			out = append(out, tag)
		}
	}
	sort.Strings(out)
	return append([]string{Default}, out...)
}

// Get returns the catalog for a language tag, or nil.
func Get(tag string) Catalog { return catalogs[tag] }

// Printer translates keys into one language.
type Printer struct{ Lang string }

// Text returns the message for key, formatted with args (fmt verbs). A
// missing key falls back to the default language, then to the key itself.
func (p Printer) Text(key string, args ...any) string {
	msg, ok := catalogs[p.Lang][key]
	if !ok {
		msg, ok = catalogs[Default][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Match picks the best available language for an Accept-Language header
// value, or Default.
func Match(acceptLanguage string) string {
	best, bestQ := Default, 0.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if base == "in" { // the old code for Indonesian, still sent by some phones
			base = "id"
		}
		if _, ok := catalogs[base]; ok && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
