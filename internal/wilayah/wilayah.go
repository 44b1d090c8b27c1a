// Package wilayah is the directory of Indonesia's administrative areas
// (provinces, regencies, kecamatan, desa/kelurahan) with Kemendagri codes,
// embedded in the binary. Data: idn-area-data by fityannugroho, ODbL 1.0
// (see data/README.md).
package wilayah

//go:generate go run gen.go -src ../../../shared/data/wilayah

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/spikerperak/spiker"
)

//go:embed data/wilayah.tsv.gz
var compressed []byte

// Attribution is the ODbL notice that must travel with the data.
const Attribution = "Data wilayah: idn-area-data 4.0.1 oleh fityannugroho, dari sumber resmi pemerintah; " +
	"Open Database License (ODbL) 1.0."

// Directory answers region lookups. It is immutable and safe for concurrent use.
//
// It keeps the decoded text and, per region, only where its line starts and
// how long its code is: a Region's strings are slices of the text, made
// when asked for, so the whole of Indonesia (91,599 regions) costs the text
// twice (as written, and lowercased for search) and 5 bytes a region.
type Directory struct {
	data  string   // "code\tname\n" lines, sorted by code: a pre-order walk of the tree
	lower string   // data with ASCII letters lowercased, for search
	lines []uint32 // where each region's line starts; one more for the end
	codes []uint8  // the length of each region's code
}

var _ spiker.RegionDirectory = (*Directory)(nil)

// Default returns the embedded directory, loading it on first use.
var Default = sync.OnceValues(Load)

// Load decodes the embedded data.
func Load() (*Directory, error) {
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("wilayah: %w", err)
	}
	// gzip's trailer holds the uncompressed size: read into one buffer of
	// exactly that size, which the region strings then share.
	var buf strings.Builder
	buf.Grow(int(binary.LittleEndian.Uint32(compressed[len(compressed)-4:])))
	if _, err := io.Copy(&buf, zr); err != nil {
		return nil, fmt.Errorf("wilayah: %w", err)
	}
	data := buf.String()
	n := strings.Count(data, "\n")
	d := &Directory{data: data, lines: make([]uint32, 0, n+1), codes: make([]uint8, 0, n)}
	lower := []byte(data)
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	d.lower = string(lower)
	for off := 0; off < len(data); {
		end := strings.IndexByte(data[off:], '\n')
		if end < 0 {
			return nil, fmt.Errorf("wilayah: data does not end with a newline")
		}
		tab := strings.IndexByte(data[off:off+end], '\t')
		if tab < 0 || tab > 255 {
			return nil, fmt.Errorf("wilayah: malformed line at byte %d", off)
		}
		d.lines = append(d.lines, uint32(off))
		d.codes = append(d.codes, uint8(tab))
		off += end + 1
	}
	d.lines = append(d.lines, uint32(len(data)))
	return d, nil
}

// code returns the i-th region's code.
func (d *Directory) code(i int) string {
	start := int(d.lines[i])
	return d.data[start : start+int(d.codes[i])]
}

// nameSpan returns where the i-th region's name is in data (and lower).
func (d *Directory) nameSpan(i int) (int, int) {
	return int(d.lines[i]) + int(d.codes[i]) + 1, int(d.lines[i+1]) - 1
}

// region returns the i-th region.
func (d *Directory) region(i int) spiker.Region {
	from, to := d.nameSpan(i)
	return spiker.Region{Code: d.code(i), Name: d.data[from:to]}
}

// Len returns the number of regions.
func (d *Directory) Len() int { return len(d.codes) }

// index returns the position of the first region whose code is >= code.
func (d *Directory) index(code string) int {
	return sort.Search(len(d.codes), func(i int) bool { return d.code(i) >= code })
}

// Region returns the region with the given code, or ENOTFOUND.
func (d *Directory) Region(code string) (spiker.Region, error) {
	if i := d.index(code); i < len(d.codes) && d.code(i) == code {
		return d.region(i), nil
	}
	return spiker.Region{}, spiker.Errorf(spiker.ENOTFOUND, "region code %q does not exist", code)
}

// Children returns the regions directly inside code (the provinces for ""),
// in code order.
func (d *Directory) Children(code string) []spiker.Region {
	start, prefix := 0, ""
	if code != "" {
		i := d.index(code)
		if i == len(d.codes) || d.code(i) != code {
			return nil
		}
		start, prefix = i+1, code+"."
	}
	var out []spiker.Region
	for i := start; i < len(d.codes) && strings.HasPrefix(d.code(i), prefix); {
		child := d.region(i)
		out = append(out, child)
		// '/' sorts right after '.', so child+"/" is past child's subtree:
		// jump over the grandchildren instead of walking them.
		i = d.index(child.Code + "/")
	}
	return out
}

// Search returns up to limit regions inside within ("" for all of
// Indonesia), excluding within itself, whose name contains query, ignoring
// ASCII case, in code order.
func (d *Directory) Search(within, query string, limit int) []spiker.Region {
	q := asciiLower(strings.TrimSpace(query))
	if q == "" || limit <= 0 {
		return nil
	}
	start, end := 0, len(d.codes)
	if within != "" {
		start = d.index(within + ".")
		end = d.index(within + "/")
	}
	var out []spiker.Region
	for i := start; i < end && len(out) < limit; i++ {
		if from, to := d.nameSpan(i); strings.Contains(d.lower[from:to], q) {
			out = append(out, d.region(i))
		}
	}
	return out
}

// Count returns the number of regions of the given level inside code.
func (d *Directory) Count(code string, level spiker.RegionLevel) int {
	n := 0
	for i, end := d.index(code+"."), d.index(code+"/"); i < end; i++ {
		if d.region(i).Level() == level {
			n++
		}
	}
	return n
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// PlaceWords returns the names of a region and of every region inside it,
// lowercased, without "kabupaten" or "kota" and with spaces removed
// ("lamongan", "sukorame", "sumberagung"): the words a password for an
// office there must not be built on. The region's own name and its
// kecamatan come first.
func (d *Directory) PlaceWords(code string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		w := asciiLower(name)
		for _, prefix := range []string{"kabupaten ", "kota ", "kelurahan ", "desa "} {
			w = strings.TrimPrefix(w, prefix)
		}
		if w = strings.Join(strings.Fields(w), ""); w != "" && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	r, err := d.Region(code)
	if err != nil {
		return nil
	}
	add(r.Name)
	kecamatan := d.Children(code)
	for _, k := range kecamatan {
		add(k.Name)
	}
	for _, k := range kecamatan {
		for _, v := range d.Children(k.Code) {
			add(v.Name)
		}
	}
	return out
}
