package web

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/locale"
)

// auditSource is the program's non-test source as far as the audit log is
// concerned: the store, which alone writes audit entries (its unexported
// audit method), and the root package, whose permission names some
// actions are built from ("report.read" + ".denied").
type auditSource struct {
	fset      *token.FileSet
	funcs     map[string][]*ast.FuncDecl // by name, store only
	calls     map[string][]callSite      // calls by the called function's name
	consts    map[string]string          // store's string constants
	rootConst map[string]string          // spiker.X string constants
}

type callSite struct {
	call *ast.CallExpr
	in   *ast.FuncDecl
}

func parseAuditSource(t *testing.T) *auditSource {
	t.Helper()
	src := &auditSource{fset: token.NewFileSet(), funcs: map[string][]*ast.FuncDecl{}, calls: map[string][]callSite{},
		consts: map[string]string{}, rootConst: map[string]string{}}
	for dir, consts := range map[string]map[string]string{filepath.Join("..", "store"): src.consts, filepath.Join("..", ".."): src.rootConst} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(src.fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			src.collect(f, consts, dir == filepath.Join("..", "store"))
		}
	}
	return src
}

func (src *auditSource) collect(f *ast.File, consts map[string]string, store bool) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok != token.CONST {
				continue
			}
			for _, spec := range d.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		case *ast.FuncDecl:
			if !store || d.Body == nil {
				continue
			}
			src.funcs[d.Name.Name] = append(src.funcs[d.Name.Name], d)
			ast.Inspect(d.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					switch fn := call.Fun.(type) {
					case *ast.Ident:
						src.calls[fn.Name] = append(src.calls[fn.Name], callSite{call, d})
					case *ast.SelectorExpr:
						src.calls[fn.Sel.Name] = append(src.calls[fn.Sel.Name], callSite{call, d})
					}
				}
				return true
			})
		}
	}
}

// values returns every string expr can have inside fd: literals,
// constants, sums of them, and parameters and local variables followed to
// every value given to them. Anything else is an error naming the place,
// so a new way of building an action cannot slip past the catalog.
func (src *auditSource) values(expr ast.Expr, fd *ast.FuncDecl, seen map[string]bool) ([]string, error) {
	switch e := expr.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			v, err := strconv.Unquote(e.Value)
			return []string{v}, err
		}
	case *ast.ParenExpr:
		return src.values(e.X, fd, seen)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			break
		}
		left, err := src.values(e.X, fd, seen)
		if err != nil {
			return nil, err
		}
		right, err := src.values(e.Y, fd, seen)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, l := range left {
			for _, r := range right {
				out = append(out, l+r)
			}
		}
		return out, nil
	case *ast.CallExpr: // a conversion: string(perm)
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "string" && len(e.Args) == 1 {
			return src.values(e.Args[0], fd, seen)
		}
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok && pkg.Name == "spiker" {
			if v, ok := src.rootConst[e.Sel.Name]; ok {
				return []string{v}, nil
			}
		}
	case *ast.Ident:
		if i := paramIndex(fd, e.Name); i >= 0 {
			return src.paramValues(fd, i, seen)
		}
		if out, err, found := src.localValues(e.Name, fd, seen); found {
			return out, err
		}
		if v, ok := src.consts[e.Name]; ok {
			return []string{v}, nil
		}
	}
	return nil, fmt.Errorf("%s: cannot tell which strings %s can be; write the audit action as a literal, a constant or a sum of them", src.fset.Position(expr.Pos()), exprText(expr))
}

// paramValues follows parameter i of fd to every call of fd.
func (src *auditSource) paramValues(fd *ast.FuncDecl, i int, seen map[string]bool) ([]string, error) {
	key := fmt.Sprintf("%s#%d", fd.Name.Name, i)
	if seen[key] {
		return nil, nil
	}
	seen[key] = true
	var out []string
	for _, site := range src.calls[fd.Name.Name] {
		if i >= len(site.call.Args) {
			continue
		}
		v, err := src.values(site.call.Args[i], site.in, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// localValues unites every value assigned to a local variable of fd.
func (src *auditSource) localValues(name string, fd *ast.FuncDecl, seen map[string]bool) (out []string, err error, found bool) {
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if err != nil {
			return false
		}
		var lhs []*ast.Ident
		var rhs []ast.Expr
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				id, _ := l.(*ast.Ident)
				lhs = append(lhs, id)
			}
			rhs = n.Rhs
		case *ast.ValueSpec:
			lhs, rhs = n.Names, n.Values
		}
		for i, id := range lhs {
			if id == nil || id.Name != name {
				continue
			}
			found = true
			if len(rhs) != len(lhs) {
				err = fmt.Errorf("%s: %s is assigned from a call; cannot tell its values", src.fset.Position(id.Pos()), name)
				return false
			}
			var v []string
			if v, err = src.values(rhs[i], fd, seen); err != nil {
				return false
			}
			out = append(out, v...)
		}
		return true
	})
	return out, err, found
}

