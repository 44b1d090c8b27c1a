package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Ogg framing (RFC 3533): a page header is "OggS", a version (0), flags,
// a granule position, the stream serial, a page sequence number, a CRC and
// the segment table; packets are cut into lacing values of at most 255
// bytes, a value below 255 ending a packet.
const (
	oggHeaderLen  = 27
	oggContinued  = 0x01
	oggFirst      = 0x02
	oggLast       = 0x04
	oggMaxSegment = 255
)

// oggVendor is the neutral vendor string written into a cleaned comment
// header in place of the recording app's (which names the phone's software).
const oggVendor = "spiker"

func malformedOgg(why string) error {
	return fmt.Errorf("%w: ogg: %s", ErrMalformed, why)
}

type oggPage struct {
	flags   byte
	granule uint64
	serial  uint32
	lacing  []byte
	body    []byte
}

// oggCodec describes where a codec keeps its comment header: the second of
// its header packets, after the identification header that is alone on the
// first page.
type oggCodec struct {
	ident, comment string // magic at the start of the two packets
	headers        int    // header packets before the audio
	framing        bool   // the comment header ends with a framing bit (Vorbis)
}

var oggCodecs = []oggCodec{
	{ident: "OpusHead", comment: "OpusTags", headers: 2},                    // RFC 7845
	{ident: "\x01vorbis", comment: "\x03vorbis", headers: 3, framing: true}, // Vorbis I §4.2
}

// cleanOgg rewrites a single-stream Ogg Opus or Ogg Vorbis file with an
// empty comment header (only a neutral vendor string): the tags a phone or
// an editor writes (artist, title, encoder, a location, cover art) are
// gone. The identification header and the audio pages are kept as they
// are; the header pages are laid out anew and every page gets fresh
// sequence numbers and CRCs. Anything else in an Ogg container (Theora
// video, FLAC, Speex, several multiplexed or chained streams) is refused.
func cleanOgg(data []byte) ([]byte, error) {
	pages, err := parseOggPages(data)
	if err != nil {
		return nil, err
	}
	first := pages[0]
	if first.flags != oggFirst || len(first.lacing) == 0 || !onePacket(first.lacing) {
		return nil, malformedOgg("the first page does not hold exactly the identification header")
	}
	var codec *oggCodec
	for i := range oggCodecs {
		if bytes.HasPrefix(first.body, []byte(oggCodecs[i].ident)) {
			codec = &oggCodecs[i]
		}
	}
	if codec == nil {
		return nil, fmt.Errorf("%w: ogg: not Opus or Vorbis audio", ErrUnsupported)
	}
	headers, audio, err := oggHeaderPackets(pages[1:], codec.headers-1)
	if err != nil {
		return nil, err
	}
	if !codec.validComment(headers[0]) {
		return nil, malformedOgg("the second packet is not a comment header")
	}
	headers[0] = emptyComment(codec, len(headers[0]))
	out := make([]byte, 0, len(data))
	seq := uint32(0)
	out = appendOggPage(out, first, seq)
	for _, p := range paginate(headers, first.serial) {
		seq++
		out = appendOggPage(out, p, seq)
	}
	for _, p := range audio {
		seq++
		out = appendOggPage(out, p, seq)
	}
	return out, nil
}

// parseOggPages reads every page, checking the framing and each CRC, and
// that the file is one logical stream from its first page to its last.
func parseOggPages(data []byte) ([]oggPage, error) {
	var pages []oggPage
	for len(data) > 0 {
		if len(pages) > 0 && pages[len(pages)-1].flags&oggLast != 0 {
			return nil, malformedOgg("data after the last page")
		}
		if len(data) < oggHeaderLen || string(data[:4]) != "OggS" || data[4] != 0 {
			return nil, malformedOgg("bad page header")
		}
		n := int(data[26])
		if len(data) < oggHeaderLen+n {
			return nil, malformedOgg("truncated segment table")
		}
		lacing := data[oggHeaderLen : oggHeaderLen+n]
		size := oggHeaderLen + n
		for _, l := range lacing {
			size += int(l)
		}
		if len(data) < size {
			return nil, malformedOgg("truncated page")
		}
		if binary.LittleEndian.Uint32(data[22:26]) != oggCRC(data[:size]) {
			return nil, malformedOgg("page checksum does not match")
		}
		p := oggPage{flags: data[5], granule: binary.LittleEndian.Uint64(data[6:14]),
			serial: binary.LittleEndian.Uint32(data[14:18]), lacing: lacing, body: data[oggHeaderLen+n : size]}
		if p.flags&^(oggContinued|oggFirst|oggLast) != 0 {
			return nil, malformedOgg("unknown page flags")
		}
		if (p.flags&oggFirst != 0) != (len(pages) == 0) || len(pages) > 0 && p.serial != pages[0].serial {
			return nil, malformedOgg("not a single logical stream")
		}
		pages = append(pages, p)
		data = data[size:]
	}
	if len(pages) == 0 {
		return nil, malformedOgg("no pages")
	}
	return pages, nil
}

