package api

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The OpenAPI file documents exactly the routes the handler serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, f := range []string{"api.go", "staff.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	documented := map[string]bool{}
	var path string
	for _, line := range strings.Split(string(doc), "\n") {
		if m := regexp.MustCompile(`^  (/api/v1/\S*):$`).FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := regexp.MustCompile(`^    (get|post|put|delete|patch):$`).FindStringSubmatch(line); m != nil && path != "" {
			documented[strings.ToUpper(m[1])+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, m := range regexp.MustCompile(`mux\.HandleFunc\("(GET|POST|PUT|DELETE|PATCH) (/api/v1/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		served[m[1]+" "+m[2]] = true
	}
	for _, rt := range (&Server{}).StaffRoutes() {
		served[rt.Method+" "+rt.Path] = true
	}
	if len(served) < 4 {
		t.Fatalf("found only %d routes in api.go", len(served))
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("%s is served but not in api/openapi.yaml", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("%s is in api/openapi.yaml but not served", r)
		}
	}
}
