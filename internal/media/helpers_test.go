package media_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Canaries planted in metadata; none may survive Clean.
const (
	gpsCanary    = "GPS-CANARY-7.1234S-112.5678E"
	serialCanary = "SERIAL-CANARY-0042"
	xmpCanary    = "XMP-CANARY"
	iptcCanary   = "IPTC-CANARY"
	comCanary    = "COM-CANARY"
	thumbCanary  = "THUMB-CANARY-01234567890" // 24 bytes: a 4x2 RGB thumbnail
	pngCanary    = "PNG-CANARY"
	otherCanary  = "OTHER-CANARY"
	tailCanary   = "TRAILER-CANARY"
)

var allCanaries = []string{gpsCanary, serialCanary, xmpCanary, iptcCanary,
	comCanary, thumbCanary, pngCanary, otherCanary, tailCanary}

func assertNoCanary(t *testing.T, out []byte) {
	t.Helper()
	for _, c := range allCanaries {
		if bytes.Contains(out, []byte(c)) {
			t.Errorf("canary %q survived Clean", c)
		}
	}
}

// testImage is a gradient, so the encoders produce non-trivial data.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 7), 255})
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// segment builds a JPEG marker segment: FF, marker, length, body.
func segment(marker byte, body []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(body)+2))
	return append(s, body...)
}

// sosOffset finds the SOS marker of a well-formed JPEG by walking its
// header segments (searching for FF DA could hit table bytes).
func sosOffset(t testing.TB, jpg []byte) int {
	t.Helper()
	pos := 2
	for pos+4 <= len(jpg) {
		if jpg[pos] != 0xFF {
			t.Fatalf("no marker at %d", pos)
		}
		if jpg[pos+1] == 0xDA {
			return pos
		}
		pos += 2 + int(binary.BigEndian.Uint16(jpg[pos+2:]))
	}
	t.Fatal("no SOS")
	return 0
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// ifdEntry is one TIFF directory entry; data longer than 4 bytes is stored
// after the directory and referenced by offset.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte
}

func ifdSize(es []ifdEntry) int {
	n := 2 + 12*len(es) + 4
	for _, e := range es {
		if len(e.data) > 4 {
			n += len(e.data) + len(e.data)%2
		}
	}
	return n
}

// appendIFD writes a directory at offset len(buf) of a little-endian TIFF.
func appendIFD(buf []byte, es []ifdEntry) []byte {
	le := binary.LittleEndian
	extra := len(buf) + 2 + 12*len(es) + 4
	var tail []byte
	buf = le.AppendUint16(buf, uint16(len(es)))
	for _, e := range es {
		buf = le.AppendUint16(buf, e.tag)
		buf = le.AppendUint16(buf, e.typ)
		buf = le.AppendUint32(buf, e.count)
		if len(e.data) <= 4 {
			var v [4]byte
			copy(v[:], e.data)
			buf = append(buf, v[:]...)
			continue
		}
		buf = le.AppendUint32(buf, uint32(extra+len(tail)))
		tail = append(tail, e.data...)
		if len(e.data)%2 == 1 {
			tail = append(tail, 0)
		}
	}
	buf = le.AppendUint32(buf, 0) // no next IFD
	return append(buf, tail...)
}

func rationals(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
		b = binary.LittleEndian.AppendUint32(b, 1)
	}
	return b
}

// exifTIFF builds a little-endian TIFF as a phone writes it: IFD0 with Make
// and pointers to an Exif IFD (body serial number) and a GPS IFD (position
// in the south of Java, plus a processing method carrying the canary).
func exifTIFF() []byte {
	const (
		tASCII, tLONG, tRATIONAL, tUNDEF, tBYTE = 2, 4, 5, 7, 1
	)
	exif := []ifdEntry{{0xA431, tASCII, uint32(len(serialCanary) + 1), []byte(serialCanary + "\x00")}}
	gps := []ifdEntry{
		{0x0000, tBYTE, 4, []byte{2, 3, 0, 0}},
		{0x0001, tASCII, 2, []byte("S\x00")},
		{0x0002, tRATIONAL, 3, rationals(7, 7, 24)},
		{0x0003, tASCII, 2, []byte("E\x00")},
		{0x0004, tRATIONAL, 3, rationals(112, 34, 4)},
		{0x001B, tUNDEF, uint32(8 + len(gpsCanary)), []byte("ASCII\x00\x00\x00" + gpsCanary)},
	}
	ifd0 := []ifdEntry{
		{0x010F, tASCII, 6, []byte("Phone\x00")},
		{0x8769, tLONG, 1, nil}, // offsets filled below
		{0x8825, tLONG, 1, nil},
	}
	exifOff := 8 + ifdSize(ifd0)
	gpsOff := exifOff + ifdSize(exif)
	ifd0[1].data = binary.LittleEndian.AppendUint32(nil, uint32(exifOff))
	ifd0[2].data = binary.LittleEndian.AppendUint32(nil, uint32(gpsOff))
	buf := []byte("II*\x00\x08\x00\x00\x00")
	buf = appendIFD(buf, ifd0)
	buf = appendIFD(buf, exif)
	return appendIFD(buf, gps)
}

// pngChunk builds a PNG chunk with a correct CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// pngChunks splits a well-formed PNG into its whole chunks.
func pngChunks(t testing.TB, p []byte) [][]byte {
	t.Helper()
	var cs [][]byte
	for pos := 8; pos < len(p); {
		n := int(binary.BigEndian.Uint32(p[pos:]))
		cs = append(cs, p[pos:pos+12+n])
		pos += 12 + n
	}
	return cs
}
