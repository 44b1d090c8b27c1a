package web

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strconv"
)

// gzipSplice is the cached report form, compressed once, into which each
// request's token goes uncompressed. A gzip file is a header, a DEFLATE
// stream and a trailer (CRC-32 and length of the whole text); a DEFLATE
// stream is a sequence of blocks, and a flushed compressor ends its blocks
// on a byte boundary. So the page before the token is compressed once and
// flushed, the token follows as a stored (uncompressed) block written per
// request, and the page after it is compressed once, by a compressor of
// its own, ending with the final block; only the trailer is computed per
// request. Two things follow:
//
//   - A request costs a CRC over the page (microseconds) instead of
//     compressing 34 KB (about half of GET / before).
//   - The token never passes through a compressor and the compressed
//     parts never refer to it: the response's size does not depend on
//     the token, so it leaks nothing of it (BREACH needs a secret
//     compressed together with text an attacker chose; here there is
//     neither).
type gzipSplice struct {
	head, tail []byte // gzip header + DEFLATE(before), flushed; DEFLATE(after), final
	crcBefore  uint32
	before     int    // length of the text before the token
	after      []byte // the text after the token, for the CRC
}

// gzipHeader: magic, DEFLATE, no flags, no time, no extra flags, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

func newGzipSplice(before, after []byte) (*gzipSplice, error) {
	var head bytes.Buffer
	head.Write(gzipHeader)
	fw, err := flate.NewWriter(&head, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(before); err != nil {
		return nil, err
	}
	if err := fw.Flush(); err != nil { // byte-aligned, not final
		return nil, err
	}
	var tail bytes.Buffer
	fw, err = flate.NewWriter(&tail, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(after); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil { // the final block
		return nil, err
	}
	return &gzipSplice{head: head.Bytes(), tail: tail.Bytes(), crcBefore: crc32.ChecksumIEEE(before),
		before: len(before), after: after}, nil
}

// write sends the page with token, gzipped, as one response.
func (g *gzipSplice) write(w http.ResponseWriter, lang string, token []byte) {
	stored := make([]byte, 0, 5+len(token)+8)
	// A stored block: BFINAL 0, BTYPE 00 (the rest of the byte is
	// padding), then LEN and its complement, then the bytes. A token is
	// far below a stored block's 65,535 bytes.
	n := uint16(len(token))
	stored = append(stored, 0)
	stored = binary.LittleEndian.AppendUint16(stored, n)
	stored = binary.LittleEndian.AppendUint16(stored, ^n)
	stored = append(stored, token...)
	crc := crc32.Update(crc32.Update(g.crcBefore, crc32.IEEETable, token), crc32.IEEETable, g.after)
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc)
	binary.LittleEndian.PutUint32(trailer[4:], uint32(g.before+len(token)+len(g.after)))

	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(len(g.head)+len(stored)+len(g.tail)+len(trailer)))
	writeHTML(w, lang, http.StatusOK, true, g.head, stored, g.tail, trailer[:])
}
