package mediatest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Box returns an ISO base media box of type typ around the payload parts.
func Box(typ string, parts ...[]byte) []byte {
	payload := bytes.Join(parts, nil)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(payload)))
	return append(append(b, typ...), payload...)
}

// fullBox is a box with version 0 and no flags.
func fullBox(typ string, parts ...[]byte) []byte {
	return Box(typ, append([][]byte{{0, 0, 0, 0}}, parts...)...)
}

// MP4 returns a small ISO base media file of the given major brand ("M4A "
// for a voice note, "isom" or "mp42" for an Android video, "qt  " for an
// iPhone video) with the metadata phones and editors write, each holding
// canary: a QuickTime ©xyz location and ©nam/©ART in the movie's udta, an
// iTunes ilst (artist, title) and a location key in a meta box, 3GPP loci
// and auth boxes, a track-level udta, and an XMP packet in a top-level
// uuid box. The movie header records a creation time. The media data
// follows the movie, whose chunk offset points into it.
func MP4(brand, canary string) []byte {
	ftyp := Box("ftyp", []byte(brand), []byte{0, 0, 0, 0}, []byte(brand+"isom"))
	xyz := "+07.1234+112.5678/ " + canary
	quickTime := Box("udta",
		Box("\xa9xyz", binary.BigEndian.AppendUint16(nil, uint16(len(xyz))), []byte{0x15, 0xc7}, []byte(xyz)),
		Box("\xa9nam", []byte("\x00\x10\x00\x00"+canary+" title")),
		Box("\xa9ART", []byte("\x00\x10\x00\x00"+canary+" artist")),
		fullBox("loci", []byte("\x15\xc7"+canary+" place\x00")),
		fullBox("auth", []byte("\x15\xc7"+canary+" author\x00")),
	)
	ilstItem := func(typ, v string) []byte {
		return Box(typ, fullBox("data", []byte("\x00\x00\x00\x01\x00\x00\x00\x00"[4:]), []byte(v)))
	}
	meta := fullBox("meta",
		fullBox("hdlr", []byte("\x00\x00\x00\x00mdir"), make([]byte, 12), []byte{0}),
		fullBox("keys", []byte{0, 0, 0, 1}, Box("mdta", []byte("com.apple.quicktime.location.ISO6709"))),
		Box("ilst", ilstItem("\xa9ART", canary+" artist"), ilstItem("\xa9nam", canary+" title"),
			Box("\x00\x00\x00\x01", fullBox("data", []byte("\x00\x00\x00\x00"), []byte(xyz)))),
	)
	mvhd := fullBox("mvhd", []byte{0xE0, 0, 0, 1, 0xE0, 0, 0, 2}, []byte{0, 0, 0x03, 0xE8, 0, 0, 0x03, 0xE8}, make([]byte, 80))
	mdat := Box("mdat", bytes.Repeat([]byte("media-sample-"), 40))
	trak := func(stco uint32) []byte {
		return Box("trak",
			fullBox("tkhd", []byte{0xE0, 0, 0, 1, 0xE0, 0, 0, 2}, make([]byte, 72)),
			Box("mdia",
				fullBox("mdhd", []byte{0xE0, 0, 0, 1, 0xE0, 0, 0, 2}, make([]byte, 12)),
				fullBox("hdlr", []byte("\x00\x00\x00\x00soun"), make([]byte, 12), []byte("SoundHandler\x00")),
				Box("minf", fullBox("smhd", make([]byte, 4)), Box("stbl", fullBox("stco", []byte{0, 0, 0, 1}, binary.BigEndian.AppendUint32(nil, stco))))),
			Box("udta", Box("\xa9xyz", []byte("\x00\x10\x15\xc7"+xyz))),
			meta,
		)
	}
	xmp := Box("uuid", []byte("\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xac"), []byte(XMP(canary)))
	// Lay out once to learn where mdat's payload lands, then set the offset.
	moov := Box("moov", mvhd, trak(0), quickTime, meta)
	offset := uint32(len(ftyp) + len(moov) + 8)
	moov = Box("moov", mvhd, trak(offset), quickTime, meta)
	return bytes.Join([][]byte{ftyp, moov, mdat, xmp}, nil)
}

