package spiker_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/spikerperak/spiker"
)

func TestInternalDisclosureByHand(t *testing.T) {
	for _, tc := range []struct {
		level   spiker.RegionLevel
		crossed bool
		counts  []int64
		want    []string
	}{
		{spiker.LevelRegency, false, []int64{3, 30, 7}, []string{"3", "30", "7", "40"}},
		{spiker.LevelDistrict, false, []int64{0, 1, 2}, []string{"0", "1", "2", "3"}},     // a supervisor's own few cases
		{spiker.LevelVillage, false, []int64{3, 30, 7}, []string{"<5", "30", "x", "40"}},  // desa: as on the public page
		{spiker.LevelVillage, false, []int64{3, 0, 0}, []string{"<5", "<5", "<5", "3"}},   // the kecamatan's 3 are known, spread over the desa
		{spiker.LevelVillage, false, []int64{3}, []string{"x", "3"}},                      // a lone desa: all of it would follow
		{spiker.LevelDistrict, true, []int64{3, 30, 7}, []string{"x", "x", "x", "40"}},    // crossed with a small cell: withheld whole
		{spiker.LevelDistrict, true, []int64{12, 30, 7}, []string{"12", "30", "7", "49"}}, // crossed, nothing small
		{spiker.LevelVillage, true, []int64{1, 2}, []string{"x", "x", "<5"}},              // crossed desa: nothing
	} {
		tab := spiker.StatTable{Level: tc.level, Crossed: tc.crossed}
		for _, n := range tc.counts {
			tab.Cells = append(tab.Cells, spiker.StatCell{Count: n})
			tab.Total.Count += n
		}
		tab.Disclose(spiker.AudienceInternal)
		if got := cells(tab); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("level %d crossed %v %v: shown %v, want %v", tc.level, tc.crossed, tc.counts, got, tc.want)
		}
		if want := spiker.InternalDisclosure(&tab); !tc.crossed && tab.Exact() != want {
			t.Errorf("%v: exact %v, the rule says %v", tc.counts, tab.Exact(), want)
		}
	}
	if spiker.StatLevelOf("35") != spiker.LevelRegency || spiker.StatLevelOf("35.24") != spiker.LevelRegency ||
		spiker.StatLevelOf("35.24.22") != spiker.LevelDistrict || spiker.StatLevelOf("35.24.22.2001") != spiker.LevelVillage {
		t.Fatal("StatLevelOf")
	}
}

// possible lists, for each hidden cell of a one-way table, every value a
// reader could think it has from what the table shows: the total (when
// shown) is the sum of the cells, "<5" is 0..4, "x" is 5.. (or 0.. when
// every hidden cell is an "x").
func possible(tab spiker.StatTable) (hidden []int, vals []map[int64]bool) {
	rest := tab.Total.Count
	onlyX := true
	for i, c := range tab.Cells {
		if c.Hidden {
			hidden = append(hidden, i)
			onlyX = onlyX && c.Shown == spiker.Withheld
		} else {
			rest -= c.Count
		}
	}
	vals = make([]map[int64]bool, len(hidden))
	for i := range vals {
		vals[i] = map[int64]bool{}
	}
	var walk func(k int, left int64, chosen []int64)
	walk = func(k int, left int64, chosen []int64) {
		if k == len(hidden) {
			if left == 0 {
				for i, v := range chosen {
					vals[i][v] = true
				}
			}
			return
		}
		lo, hi := int64(0), int64(60)
		switch c := tab.Cells[hidden[k]]; {
		case c.Shown == spiker.Suppressed:
			hi = 4
		case !onlyX:
			lo = 5
		}
		for v := lo; v <= hi && v <= left; v++ {
			walk(k+1, left-v, append(chosen, v))
		}
	}
	walk(0, rest, nil)
	return hidden, vals
}

// world is a random small regency: victims, each in a kecamatan and a desa,
// with a sex and an age group.
type victim struct{ kec, desa, sex, age int }

