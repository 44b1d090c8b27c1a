package media

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// pngKeep lists the chunks copied to the output: the critical ones and the
// ancillaries that only affect rendering. Text (tEXt, zTXt, iTXt), eXIf,
// tIME and any chunk not listed, including unknown private ones, are
// dropped.
var pngKeep = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true,
	"iCCP": true, "bKGD": true, "pHYs": true, "sBIT": true,
}

func malformedPNG(why string) error {
	return fmt.Errorf("%w: png: %s", ErrMalformed, why)
}

// cleanPNG verifies the signature and every chunk's length, type and CRC
// up to IEND, and copies only the chunks in pngKeep. Anything after IEND
// is dropped. Every chunk is checked, dropped ones included, so a damaged
// file is rejected rather than half-copied.
func cleanPNG(data []byte) ([]byte, error) {
	if len(data) < len(pngSignature) || string(data[:len(pngSignature)]) != string(pngSignature) {
		return nil, malformedPNG("bad signature")
	}
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)
	pos := len(pngSignature)
	sawIDAT := false
	for first := true; ; first = false {
		// A chunk is length (4), type (4), data (length), CRC (4).
		rest := len(data) - pos
		if rest < 12 {
			return nil, malformedPNG("truncated chunk")
		}
		n := binary.BigEndian.Uint32(data[pos:])
		if n > 1<<31-1 || uint64(n) > uint64(rest-12) {
			return nil, malformedPNG("bad chunk length")
		}
		end := pos + 12 + int(n)
		chunk := data[pos:end]
		typ := chunk[4:8]
		for _, c := range typ {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return nil, malformedPNG("bad chunk type")
			}
		}
		if crc32.ChecksumIEEE(chunk[4:8+n]) != binary.BigEndian.Uint32(chunk[8+n:]) {
			return nil, malformedPNG("bad CRC in " + string(typ) + " chunk")
		}
		pos = end

		t := string(typ)
		if first && (t != "IHDR" || n != 13) {
			return nil, malformedPNG("IHDR must come first")
		}
		if t == "IDAT" {
			sawIDAT = true
		}
		if pngKeep[t] {
			out = append(out, chunk...)
		}
		if t == "IEND" {
			if !sawIDAT {
				return nil, malformedPNG("no image data")
			}
			return out, nil
		}
	}
}
