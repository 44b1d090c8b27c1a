package spiker_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/spikerperak/spiker"

// adapters serve the domain to people and keep it: they import the domain
// and the infrastructure (internal/notify, the external channels, among
// it), never each other (ARCHITECTURE.md). Test helpers (packages ending in
// "test") may import what they help test.
var adapters = map[string]bool{"internal/store": true, "internal/web": true, "internal/api": true}

// TestImportRule keeps the package picture of ARCHITECTURE.md: the domain
// imports nothing of ours; infrastructure never imports an adapter or the
// binary; adapters never import each other; only cmd/spiker wires.
func TestImportRule(t *testing.T) {
	imports := packageImports(t)
	for _, pkg := range []string{".", "cmd/spiker", "internal/store", "internal/web"} {
		if _, ok := imports[pkg]; !ok {
			t.Fatalf("package %s not found: the walk is broken", pkg)
		}
	}
	for pkg, deps := range imports {
		for _, dep := range deps {
			var broken string
			switch {
			case pkg == ".":
				broken = "the domain imports nothing of ours"
			case strings.HasPrefix(dep, "cmd/"):
				broken = "nothing imports the binary"
			case strings.HasSuffix(pkg, "test"):
				// A test helper may import its package.
			case adapters[pkg] && adapters[dep]:
				broken = "adapters never import each other: they meet through the domain's interfaces, wired by cmd/spiker"
			case !adapters[pkg] && !strings.HasPrefix(pkg, "cmd/") && adapters[dep]:
				broken = "infrastructure never imports an adapter"
			}
			if broken != "" {
				t.Errorf("%s imports %s: %s", pkg, dep, broken)
			}
		}
	}
}

// packageImports maps each package directory of the module (relative,
// "." for the root) to the module's packages its non-test files import.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if p == module || strings.HasPrefix(p, module+"/") {
				out[pkg] = append(out[pkg], strings.TrimPrefix(strings.TrimPrefix(p, module), "/"))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