func oneWay(level spiker.RegionLevel, n int, of func(v victim) (int, bool), vs []victim) spiker.StatTable {
	tab := spiker.StatTable{Level: level}
	for i := range n {
		tab.Cells = append(tab.Cells, spiker.StatCell{Label: strconv.Itoa(i)})
	}
	for _, v := range vs {
		if i, ok := of(v); ok {
			tab.Cells[i].Count++
			tab.Total.Count++
		}
	}
	return tab
}

// TestInternalDisclosureHidesProtectedCells builds many random small
// regencies and the tables the back office's dashboard shows of them: the
// regency's and each kecamatan's victims by sex and by age group, the cases
// by kecamatan, each kecamatan's cases by desa, and a cross-table of sex ×
// age group per kecamatan. Under the internal rule the regency and
// kecamatan tables are exact; no hidden desa cell can be worked out from
// its table and the exact kecamatan total (brute force over every value a
// reader could think possible); no hidden cross-table cell is narrowed
// beyond what the exact sex and age tables already tell (brute force over
// every table with those margins). The public view of every table is what
// Suppress gives, as before.
func TestInternalDisclosureHidesProtectedCells(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const sexes, ages = 2, 3
	for round := range 3000 {
		kecs := 1 + r.IntN(3)
		var vs []victim
		for range r.IntN(25) {
			vs = append(vs, victim{kec: r.IntN(kecs), desa: r.IntN(3), sex: r.IntN(sexes), age: r.IntN(ages)})
			if r.IntN(3) == 0 { // clusters: several victims alike in one desa
				vs = append(vs, vs[len(vs)-1])
			}
		}
		var exact, desa []spiker.StatTable
		type crossCase struct {
			cross      spiker.StatTable
			rows, cols []int64
		}
		var crossed []crossCase
		exact = append(exact,
			oneWay(spiker.LevelRegency, sexes, func(v victim) (int, bool) { return v.sex, true }, vs),
			oneWay(spiker.LevelRegency, ages, func(v victim) (int, bool) { return v.age, true }, vs),
			oneWay(spiker.LevelDistrict, kecs, func(v victim) (int, bool) { return v.kec, true }, vs))
		for k := range kecs {
			in := func(f func(v victim) int) func(v victim) (int, bool) {
				return func(v victim) (int, bool) { return f(v), v.kec == k }
			}
			sex := oneWay(spiker.LevelDistrict, sexes, in(func(v victim) int { return v.sex }), vs)
			age := oneWay(spiker.LevelDistrict, ages, in(func(v victim) int { return v.age }), vs)
			exact = append(exact, sex, age)
			desa = append(desa, oneWay(spiker.LevelVillage, 3, in(func(v victim) int { return v.desa }), vs))
			cross := oneWay(spiker.LevelDistrict, sexes*ages, in(func(v victim) int { return v.sex*ages + v.age }), vs)
			cross.Crossed = true
			var rows, cols []int64
			for _, c := range sex.Cells {
				rows = append(rows, c.Count)
			}
			for _, c := range age.Cells {
				cols = append(cols, c.Count)
			}
			crossed = append(crossed, crossCase{cross, rows, cols})
		}

		// The public view is unchanged: Disclose(AudiencePublic) is Suppress.
		all := append(append([]spiker.StatTable{}, exact...), desa...)
		for _, c := range crossed {
			all = append(all, c.cross)
		}
		for _, tab := range all {
			pub, sup := cloneTable(tab), cloneTable(tab)
			pub.Disclose(spiker.AudiencePublic)
			sup.Suppress()
			if fmt.Sprint(cells(pub)) != fmt.Sprint(cells(sup)) {
				t.Fatalf("round %d: the public view %v differs from Suppress %v", round, cells(pub), cells(sup))
			}
		}

		for _, tab := range exact {
			tab.Disclose(spiker.AudienceInternal)
			for _, c := range append(tab.Cells, tab.Total) {
				if c.Hidden || c.Shown != strconv.FormatInt(c.Count, 10) {
					t.Fatalf("round %d: a %d-level table is not exact inside: %v", round, tab.Level, cells(tab))
				}
			}
		}
		for _, tab := range desa {
			tab.Disclose(spiker.AudienceInternal)
			// The kecamatan's total is shown exactly elsewhere: the reader
			// knows it whether or not this table shows it. A kecamatan
			// without victims has nobody to protect.
			tab.Total.Hidden = false
			if tab.Total.Count == 0 {
				continue
			}
			hidden, vals := possible(tab)
			for i, p := range vals {
				if len(p) < 2 {
					t.Fatalf("round %d: desa table %v: hidden cell %d can only be %v", round, cells(tab), hidden[i], p)
				}
			}
			for _, c := range tab.Cells {
				if !c.Hidden && c.Count < spiker.MinCell {
					t.Fatalf("round %d: desa table %v shows a small cell", round, cells(tab))
				}
			}
		}
		for _, c := range crossed {
			tab := cloneTable(c.cross)
			tab.Disclose(spiker.AudienceInternal)
			withTable := crossPossible(c.rows, c.cols, &tab)
			marginsOnly := crossPossible(c.rows, c.cols, nil)
			for i, cell := range tab.Cells {
				if !cell.Hidden {
					if cell.Count < spiker.MinCell {
						t.Fatalf("round %d: cross table %v shows a small cell", round, cells(tab))
					}
					continue
				}
				if fmt.Sprint(sortedKeys(withTable[i])) != fmt.Sprint(sortedKeys(marginsOnly[i])) {
					t.Fatalf("round %d: cross table %v narrows hidden cell %d to %v (the margins allow %v)", round, cells(tab), i,
						sortedKeys(withTable[i]), sortedKeys(marginsOnly[i]))
				}
			}
		}
	}
}