// onePacket reports whether a page's lacing values make exactly one
// complete packet.
func onePacket(lacing []byte) bool {
	for i, l := range lacing {
		if (l < oggMaxSegment) != (i == len(lacing)-1) {
			return false
		}
	}
	return true
}

// oggHeaderPackets reassembles the n header packets that follow the
// identification page. They must end at a page boundary (audio starts on a
// fresh page, as both codecs require); the pages after them are returned
// as the audio.
func oggHeaderPackets(pages []oggPage, n int) (packets [][]byte, audio []oggPage, err error) {
	var cur []byte
	open := false // a packet is in progress across pages
	for i, p := range pages {
		if (p.flags&oggContinued != 0) != open {
			return nil, nil, malformedOgg("continuation flag does not match the packets")
		}
		offset := 0
		for j, l := range p.lacing {
			cur = append(cur, p.body[offset:offset+int(l)]...)
			offset += int(l)
			open = l == oggMaxSegment
			if open {
				continue
			}
			packets = append(packets, cur)
			cur = nil
			if len(packets) == n {
				if j != len(p.lacing)-1 {
					return nil, nil, malformedOgg("audio shares a page with the headers")
				}
				return packets, pages[i+1:], nil
			}
		}
	}
	return nil, nil, malformedOgg("the header packets are incomplete")
}

// validComment reports whether pkt is a well-formed comment header: the
// magic, a vendor string and a list of comments, each with its length, and
// for Vorbis the framing bit. (Opus may have binary data after the list; it
// goes with the rest.)
func (c *oggCodec) validComment(pkt []byte) bool {
	rest, ok := bytes.CutPrefix(pkt, []byte(c.comment))
	field := func() bool {
		if len(rest) < 4 || uint64(binary.LittleEndian.Uint32(rest)) > uint64(len(rest)-4) {
			return false
		}
		rest = rest[4+binary.LittleEndian.Uint32(rest):]
		return true
	}
	if !ok || !field() || len(rest) < 4 {
		return false
	}
	n := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	for range n {
		if !field() {
			return false
		}
	}
	return !c.framing || len(rest) > 0 && rest[0]&1 == 1
}

// emptyComment builds a comment header with the neutral vendor string and
// no comments. When the original was shorter than that, the vendor string
// is left empty, so that a cleaned file is never longer than its input.
func emptyComment(c *oggCodec, originalLen int) []byte {
	build := func(vendor string) []byte {
		b := []byte(c.comment)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(vendor)))
		b = append(b, vendor...)
		b = binary.LittleEndian.AppendUint32(b, 0) // no comments
		if c.framing {
			b = append(b, 1)
		}
		return b
	}
	if b := build(oggVendor); len(b) <= originalLen {
		return b
	}
	return build("")
}

// paginate lays packets out on as few pages as possible, as an encoder
// does: at most 255 lacing values a page, a packet that does not fit
// continuing on the next. A page on which no packet ends has the granule
// position -1 (RFC 3533); header pages otherwise have 0.
func paginate(packets [][]byte, serial uint32) []oggPage {
	var pages []oggPage
	cur := oggPage{serial: serial, granule: ^uint64(0)}
	for _, pkt := range packets {
		for started := false; ; started = true {
			if len(cur.lacing) == oggMaxSegment {
				pages = append(pages, cur)
				cur = oggPage{serial: serial, granule: ^uint64(0)}
				if started {
					cur.flags = oggContinued
				}
			}
			l := min(len(pkt), oggMaxSegment)
			cur.lacing = append(cur.lacing, byte(l))
			cur.body = append(cur.body, pkt[:l]...)
			pkt = pkt[l:]
			if l < oggMaxSegment {
				cur.granule = 0
				break
			}
		}
	}
	return append(pages, cur)
}

// appendOggPage writes a page with sequence number seq and its CRC.
func appendOggPage(out []byte, p oggPage, seq uint32) []byte {
	start := len(out)
	out = append(out, "OggS"...)
	out = append(out, 0, p.flags)
	out = binary.LittleEndian.AppendUint64(out, p.granule)
	out = binary.LittleEndian.AppendUint32(out, p.serial)
	out = binary.LittleEndian.AppendUint32(out, seq)
	out = append(out, 0, 0, 0, 0, byte(len(p.lacing)))
	out = append(out, p.lacing...)
	out = append(out, p.body...)
	binary.LittleEndian.PutUint32(out[start+22:], oggCRC(out[start:]))
	return out
}

// oggCRCTable is CRC-32 with polynomial 0x04C11DB7, not reflected (Ogg's).
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04C11DB7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

// oggCRC is the checksum of a page, computed with its CRC field as zero.
func oggCRC(page []byte) uint32 {
	var crc uint32
	for i, b := range page {
		if i >= 22 && i < 26 {
			b = 0
		}
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^b]
	}
	return crc
}
