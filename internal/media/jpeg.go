package media

import (
	"bytes"
	"fmt"
)

// JPEG markers used below (ITU-T T.81, table B.1).
const (
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mRST0  = 0xD0
	mRST7  = 0xD7
	mTEM   = 0x01
	mAPP0  = 0xE0
	mAPP2  = 0xE2
	mAPP14 = 0xEE
)

// jfifThumbless is the size of a JFIF APP0 body without its thumbnail:
// "JFIF\0", version (2), units (1), densities (2+2), thumbnail size (1+1).
const jfifThumbless = 14

func malformedJPEG(why string) error {
	return fmt.Errorf("%w: jpeg: %s", ErrMalformed, why)
}

// keepJPEGMarker reports whether a segment with a length field is kept
// unchanged: frame headers, tables and restart intervals, which are all
// fixed-format numbers. APPn and COM are handled by the caller; every
// other marker (JPGn extensions, reserved codes) is dropped.
func keepJPEGMarker(m byte) bool {
	switch {
	case m >= 0xC0 && m <= 0xCF && m != 0xC8: // SOFn, DHT (C4), DAC (CC); C8 is JPG, reserved
		return true
	case m == 0xDB || m == 0xDC || m == 0xDD || m == 0xDE || m == 0xDF: // DQT, DNL, DRI, DHP, EXP
		return true
	}
	return false
}

// isSOF reports whether m starts a frame (SOFn, excluding DHT, JPG, DAC).
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

// cleanJPEG walks the marker segments and copies only those needed to
// decode the image. APP0 is kept only as JFIF and without its embedded
// thumbnail (a thumbnail can show the picture before it was cropped);
// APP14 only as Adobe (its colour transform flag changes decoding); APP2
// only as ICC_PROFILE. APP1 (EXIF, XMP), APP13 (IPTC), other APPn and COM
// are dropped, as is anything after EOI. The output is never longer than
// the input: fill bytes are dropped and nothing is added.
func cleanJPEG(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != mSOI {
		return nil, malformedJPEG("missing SOI")
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, mSOI)
	sawFrame, sawScan := false, false
	pos := 2
	for {
		// Each marker is 0xFF, any number of 0xFF fill bytes, then a code.
		if pos >= len(data) {
			return nil, malformedJPEG("missing EOI")
		}
		if data[pos] != 0xFF {
			return nil, malformedJPEG("expected a marker")
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			return nil, malformedJPEG("missing EOI")
		}
		m := data[pos]
		pos++
		switch {
		case m == 0x00 || m == mSOI:
			return nil, malformedJPEG("unexpected marker")
		case m == mEOI:
			if !sawScan {
				return nil, malformedJPEG("no image data")
			}
			return append(out, 0xFF, mEOI), nil // trailing data dropped
		case m == mTEM || (m >= mRST0 && m <= mRST7):
			continue // stray standalone marker outside a scan: no payload, drop
		}

		// All remaining markers carry a big-endian length that counts itself.
		if len(data)-pos < 2 {
			return nil, malformedJPEG("truncated segment length")
		}
		n := int(data[pos])<<8 | int(data[pos+1])
		if n < 2 || n > len(data)-pos {
			return nil, malformedJPEG("bad segment length")
		}
		seg := data[pos : pos+n] // length field + body
		body := seg[2:]
		pos += n

		switch {
		case m == mSOS:
			if !sawFrame {
				return nil, malformedJPEG("scan before frame header")
			}
			end, err := scanEnd(data, pos)
			if err != nil {
				return nil, err
			}
			out = append(out, 0xFF, m)
			out = append(out, seg...)
			out = append(out, data[pos:end]...)
			pos = end
			sawScan = true
		case m == mAPP0:
			if len(body) >= jfifThumbless && bytes.HasPrefix(body, []byte("JFIF\x00")) {
				out = append(out, 0xFF, m, 0, 2+jfifThumbless)
				out = append(out, body[:jfifThumbless-2]...)
				out = append(out, 0, 0) // no thumbnail
			}
		case m == mAPP2:
			if bytes.HasPrefix(body, []byte("ICC_PROFILE\x00")) {
				out = append(out, 0xFF, m)
				out = append(out, seg...)
			}
		case m == mAPP14:
			if bytes.HasPrefix(body, []byte("Adobe")) {
				out = append(out, 0xFF, m)
				out = append(out, seg...)
			}
		case keepJPEGMarker(m):
			if isSOF(m) {
				sawFrame = true
			}
			out = append(out, 0xFF, m)
			out = append(out, seg...)
		}
		// Everything else (APP1, APP13, other APPn, COM, reserved) is dropped.
	}
}

// scanEnd returns the offset of the marker that ends the entropy-coded
// data starting at pos. Inside it, 0xFF is followed by 0x00 (a stuffed
// data byte) or by RSTn, possibly after fill bytes; both stay part of the
// data. The fill bytes before the ending marker are not included.
func scanEnd(data []byte, pos int) (int, error) {
	for {
		i := bytes.IndexByte(data[pos:], 0xFF)
		if i < 0 {
			return 0, malformedJPEG("truncated scan")
		}
		start := pos + i
		j := start
		for j < len(data) && data[j] == 0xFF {
			j++
		}
		if j >= len(data) {
			return 0, malformedJPEG("truncated scan")
		}
		if c := data[j]; c == 0x00 || (c >= mRST0 && c <= mRST7) {
			pos = j + 1
			continue
		}
		return start, nil
	}
}
