package wilayah_test

import (
	"sort"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/wilayah"
)

func directory(t testing.TB) *wilayah.Directory {
	t.Helper()
	d, err := wilayah.Default()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLamongan(t *testing.T) {
	d := directory(t)
	r, err := d.Region("35.24")
	if err != nil || r.Name != "Kabupaten Lamongan" || r.Level() != spiker.LevelRegency {
		t.Fatalf("Region(35.24) = %+v, %v", r, err)
	}
	kec := d.Children("35.24")
	if len(kec) != 27 {
		t.Fatalf("Lamongan has %d kecamatan, want 27", len(kec))
	}
	desa, kelurahan := 0, 0
	for _, k := range kec {
		if k.Level() != spiker.LevelDistrict || k.ParentCode() != "35.24" {
			t.Errorf("child %+v is not a kecamatan of 35.24", k)
		}
		for _, v := range d.Children(k.Code) {
			if v.IsKelurahan() {
				kelurahan++
			} else {
				desa++
			}
		}
	}
	if desa+kelurahan != 474 || desa != 462 || kelurahan != 12 {
		t.Fatalf("Lamongan has %d desa and %d kelurahan, want 462 and 12", desa, kelurahan)
	}
	if n := d.Count("35.24", spiker.LevelVillage); n != 474 {
		t.Fatalf("Count villages = %d, want 474", n)
	}
	if v, _ := d.Region("35.24.22.1012"); v.Name != "Sukorejo" || !v.IsKelurahan() {
		t.Fatalf("35.24.22.1012 = %+v, want Kelurahan Sukorejo", v)
	}
}

func TestWholeCountry(t *testing.T) {
	d := directory(t)
	counts := map[spiker.RegionLevel]int{}
	for _, p := range d.Children("") {
		counts[spiker.LevelProvince]++
		counts[spiker.LevelRegency] += len(d.Children(p.Code))
		counts[spiker.LevelDistrict] += d.Count(p.Code, spiker.LevelDistrict)
		counts[spiker.LevelVillage] += d.Count(p.Code, spiker.LevelVillage)
	}
	want := map[spiker.RegionLevel]int{1: 38, 2: 514, 3: 7285, 4: 83762}
	for l, n := range want {
		if counts[l] != n {
			t.Errorf("level %d: %d regions, want %d", l, counts[l], n)
		}
	}
	if d.Len() != 38+514+7285+83762 {
		t.Errorf("Len = %d", d.Len())
	}
}

func TestLookups(t *testing.T) {
	d := directory(t)
	if _, err := d.Region("35.24.99"); spiker.ErrorCode(err) != spiker.ENOTFOUND {
		t.Errorf("unknown code: err = %v, want ENOTFOUND", err)
	}
	if c := d.Children("99.99"); c != nil {
		t.Errorf("children of unknown code = %v", c)
	}
	if c := d.Children("35.24.22.1012"); len(c) != 0 {
		t.Errorf("a village has children: %v", c)
	}
	got := d.Search("35.24", "  SUKOREJO ", 10)
	if len(got) == 0 {
		t.Fatal("no Sukorejo in Lamongan")
	}
	for _, r := range got {
		if !spiker.RegionContains("35.24", r.Code) || r.Code == "35.24" {
			t.Errorf("search result %+v is outside 35.24", r)
		}
	}
	if got := d.Search("", "lamongan", 100); len(got) < 2 {
		t.Errorf("search for lamongan found %v", got)
	}
	if got := d.Search("", "a", 5); len(got) != 5 {
		t.Errorf("limit not applied: %d results", len(got))
	}
	if got := d.Search("", "", 5); got != nil {
		t.Errorf("empty query returned %v", got)
	}
	if got := d.Search("", "pu’u", 5); len(got) == 0 {
		t.Errorf("non-ASCII name not found")
	}
	kec := d.Children("35.24")
	if !sort.SliceIsSorted(kec, func(i, j int) bool { return kec[i].Code < kec[j].Code }) {
		t.Error("children not in code order")
	}
}

// BenchmarkLoad measures decoding all of Indonesia from the embedded data.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wilayah.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChildren(b *testing.B) {
	d := directory(b)
	for b.Loop() {
		d.Children("35.24")
	}
}

func BenchmarkSearchCountry(b *testing.B) {
	d := directory(b)
	for b.Loop() {
		d.Search("", "sukorejo", 50)
	}
}

// The regency's place names, for the password strength estimate: the
// regency first, then its kecamatan, then the villages.
func TestPlaceWords(t *testing.T) {
	words := directory(t).PlaceWords("35.24")
	if len(words) < 400 || words[0] != "lamongan" {
		t.Fatalf("PlaceWords(35.24) = %d words starting %v", len(words), words[:min(3, len(words))])
	}
	has := map[string]int{}
	for i, w := range words {
		has[w] = i
	}
	for _, want := range []string{"sukorame", "paciran", "babat", "brondong"} {
		if i, ok := has[want]; !ok || i > 30 {
			t.Errorf("kecamatan %q at %d, present %v", want, i, ok)
		}
	}
	if directory(t).PlaceWords("99.99") != nil {
		t.Error("an unknown code has place words")
	}
}
