package media_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/spikerperak/spiker/internal/media"
)

var jfifClean = []byte("JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00")

// canaryJPEG returns a JPEG from image/jpeg, the same file with metadata
// spliced in as phones and editors write it, and the expected Clean output.
func canaryJPEG(t testing.TB) (orig, dirty, want []byte) {
	t.Helper()
	orig = encodeJPEG(t, testImage(64, 48), 90)
	jfif := cat(jfifClean[:12], []byte{4, 2}, []byte(thumbCanary))
	xmp := "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF>" +
		"<rdf:Description exif:GPSLatitude=\"7,7.4S\" xmp:CreatorTool=\"" + xmpCanary + "\"/></rdf:RDF></x:xmpmeta>"
	iptc := cat([]byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02\x78\x00\x0b"), []byte(iptcCanary))
	icc := segment(0xE2, []byte("ICC_PROFILE\x00\x01\x01fake-profile"))
	adobe := segment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")) // transform 1: YCbCr
	sos := sosOffset(t, orig)
	dirty = cat(orig[:2],
		segment(0xE0, jfif),
		segment(0xE1, cat([]byte("Exif\x00\x00"), exifTIFF())),
		segment(0xE1, []byte(xmp)),
		icc,
		segment(0xE2, []byte("MPF\x00"+otherCanary)),
		segment(0xED, iptc),
		adobe,
		segment(0xE5, []byte(otherCanary)),
		[]byte{0xFF, 0xFF}, // fill bytes before the next marker
		orig[2:sos],
		segment(0xFE, []byte(comCanary)),
		orig[sos:])
	want = cat(orig[:2], segment(0xE0, jfifClean), icc, adobe, orig[2:])
	return orig, dirty, want
}

func decodeJPEG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return img
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v, want %v", b.Bounds(), a.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, b.At(x, y), a.At(x, y))
			}
		}
	}
}

func TestCleanJPEG(t *testing.T) {
	orig, dirty, want := canaryJPEG(t)
	if !bytes.Contains(orig[sosOffset(t, orig):], []byte{0xFF, 0x00}) {
		t.Fatal("test image has no stuffed 0xFF in its scan; enlarge it")
	}
	decodeJPEG(t, dirty) // the spliced file is itself a valid JPEG

	out, kind, err := media.Clean(cat(dirty, []byte(tailCanary)))
	if err != nil || kind != media.JPEG {
		t.Fatalf("Clean = %v, %v", kind, err)
	}
	assertNoCanary(t, out)
	if !bytes.Contains(out, segment(0xE0, jfifClean)) {
		t.Error("JFIF APP0 not kept")
	}
	if !bytes.Equal(out, want) {
		t.Errorf("Clean output differs from the expected segments (got %d bytes, want %d)", len(out), len(want))
	}
	samePixels(t, decodeJPEG(t, orig), decodeJPEG(t, out))
}

// restartJPEG hand-encodes a grayscale baseline JPEG, one row of flat 8x8
// blocks whose quantised DC values are qs, with a restart interval of one
// MCU, so its scan carries RSTn markers (image/jpeg never writes them).
func restartJPEG(qs []int) []byte {
	dqt := make([]byte, 65)
	for i := range dqt[1:] {
		dqt[1+i] = 1
	}
	dqt[1] = 8 // DC step 8: a flat block of value v has DC v-128
	// DC table: categories 0-3 and 7 with 3-bit codes 000..100.
	dcSyms := []byte{0, 1, 2, 3, 7}
	dht := cat([]byte{0x00, 0, 0, byte(len(dcSyms))}, make([]byte, 13), dcSyms)
	dht = cat(dht, []byte{0x10, 1}, make([]byte, 15), []byte{0x00}) // AC: EOB = "0"
	w := 8 * len(qs)

	var scan []byte
	for i, q := range qs {
		var acc, n uint32
		put := func(v, nb uint32) {
			for ; nb > 0; nb-- {
				acc = acc<<1 | (v>>(nb-1))&1
				if n++; n == 8 {
					scan = append(scan, byte(acc))
					if byte(acc) == 0xFF {
						scan = append(scan, 0x00)
					}
					acc, n = 0, 0
				}
			}
		}
		mag := q
		if q < 0 {
			mag = -q
		}
		c := uint32(bits.Len(uint(mag)))
		code := bytes.IndexByte(dcSyms, byte(c))
		if code < 0 {
			panic("restartJPEG: no DC code for category")
		}
		v := uint32(q)
		if q < 0 {
			v = uint32(q + 1<<c - 1) // negative values: ones' complement
		}
		put(uint32(code), 3)
		put(v, c)
		put(0, 1) // EOB
		for n != 0 {
			put(1, 1) // pad with ones to a byte
		}
		if i < len(qs)-1 {
			scan = append(scan, 0xFF, byte(0xD0+i%8))
		}
	}
	return cat([]byte{0xFF, 0xD8},
		segment(0xDB, dqt),
		segment(0xC0, []byte{8, 0, 8, byte(w >> 8), byte(w), 1, 1, 0x11, 0}),
		segment(0xC4, dht),
		segment(0xDD, []byte{0, 1}),
		segment(0xDA, []byte{1, 1, 0x00, 0, 63, 0}),
		scan, []byte{0xFF, 0xD9})
}