func cloneTable(t spiker.StatTable) spiker.StatTable {
	t.Cells = append([]spiker.StatCell{}, t.Cells...)
	return t
}

// crossPossible enumerates every rows × cols table of counts with the given
// margins (and, with tab, agreeing with what tab shows: shown cells as
// shown, "<5" in 0..4, "x" anything) and returns each cell's possible values.
func crossPossible(rows, cols []int64, tab *spiker.StatTable) []map[int64]bool {
	nr, nc := len(rows), len(cols)
	out := make([]map[int64]bool, nr*nc)
	for i := range out {
		out[i] = map[int64]bool{}
	}
	m := make([]int64, nr*nc)
	colLeft := append([]int64{}, cols...)
	var walk func(i int, rowLeft int64)
	walk = func(i int, rowLeft int64) {
		r, c := i/nc, i%nc
		if c == nc-1 {
			// The last cell of a row takes what is left of it.
			v := rowLeft
			if v > colLeft[c] || !allowed(tab, i, v) {
				return
			}
			m[i] = v
			colLeft[c] -= v
			if r == nr-1 {
				if zero(colLeft) {
					for j, x := range m {
						out[j][x] = true
					}
				}
			} else {
				walk(i+1, rows[r+1])
			}
			colLeft[c] += v
			return
		}
		for v := int64(0); v <= rowLeft && v <= colLeft[c]; v++ {
			if !allowed(tab, i, v) {
				continue
			}
			m[i] = v
			colLeft[c] -= v
			walk(i+1, rowLeft-v)
			colLeft[c] += v
		}
	}
	walk(0, rows[0])
	return out
}

func allowed(tab *spiker.StatTable, i int, v int64) bool {
	if tab == nil {
		return true
	}
	switch c := tab.Cells[i]; {
	case !c.Hidden:
		return v == c.Count
	case c.Shown == spiker.Suppressed:
		return v < spiker.MinCell
	default:
		return true
	}
}

func zero(l []int64) bool {
	for _, v := range l {
		if v != 0 {
			return false
		}
	}
	return true
}

func sortedKeys(m map[int64]bool) []int64 {
	var out []int64
	for v := int64(0); v <= 60; v++ {
		if m[v] {
			out = append(out, v)
		}
	}
	return out
}
