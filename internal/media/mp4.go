package media

import (
	"encoding/binary"
	"fmt"
	"io"
)

// ISO base media files (MP4, M4A, MOV, 3GP) are boxes: a 32-bit size, a
// four-letter type and a payload, some of which hold other boxes. A phone
// writes its position, its model and the recording's title in metadata
// boxes (udta with ©xyz, meta with keys/ilst, XMP in a uuid box, 3GPP loci)
// at the top level or inside the movie and its tracks.
//
// cleanMP4 keeps the boxes needed to play the file and turns every other
// box into a "free" box of the same size with its payload zeroed: nothing
// moves, so the chunk offsets (stco/co64) that point into mdat stay valid
// without rewriting them, and the output has the input's length. The
// creation and modification times of the movie, its tracks and their media
// are zeroed too. The media data (mdat) is copied through in bounded
// chunks; the movie header box (moov), which holds no media, is read into
// memory up to maxMoovSize.

const maxMoovSize = 32 << 20

// mp4Keep lists, for each container box walked, the child boxes kept; any
// other child is blanked. stbl, mvex and the sample description are kept
// whole: they describe how to decode the samples, not who made them.
var mp4Keep = map[string]map[string]bool{
	"": set("ftyp", "moov", "mdat", "moof", "mfra", "sidx", "styp", "pdin"),
	// "meta" is not a child of any kept box: it is blanked wherever it is.
	"moov": set("mvhd", "trak", "mvex", "iods"),
	"trak": set("tkhd", "tref", "edts", "mdia", "tapt", "load", "imap", "clip", "matt"),
	"mdia": set("mdhd", "hdlr", "minf", "elng"),
	"minf": set("vmhd", "smhd", "hmhd", "nmhd", "gmhd", "dinf", "stbl", "hdlr"),
	"edts": set("elst"),
	"moof": set("mfhd", "traf"),
	"traf": set("tfhd", "tfdt", "trun", "sbgp", "sgpd", "subs", "saiz", "saio", "senc"),
	"mfra": set("tfra", "mfro"),
}

// mp4Walk lists the containers whose children are walked; the other kept
// boxes are copied whole.
var mp4Walk = set("moov", "trak", "mdia", "minf", "edts", "moof", "traf", "mfra")

// mp4Times are the boxes whose creation and modification times are zeroed.
var mp4Times = set("mvhd", "tkhd", "mdhd")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func malformedMP4(why string) error { return fmt.Errorf("%w: MP4: %s", ErrMalformed, why) }

// mp4Box is a box header: where the box starts, its header and total size.
type mp4Box struct {
	typ        string
	start      int64
	headerSize int64
	size       int64
}

// readMP4Box reads the header of the box at off, within [off, end).
func readMP4Box(src io.ReaderAt, off, end int64) (mp4Box, error) {
	var h [16]byte
	if end-off < 8 {
		return mp4Box{}, malformedMP4("box header cut")
	}
	if _, err := src.ReadAt(h[:8], off); err != nil {
		return mp4Box{}, malformedMP4("box header cut")
	}
	b := mp4Box{typ: string(h[4:8]), start: off, headerSize: 8, size: int64(binary.BigEndian.Uint32(h[:4]))}
	switch b.size {
	case 0: // to the end of the file
		b.size = end - off
	case 1:
		if end-off < 16 {
			return mp4Box{}, malformedMP4("large box header cut")
		}
		if _, err := src.ReadAt(h[8:16], off+8); err != nil {
			return mp4Box{}, malformedMP4("large box header cut")
		}
		b.headerSize = 16
		u := binary.BigEndian.Uint64(h[8:16])
		if u > uint64(end-off) {
			return mp4Box{}, malformedMP4("box larger than its container")
		}
		b.size = int64(u)
	}
	if b.size < b.headerSize || b.size > end-off {
		return mp4Box{}, malformedMP4("bad box size")
	}
	return b, nil
}

// cleanMP4 copies src (size bytes) to dst with metadata boxes blanked.
func cleanMP4(dst io.Writer, src io.ReaderAt, size int64) error {
	var off int64
	first := true
	for off < size {
		b, err := readMP4Box(src, off, size)
		if err != nil {
			return err
		}
		if first && b.typ != "ftyp" {
			return malformedMP4("no ftyp box first")
		}
		first = false
		switch {
		case b.typ == "moov" || b.typ == "moof" || b.typ == "mfra":
			if b.size > maxMoovSize {
				return fmt.Errorf("%w: MP4 %s box of %d bytes", ErrUnsupported, b.typ, b.size)
			}
			buf := make([]byte, b.size)
			if _, err := src.ReadAt(buf, off); err != nil {
				return malformedMP4("box cut")
			}
			if err := blankMP4Children(buf[b.headerSize:], b.typ); err != nil {
				return err
			}
			if _, err := dst.Write(buf); err != nil {
				return err
			}
		case mp4Keep[""][b.typ]:
			if _, err := io.Copy(dst, io.NewSectionReader(src, off, b.size)); err != nil {
				return err
			}
		default:
			if err := writeFreeBox(dst, b); err != nil {
				return err
			}
		}
		off += b.size
	}
	if first {
		return malformedMP4("empty")
	}
	return nil
}

// writeFreeBox writes a "free" box with b's header size and total size and
// a zeroed payload, in place of b.
func writeFreeBox(dst io.Writer, b mp4Box) error {
	h := make([]byte, b.headerSize)
	if b.headerSize == 16 {
		binary.BigEndian.PutUint32(h, 1)
		binary.BigEndian.PutUint64(h[8:], uint64(b.size))
	} else {
		binary.BigEndian.PutUint32(h, uint32(b.size))
	}
	copy(h[4:8], "free")
	if _, err := dst.Write(h); err != nil {
		return err
	}
	_, err := io.CopyN(dst, zeros{}, b.size-b.headerSize)
	return err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// blankMP4Children walks the boxes in payload (the payload of a box of
// type parent) and blanks, in place, those not kept.
func blankMP4Children(payload []byte, parent string) error {
	keep := mp4Keep[parent]
	for len(payload) > 0 {
		b, err := readMP4Box(bytesAt(payload), 0, int64(len(payload)))
		if err != nil {
			return err
		}
		box := payload[:b.size]
		body := box[b.headerSize:]
		switch {
		case !keep[b.typ]:
			copy(box[4:8], "free")
			clear(body)
		case mp4Walk[b.typ]:
			if err := blankMP4Children(body, b.typ); err != nil {
				return err
			}
		case mp4Times[b.typ]:
			zeroMP4Times(body)
		}
		payload = payload[b.size:]
	}
	return nil
}

// zeroMP4Times zeroes the creation and modification times at the start of
// a full box's payload: 32-bit in version 0, 64-bit in version 1.
func zeroMP4Times(body []byte) {
	if len(body) < 4 {
		return
	}
	n := 8
	if body[0] == 1 {
		n = 16
	}
	clear(body[4:min(len(body), 4+n)])
}

// bytesAt is an io.ReaderAt over a byte slice.
type bytesAt []byte

func (b bytesAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
