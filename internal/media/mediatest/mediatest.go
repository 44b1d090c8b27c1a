// Package mediatest builds small files with identifying metadata planted
// in them, for tests that check the metadata is gone after cleaning: a
// JPEG with an EXIF GPS position and Ogg Opus and Ogg Vorbis recordings
// with comment tags, as a phone or an editor writes them.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
)

// JPEGWithGPS returns a 32×24 JPEG whose EXIF (APP1) holds a GPS IFD with a
// position and canary in its processing-method field.
func JPEGWithGPS(canary string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := range 24 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{uint8(8 * x), uint8(10 * y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	plain := buf.Bytes()
	exif := append([]byte("Exif\x00\x00"), gpsTIFF(canary)...)
	app1 := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(exif)+2))
	return bytes.Join([][]byte{plain[:2], app1, exif, plain[2:]}, nil)
}

// gpsTIFF is a little-endian TIFF with IFD0 pointing at a GPS IFD: latitude
// 7°7'24" S, longitude 112°34'4" E, and the canary as processing method.
func gpsTIFF(canary string) []byte {
	le := binary.LittleEndian
	method := append([]byte("ASCII\x00\x00\x00"), canary...)
	const ifd0 = 8
	const gps = ifd0 + 2 + 12 + 4
	const gpsEntries = 5
	data := gps + 2 + gpsEntries*12 + 4 // where the values too big for an entry go
	b := le.AppendUint32([]byte("II*\x00"), ifd0)
	entry := func(tag, typ uint16, count, value uint32) {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		b = le.AppendUint32(b, value)
	}
	b = le.AppendUint16(b, 1)
	entry(0x8825, 4, 1, gps) // GPS IFD pointer
	b = le.AppendUint32(b, 0)
	b = le.AppendUint16(b, gpsEntries)
	entry(0x0001, 2, 2, 'S')
	entry(0x0002, 5, 3, uint32(data))
	entry(0x0003, 2, 2, 'E')
	entry(0x0004, 5, 3, uint32(data+24))
	entry(0x001B, 7, uint32(len(method)), uint32(data+48))
	b = le.AppendUint32(b, 0)
	for _, v := range []uint32{7, 7, 24, 112, 34, 4} {
		b = le.AppendUint32(b, v)
		b = le.AppendUint32(b, 1)
	}
	return append(b, method...)
}

// OggOpus returns a mono Ogg Opus recording, as WhatsApp sends a voice
// note: the identification header, a comment header with vendor and tags
// ("ARTIST=Budi", "LOCATION=-7.12,112.57"), and three pages of audio.
func OggOpus(vendor string, tags ...string) []byte {
	head := []byte("OpusHead\x01\x01")
	head = binary.LittleEndian.AppendUint16(head, 312)   // pre-skip
	head = binary.LittleEndian.AppendUint32(head, 48000) // input rate
	head = append(head, 0, 0, 0)                         // gain, mapping family 0
	return OggFile([][]byte{head}, [][]byte{comments("OpusTags", vendor, tags, false)})
}

// OggVorbis returns an Ogg Vorbis recording with its comment and setup
// headers sharing a page, as libvorbis writes them.
func OggVorbis(vendor string, tags ...string) []byte {
	ident := append([]byte("\x01vorbis"), 0, 0, 0, 0, 1)
	ident = binary.LittleEndian.AppendUint32(ident, 44100)
	ident = append(ident, make([]byte, 12)...)
	ident = append(ident, 0xB8, 1)
	setup := append([]byte("\x05vorbis"), bytes.Repeat([]byte{0x42}, 300)...)
	return OggFile([][]byte{ident}, [][]byte{comments("\x03vorbis", vendor, tags, true), setup})
}

func comments(magic, vendor string, tags []string, framing bool) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32([]byte(magic), uint32(len(vendor)))
	b = append(b, vendor...)
	b = le.AppendUint32(b, uint32(len(tags)))
	for _, t := range tags {
		b = le.AppendUint32(b, uint32(len(t)))
		b = append(b, t...)
	}
	if framing {
		b = append(b, 1)
	}
	return b
}

// OggFile writes each group of header packets on a page of its own (the
// first flagged as the start of the stream), then three audio pages of two
// packets each, the last flagged as its end.
func OggFile(headers ...[][]byte) []byte {
	var out []byte
	seq := uint32(0)
	for i, packets := range headers {
		flags := byte(0)
		if i == 0 {
			flags = 0x02
		}
		out = oggPage(out, flags, 0, &seq, packets)
	}
	for i := range 3 {
		flags := byte(0)
		if i == 2 {
			flags = 0x04
		}
		frame := bytes.Repeat([]byte{0xFC, byte(i), 0x55}, 20)
		out = oggPage(out, flags, uint64(1920*(i+1)), &seq, [][]byte{frame, frame})
	}
	return out
}

const oggSerial = 0x5EC7E7

// oggPage appends the packets as one page, or as several when they need
// more than 255 lacing values, each later one flagged as continued.
func oggPage(out []byte, flags byte, granule uint64, seq *uint32, packets [][]byte) []byte {
	var lacing, body []byte
	for _, p := range packets {
		n := len(p)
		for ; n >= 255; n -= 255 {
			lacing = append(lacing, 255)
		}
		lacing = append(lacing, byte(n))
		body = append(body, p...)
	}
	for {
		k := min(len(lacing), 255)
		size := 0
		for _, l := range lacing[:k] {
			size += int(l)
		}
		start := len(out)
		out = append(out, "OggS\x00"...)
		out = append(out, flags)
		out = binary.LittleEndian.AppendUint64(out, granule)
		out = binary.LittleEndian.AppendUint32(out, oggSerial)
		out = binary.LittleEndian.AppendUint32(out, *seq)
		out = append(out, 0, 0, 0, 0, byte(k))
		out = append(append(out, lacing[:k]...), body[:size]...)
		binary.LittleEndian.PutUint32(out[start+22:], crc(out[start:]))
		*seq++
		flags = 0
		if lacing[k-1] == 255 {
			flags = 0x01 // the next page goes on with a packet
		}
		lacing, body = lacing[k:], body[size:]
		if len(lacing) == 0 {
			return out
		}
	}
}

// crc is Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected), bit by bit.
func crc(page []byte) uint32 {
	var c uint32
	for _, b := range page {
		c ^= uint32(b) << 24
		for range 8 {
			if c&(1<<31) != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
	}
	return c
}
