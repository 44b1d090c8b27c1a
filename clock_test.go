package spiker_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// readsOfTheMachineClock are the only places outside tests that may read the
// machine's time directly, each for a reason that decides nothing: every
// decision about time goes through spiker.Clock, which tests pin.
var readsOfTheMachineClock = map[string]string{
	"clock.go RealTime":           "the program clock's own reading of the real time",
	"cmd/spiker/loadbench.go *":   "the load generator times requests and makes TOTP codes as a client of a real server",
	"cmd/spiker/demo.go runDemo":  "seeds the demo data's randomness and prints the writing rate",
	"cmd/spiker/demo.go runBench": "times each read of the benchmark",
	"internal/argon2id/pool.go *": "times derivations and their queue waits for statistics, and drops arenas idle for a minute (memory, not records)",
}

// TestNoMachineClockInDecisions fails when a handler, the store, a job or
// anything else reads time.Now, time.Since or time.Until outside the
// places listed above: a decision must follow the program's one clock, or
// a pinned test clock and the code disagree (a roster that works by day and
// fails at night).
func TestNoMachineClockInDecisions(t *testing.T) {
	fset := token.NewFileSet()
	used := map[string]bool{}
	var found []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		timeName := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"time"` {
				timeName = "time"
				if imp.Name != nil {
					timeName = imp.Name.Name
				}
			}
		}
		if timeName == "" {
			return nil
		}
		for _, decl := range f.Decls {
			fn := "(package level)"
			if fd, ok := decl.(*ast.FuncDecl); ok {
				fn = fd.Name.Name
			}
			ast.Inspect(decl, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != timeName || (sel.Sel.Name != "Now" && sel.Sel.Name != "Since" && sel.Sel.Name != "Until") {
					return true
				}
				slashed := filepath.ToSlash(path)
				for _, key := range []string{slashed + " " + fn, slashed + " *"} {
					if _, ok := readsOfTheMachineClock[key]; ok {
						used[key] = true
						return true
					}
				}
				found = append(found, fset.Position(sel.Pos()).String()+" in "+fn+": time."+sel.Sel.Name)
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("%s reads the machine's clock: use the program's spiker.Clock (tx.Now() in the store)", f)
	}
	for key := range readsOfTheMachineClock {
		if !used[key] {
			t.Errorf("%q is allowed to read the machine's clock but no longer does: remove it from the list", key)
		}
	}
}

// nightMoments are the local times every clock test pins: around each
// shift change, late at night and after midnight, on the day before a
// midnight (d) and the day after (d+1).
var nightMoments = []struct {
	after      bool // on the day after the midnight
	hour, min  int
	shiftOfDay string // the running shift, of the day before unless after && hour >= 7
}{
	{false, 7, 0, "pagi"}, {false, 14, 59, "pagi"}, {false, 15, 0, "siang"}, {false, 22, 59, "siang"},
	{false, 23, 0, "malam"}, {false, 23, 59, "malam"}, {true, 0, 30, "malam"}, {true, 6, 59, "malam"}, {true, 7, 0, "pagi"},
}

// The running shift, the duty day, "today" and the roster week agree at
// every hour in WIB, WITA and WIT, across a midnight that ends a week
// (Sunday 6 December 2026) and one that ends a month and a year.
func TestClockAtNight(t *testing.T) {
	for _, region := range []string{"35.24", "51.71", "91.71"} {
		zone := spiker.TimeZone(region)
		for _, day := range []string{"2026-12-06", "2026-12-31", "2026-11-30"} {
			d, _ := time.ParseInLocation(time.DateOnly, day, zone)
			next := d.AddDate(0, 0, 1).Format(time.DateOnly)
			for _, m := range nightMoments {
				local := time.Date(d.Year(), d.Month(), d.Day(), m.hour, m.min, 0, 0, zone)
				wantDay, wantToday := day, day
				if m.after {
					local = local.AddDate(0, 0, 1)
					wantToday = next
					if m.hour >= 7 {
						wantDay = next
					}
				}
				c := spiker.NewClock(func() time.Time { return local.UTC() }, zone)
				gotDay, gotShift := c.Shift()
				if gotDay != wantDay || gotShift != m.shiftOfDay || c.Today() != wantToday || c.DutyWeek().Format(time.DateOnly) != wantDay {
					t.Errorf("%s %s: shift %s %s, today %s, week from %s; want shift %s %s, today %s",
						zone, local.Format("2006-01-02 15:04"), gotDay, gotShift, c.Today(), c.DutyWeek().Format(time.DateOnly), wantDay, m.shiftOfDay, wantToday)
				}
				if o := spiker.ShiftOrdinal(gotDay, gotShift); o != spiker.ShiftOrdinal(c.Shift()) || o < 0 {
					t.Errorf("ordinal %d", o)
				}
				if !c.Now().Equal(local) || c.Now().Location() != time.UTC || c.Local().Location() != zone {
					t.Errorf("%v: Now %v Local %v", local, c.Now(), c.Local())
				}
			}
		}
	}
	// Shifts number in time order across a month's end.
	if a, b, c := spiker.ShiftOrdinal("2026-11-30", "siang"), spiker.ShiftOrdinal("2026-11-30", "malam"), spiker.ShiftOrdinal("2026-12-01", "pagi"); a+1 != b || b+1 != c {
		t.Errorf("ordinals %d %d %d", a, b, c)
	}
	if spiker.ShiftOrdinal("2026-13-01", "pagi") != -1 || spiker.ShiftOrdinal("2026-12-01", "subuh") != -1 {
		t.Error("an unreadable shift has an ordinal")
	}
}
