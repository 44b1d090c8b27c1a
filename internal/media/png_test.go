package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/png"
	"testing"

	"github.com/spikerperak/spiker/internal/media"
)

// canaryPNG returns a PNG from image/png with metadata chunks added before
// and after the image data, and the expected Clean output.
func canaryPNG(t testing.TB) (dirty, want []byte) {
	t.Helper()
	orig := encodePNG(t, testImage(32, 24))
	cs := pngChunks(t, orig) // IHDR, IDAT..., IEND
	ihdr, idats, iend := cs[0], cs[1:len(cs)-1], cs[len(cs)-1]
	kept := [][]byte{
		pngChunk("gAMA", binary.BigEndian.AppendUint32(nil, 45455)),
		pngChunk("sRGB", []byte{0}),
		pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1}),
	}
	dropped := [][]byte{
		pngChunk("tEXt", []byte("Comment\x00"+pngCanary)),
		pngChunk("eXIf", exifTIFF()),
		pngChunk("tIME", []byte{0x07, 0xE9, 3, 1, 21, 4, 5}), // 2025-03-01 21:04:05,
		pngChunk("iTXt", []byte("Author\x00\x00\x00en\x00Author\x00"+otherCanary)),
		pngChunk("prVt", []byte(otherCanary)), // unknown private chunk
	}
	dirty = cat(pngSignature(), ihdr, kept[0], dropped[0], kept[1], dropped[1], dropped[2], kept[2])
	dirty = cat(dirty, bytes.Join(idats, nil), dropped[3], dropped[4], iend)
	want = cat(pngSignature(), ihdr, bytes.Join(kept, nil), bytes.Join(idats, nil), iend)
	return dirty, want
}

func pngSignature() []byte { return []byte("\x89PNG\r\n\x1a\n") }

func TestCleanPNG(t *testing.T) {
	dirty, want := canaryPNG(t)
	if _, err := png.Decode(bytes.NewReader(dirty)); err != nil {
		t.Fatalf("spliced test file does not decode: %v", err)
	}
	for _, typ := range []string{"tEXt", "eXIf", "tIME", "iTXt", "prVt"} {
		if !bytes.Contains(dirty, []byte(typ)) {
			t.Fatalf("test file lacks %s", typ)
		}
	}
	out, kind, err := media.Clean(cat(dirty, []byte(tailCanary)))
	if err != nil || kind != media.PNG {
		t.Fatalf("Clean = %v, %v", kind, err)
	}
	assertNoCanary(t, out)
	for _, typ := range []string{"tEXt", "eXIf", "tIME", "iTXt", "prVt"} {
		if bytes.Contains(out, []byte(typ)) {
			t.Errorf("%s chunk survived", typ)
		}
	}
	if !bytes.Equal(out, want) {
		t.Errorf("Clean output differs from the expected chunks (got %d bytes, want %d)", len(out), len(want))
	}
	a, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	b, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("cleaned PNG does not decode: %v", err)
	}
	if b.Bounds().Dx() != 32 || b.Bounds().Dy() != 24 {
		t.Errorf("bounds %v", b.Bounds())
	}
	samePixels(t, a, b)
}

func TestCleanPNGMalformed(t *testing.T) {
	dirty, _ := canaryPNG(t)
	cs := pngChunks(t, dirty)
	sig := pngSignature()
	ihdr, iend := cs[0], cs[len(cs)-1]
	var idat, text []byte
	for _, c := range cs {
		switch string(c[4:8]) {
		case "IDAT":
			idat = c
		case "tEXt":
			text = c
		}
	}
	flip := func(c []byte, i int) []byte {
		c = bytes.Clone(c)
		c[i] ^= 0x01
		return c
	}
	cases := map[string][]byte{
		// A dropped chunk is checked too: a bad CRC anywhere means damage.
		"bad CRC in dropped tEXt": cat(sig, ihdr, flip(text, len(text)-1), idat, iend),
		"corrupt IDAT data":       cat(sig, ihdr, flip(idat, 20), iend),
		"bad CRC in IEND":         cat(sig, ihdr, idat, flip(iend, len(iend)-1)),
		"length past end":         cat(sig, ihdr, idat, []byte{0x7F, 0, 0, 0}, iend[4:]),
		"length over 2^31-1":      cat(sig, ihdr, idat, []byte{0x80, 0, 0, 0}, iend[4:]),
		"type not letters":        cat(sig, ihdr, pngChunk("t3Xt", nil), idat, iend),
		"IDAT before IHDR":        cat(sig, idat, ihdr, iend),
		"no IDAT":                 cat(sig, ihdr, iend),
		"no IEND":                 cat(sig, ihdr, idat),
		"signature only":          sig,
		"bad signature tail":      cat(sig[:7], []byte{0}, ihdr, idat, iend),
	}
	for name, in := range cases {
		out, kind, err := media.Clean(in)
		want := media.ErrMalformed
		if name == "bad signature tail" {
			want = media.ErrUnsupported // not a PNG signature at all
		}
		if !errors.Is(err, want) || out != nil || kind != "" {
			t.Errorf("%s: Clean = %d bytes, %q, %v; want %v", name, len(out), kind, err, want)
		}
	}
	if _, _, err := media.Clean(cat(sig, ihdr, idat, iend)); err != nil {
		t.Errorf("minimal valid PNG rejected: %v", err)
	}
}

func TestCleanPNGPrefixes(t *testing.T) {
	dirty, _ := canaryPNG(t)
	for n := range len(dirty) {
		_, _, err := media.Clean(dirty[:n])
		want := media.ErrMalformed
		if n < 8 {
			want = media.ErrUnsupported
		}
		if !errors.Is(err, want) {
			t.Fatalf("prefix %d: err = %v, want %v", n, err, want)
		}
	}
}