func TestCleanJPEGRestartMarkers(t *testing.T) {
	qs := []int{0, 5, -3, 100, -100, 7, 0, 1, 2, -1}
	clean := restartJPEG(qs)
	if !bytes.Contains(clean, []byte{0xFF, 0xD3}) {
		t.Fatal("no RST markers in test file")
	}
	dirty := cat(clean[:2], segment(0xE1, cat([]byte("Exif\x00\x00"), exifTIFF())),
		clean[2:len(clean)-2], []byte{0xFF, 0xFF, 0xFF}, clean[len(clean)-2:], []byte(tailCanary))
	out, _, err := media.Clean(dirty)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, clean) {
		t.Fatalf("Clean output differs:\n got %x\nwant %x", out, clean)
	}
	img, ok := decodeJPEG(t, out).(*image.Gray)
	if !ok {
		t.Fatal("not decoded as grayscale")
	}
	for i, q := range qs {
		got := int(img.GrayAt(8*i+3, 4).Y)
		if d := got - (128 + q); d < -1 || d > 1 {
			t.Errorf("block %d = %d, want %d", i, got, 128+q)
		}
	}
}

// TestCleanJPEGScans checks the walk byte for byte on a synthetic file:
// stuffed bytes, RSTn with fill bytes inside a scan, a stray RST and an
// APP1 between two scans, as in progressive files.
func TestCleanJPEGScans(t *testing.T) {
	sof := segment(0xC2, []byte{8, 0, 1, 0, 1, 1, 1, 0x11, 0})
	dht := segment(0xC4, []byte{0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	sos := segment(0xDA, []byte{1, 1, 0, 0, 63, 0})
	data1 := []byte{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD1, 0x78}
	data2 := []byte{0x9A, 0xFF, 0x00}
	in := cat([]byte{0xFF, 0xD8}, sof, []byte{0xFF, 0xD5}, dht, sos, data1,
		[]byte{0xFF, 0xFF}, segment(0xE1, []byte("Exif\x00\x00"+gpsCanary)), dht, sos, data2,
		segment(0xFE, []byte(comCanary)), []byte{0xFF, 0xD9}, []byte(tailCanary))
	want := cat([]byte{0xFF, 0xD8}, sof, dht, sos, data1, dht, sos, data2, []byte{0xFF, 0xD9})
	out, _, err := media.Clean(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Fatalf("got  %x\nwant %x", out, want)
	}
}

func TestCleanJPEGMalformed(t *testing.T) {
	soi := []byte{0xFF, 0xD8}
	sof := segment(0xC0, []byte{8, 0, 1, 0, 1, 1, 1, 0x11, 0})
	sos := segment(0xDA, []byte{1, 1, 0, 0, 63, 0})
	eoi := []byte{0xFF, 0xD9}
	for name, in := range map[string][]byte{
		"SOI only":         cat(soi, []byte{0xFF}),
		"no scan":          cat(soi, sof, eoi),
		"scan before SOF":  cat(soi, sos, []byte{1}, eoi),
		"no EOI":           cat(soi, sof, sos, []byte{1, 2, 3}),
		"scan ends in FF":  cat(soi, sof, sos, []byte{1, 0xFF, 0xFF}),
		"length too small": cat(soi, []byte{0xFF, 0xE1, 0, 1}, sof, sos, eoi),
		"length too large": cat(soi, []byte{0xFF, 0xE1, 0x40, 0}, sof, sos, eoi),
		"no length":        cat(soi, []byte{0xFF, 0xE1, 0}),
		"data not marker":  cat(soi, sof, []byte{0x41}, sos, eoi),
		"FF00 in headers":  cat(soi, []byte{0xFF, 0x00}, sof, sos, eoi),
		"second SOI":       cat(soi, soi, sof, sos, eoi),
	} {
		out, kind, err := media.Clean(in)
		if !errors.Is(err, media.ErrMalformed) || out != nil || kind != "" {
			t.Errorf("%s: Clean = %d bytes, %q, %v; want ErrMalformed", name, len(out), kind, err)
		}
	}
}

// TestCleanJPEGPrefixes: every truncation is rejected, never a panic.
func TestCleanJPEGPrefixes(t *testing.T) {
	_, dirty, _ := canaryJPEG(t)
	for n := range len(dirty) {
		_, _, err := media.Clean(dirty[:n])
		want := media.ErrMalformed
		if n < 3 {
			want = media.ErrUnsupported
		}
		if !errors.Is(err, want) {
			t.Fatalf("prefix %d: err = %v, want %v", n, err, want)
		}
	}
}

func BenchmarkCleanJPEG(b *testing.B) {
	// Noise does not compress: about 1 MB at this size and quality.
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, 1536, 1152))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	orig := encodeJPEG(b, img, 75)
	exif := segment(0xE1, cat([]byte("Exif\x00\x00"), exifTIFF()))
	data := cat(orig[:2], exif, orig[2:])
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := media.Clean(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/(1<<20), "MB/file")
}
