package spiker_test

import (
	"math/rand/v2"
	"testing"

	"github.com/spikerperak/spiker"
)

func cells(t spiker.StatTable) []string {
	var out []string
	for _, c := range t.Cells {
		out = append(out, c.Shown)
	}
	return append(out, t.Total.Shown)
}

func TestSuppressByHand(t *testing.T) {
	for _, tc := range []struct {
		counts []int64
		want   []string
	}{
		{[]int64{12, 30, 7}, []string{"12", "30", "7", "49"}},
		{[]int64{3, 30, 7}, []string{"<5", "30", "x", "40"}},  // one small: the next smallest withheld
		{[]int64{3, 2, 30}, []string{"<5", "<5", "30", "35"}}, // two small: their sum (5) leaves each open
		{[]int64{0, 0, 20}, []string{"<5", "<5", "x", "20"}},  // both small would be 0: withhold more
		{[]int64{0, 5, 9}, []string{"<5", "x", "x", "14"}},    // 0 + 5 would give the small one away
		{[]int64{0, 5}, []string{"x", "x", "5"}},              // nothing left to withhold: only the sum is known
		{[]int64{1, 2}, []string{"<5", "<5", "<5"}},           // a small total
	} {
		tab := spiker.StatTable{Total: spiker.StatCell{Count: 0}}
		for _, n := range tc.counts {
			tab.Cells = append(tab.Cells, spiker.StatCell{Count: n})
			tab.Total.Count += n
		}
		tab.Suppress()
		got := cells(tab)
		if len(got) != len(tc.want) {
			t.Fatalf("%v: %v", tc.counts, got)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v: shown %v, want %v", tc.counts, got, tc.want)
				break
			}
		}
	}
}

// TestSuppressionHidesEveryValue tries many random tables and, for each,
// every assignment of values a reader could think possible from what is
// published: no hidden cell may have only one possible value.
func TestSuppressionHidesEveryValue(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		tab := spiker.StatTable{}
		for range 1 + r.IntN(5) {
			n := int64(r.IntN(12))
			if r.IntN(3) == 0 {
				n = int64(r.IntN(4))
			}
			tab.Cells = append(tab.Cells, spiker.StatCell{Count: n})
			tab.Total.Count += n
		}
		tab.Suppress()
		if tab.Total.Hidden {
			continue // no equation is published
		}
		// Brute force: values 0..60 for each hidden cell, within what its
		// mark says, summing to the total.
		var hidden []int
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
		possible := make([]map[int64]bool, len(hidden))
		for i := range possible {
			possible[i] = map[int64]bool{}
		}
		var walk func(k int, left int64, vals []int64)
		walk = func(k int, left int64, vals []int64) {
			if k == len(hidden) {
				if left == 0 {
					for i, v := range vals {
						possible[i][v] = true
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
				walk(k+1, left-v, append(vals, v))
			}
		}
		walk(0, rest, nil)
		for i, p := range possible {
			if len(p) < 2 {
				t.Fatalf("table %v: hidden cell %d can only be %v", cells(tab), hidden[i], p)
			}
		}
	}
}