// XMP returns an XMP packet naming canary as creator, title and the GPS
// position's description, with a GPS position.
func XMP(canary string) string {
	return `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/">
<dc:creator><rdf:Seq><rdf:li>` + canary + ` creator</rdf:li></rdf:Seq></dc:creator>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + canary + ` title</rdf:li></rdf:Alt></dc:title>
<exif:GPSLatitude>7,7.40S</exif:GPSLatitude><exif:GPSLongitude>112,34.07E</exif:GPSLongitude>
<exif:GPSAreaInformation>` + canary + ` place</exif:GPSAreaInformation>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`
}

// MP3Frame is one silent MPEG-1 layer III frame (128 kbit/s, 44.1 kHz,
// 417 bytes).
func MP3Frame() []byte {
	f := make([]byte, 417)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
	return f
}

// MP3 returns frames silent MP3 frames wrapped in the tags a music player
// or a recorder writes, each holding canary: an ID3v2.3 tag (title,
// artist, comment, and a user text frame with a GPS position) at the
// start, an APEv2 tag and an ID3v1 tag at the end.
func MP3(canary string, frames int) []byte {
	frame := func(id, text string) []byte {
		body := append([]byte{0}, text...)
		h := append([]byte(id), binary.BigEndian.AppendUint32(nil, uint32(len(body)))...)
		return append(append(h, 0, 0), body...)
	}
	tags := bytes.Join([][]byte{
		frame("TIT2", canary+" title"), frame("TPE1", canary+" artist"), frame("TCOM", canary+" composer"),
		frame("TXXX", "GPS\x00-7.1234,112.5678 "+canary),
	}, nil)
	n := len(tags)
	id3 := append([]byte("ID3\x03\x00\x00"), byte(n>>21&0x7f), byte(n>>14&0x7f), byte(n>>7&0x7f), byte(n&0x7f))
	id3 = append(id3, tags...)

	item := func(key, v string) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(v)))
		b = binary.LittleEndian.AppendUint32(b, 0)
		return append(append(append(b, key...), 0), v...)
	}
	items := append(item("Artist", canary+" artist"), item("Title", canary+" title")...)
	apeHF := func(header bool) []byte {
		b := append([]byte("APETAGEX"), binary.LittleEndian.AppendUint32(nil, 2000)...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(items)+32))
		b = binary.LittleEndian.AppendUint32(b, 2)
		flags := uint32(1 << 31)
		if header {
			flags |= 1 << 29
		}
		b = binary.LittleEndian.AppendUint32(b, flags)
		return append(b, make([]byte, 8)...)
	}
	ape := bytes.Join([][]byte{apeHF(true), items, apeHF(false)}, nil)

	v1 := make([]byte, 128)
	copy(v1, "TAG")
	copy(v1[3:33], canary+" t")
	copy(v1[33:63], canary+" a")
	return bytes.Join([][]byte{id3, bytes.Repeat(MP3Frame(), frames), ape, v1}, nil)
}

// PDF returns a one-page PDF 1.4 with a valid cross-reference table whose
// Info dictionary (Author, Title, Creator, Producer, Subject, Keywords and a
// custom GPS key) and whose document-level and page-level XMP metadata
// streams each hold canary. The page shows the text "visible".
func PDF(canary string) []byte {
	content := "BT /F1 12 Tf 72 720 Td (visible) Tj ET"
	xmp := XMP(canary)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Metadata 7 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream", len(xmp), xmp),
		fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream", len(xmp), strings.ReplaceAll(xmp, "creator", "page creator")),
		fmt.Sprintf("<< /Author (%[1]s author) /Title (%[1]s title \\(draft\\)) /Creator <%[2]x> /Producer (%[1]s producer) /Subject (%[1]s) /Keywords (%[1]s) /GPS (-7.1234,112.5678) /CreationDate (D:20260101120000+07'00') >>", canary, canary+" creator"),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, len(objs), xref)
	return b.Bytes()
}