func paramIndex(fd *ast.FuncDecl, name string) int {
	i := 0
	for _, field := range fd.Type.Params.List {
		for _, n := range field.Names {
			if n.Name == name {
				return i
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return -1
}

func exprText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprText(e.X) + "." + e.Sel.Name
	}
	return fmt.Sprintf("%T", e)
}

// auditArgs returns every string the audit method's argument number arg
// (after ctx and tx and actor: 3 action, 4 record kind) is given anywhere.
func (src *auditSource) auditArgs(t *testing.T, arg int, unresolved func(ast.Expr) bool) []string {
	t.Helper()
	set := map[string]bool{}
	sites := src.calls["audit"]
	if len(sites) < 50 {
		t.Fatalf("found only %d audit calls in the store: the scan is out of date", len(sites))
	}
	for _, site := range sites {
		if unresolved != nil && unresolved(site.call.Args[arg]) {
			continue
		}
		v, err := src.values(site.call.Args[arg], site.in, map[string]bool{})
		if err != nil {
			t.Error(err)
			continue
		}
		if len(v) == 0 {
			t.Errorf("%s: found no value for the audit call's argument %d", src.fset.Position(site.call.Pos()), arg)
		}
		for _, s := range v {
			set[s] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Every action code the store can write has a name in the catalogs, so the
// audit log never shows a bare code alone.
func TestAuditActionsNamed(t *testing.T) {
	src := parseAuditSource(t)
	actions := src.auditArgs(t, 3, nil)
	// Spot checks that the scan follows the helpers that build codes.
	for _, want := range []string{"case.file_read", "case.file_read_denied", "report.read.denied", "report.reveal_identity", "case.meeting_requests", "user.signin"} {
		if !containsString(actions, want) {
			t.Errorf("the scan did not find action %q (found %d: %v)", want, len(actions), actions)
		}
	}
	for _, code := range actions {
		if _, ok := locale.Get(locale.Default)["audit.action."+code]; !ok {
			t.Errorf("audit action %q has no catalog entry audit.action.%s", code, code)
		}
	}
	t.Logf("%d audit actions", len(actions))
}

// Every record kind the store writes has a name in the catalogs. A kind
// taken from a record (escrow recovery) or a search filter (reading the
// log) is one of the store's kind constants, which all have names too.
func TestAuditKindsNamed(t *testing.T) {
	src := parseAuditSource(t)
	fromRecord := func(e ast.Expr) bool {
		s, ok := e.(*ast.SelectorExpr)
		return ok && (s.Sel.Name == "Kind" || s.Sel.Name == "RecordKind")
	}
	kinds := src.auditArgs(t, 4, fromRecord)
	for name, v := range src.consts {
		if strings.HasPrefix(name, "kind") {
			kinds = append(kinds, v)
		}
	}
	for _, want := range []string{"report", "case", "user", "referral", "visit"} {
		if !containsString(kinds, want) {
			t.Errorf("the scan did not find record kind %q (found %v)", want, kinds)
		}
	}
	for _, kind := range kinds {
		if _, ok := locale.Get(locale.Default)["audit.kind."+kind]; !ok {
			t.Errorf("record kind %q has no catalog entry audit.kind.%s", kind, kind)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The fixed reasons the page translates are ones the store writes, word
// for word, and have catalog entries; other reasons are shown as stored.
func TestAuditReasonsNamed(t *testing.T) {
	var source strings.Builder
	files, _ := filepath.Glob(filepath.Join("..", "store", "*.go"))
	for _, name := range files {
		if !strings.HasSuffix(name, "_test.go") {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			source.Write(b)
		}
	}
	for reason, key := range auditReasons {
		if !strings.Contains(source.String(), strconv.Quote(reason)) {
			t.Errorf("the store no longer writes the reason %q: remove it from auditReasons", reason)
		}
		if _, ok := locale.Get(locale.Default)[key]; !ok {
			t.Errorf("reason %q: no catalog entry %s", reason, key)
		}
	}
	for _, f := range auditReasonPrefixes {
		if !strings.Contains(source.String(), `"`+f.prefix) {
			t.Errorf("the store no longer begins a reason with %q: remove it from auditReasonPrefixes", f.prefix)
		}
	}
	for in, want := range map[string]string{
		"reports a,b":             "laporan a,b",
		"policy":                  "tidak diizinkan oleh aturan akses",
		"user 4":                  "pengguna 4",
		"user 4: sakit":           "pengguna 4: sakit",
		"username":                "username",
		"fields nama_korban,umur": "fields nama_korban,umur",
		"":                        "",
	} {
		if got := auditReason("id", in); got != want {
			t.Errorf("auditReason(id, %q) = %q, want %q", in, got, want)
		}
	}
	if got := auditReason("en", "no key"); got != "holds no key to this record" {
		t.Errorf("auditReason(en, no key) = %q", got)
	}
	if got := auditActor("id", 0, "public"); got != "pelapor (publik)" {
		t.Errorf("auditActor(public) = %q", got)
	}
	if got := auditActor("id", 7, "public"); got != "public" {
		t.Errorf("a user named public is shown as %q", got)
	}
	if got := auditRoles("id", "manajer_kasus,supervisor,peran_lama"); got != "Manajer kasus, Supervisor, peran_lama" {
		t.Errorf("auditRoles = %q", got)
	}
	if got := auditName("en", "audit.action.", "case.file_read"); got != "Opened a case file" {
		t.Errorf("auditName(en, case.file_read) = %q", got)
	}
	if got := auditName("id", "audit.action.", "old.code"); got != "" {
		t.Errorf("an unknown code has a name: %q", got)
	}
}
