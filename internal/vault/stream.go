package vault

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"io"
	"math/bits"

	"golang.org/x/crypto/chacha20poly1305"
)

// Files are encrypted as a stream of fixed-size chunks, so memory stays
// bounded whatever the file's size. Each chunk holds a 2-byte length and up
// to chunkData bytes of the file, zero-filled to the full chunk size, and is
// sealed with XChaCha20-Poly1305 under the record's data key: the nonce is a
// random prefix plus the chunk's number (no reordering) and the associated
// data names the field and marks the last chunk (no truncation). The number
// of chunks is padded with empty chunks following Padmé, so the stored size
// says little about the file: every file under 64 KiB looks the same, and
// larger ones leak only about log log of their size.
const (
	chunkSize  = 64 << 10
	chunkData  = chunkSize - 2
	streamHead = "SPKF\x01"
	prefixLen  = 16
)

// EncryptStream reads src to its end and writes the encrypted stream to
// dst. It returns the number of plaintext bytes read.
func EncryptStream(dst io.Writer, src io.Reader, k DataKey, f Field) (int64, error) {
	w := newChunkSealer(k, f)
	if _, err := dst.Write(append([]byte(streamHead), w.prefix...)); err != nil {
		return 0, err
	}
	cur, next := make([]byte, chunkSize), make([]byte, chunkSize)
	n, err := readChunk(src, cur)
	if err != nil {
		return 0, err
	}
	total, chunks := int64(n), uint64(1)
	for n == chunkData {
		m, err := readChunk(src, next)
		if err != nil {
			return total, err
		}
		if m == 0 {
			break // the file ended exactly at a chunk boundary
		}
		if err := w.write(dst, cur, false); err != nil {
			return total, err
		}
		cur, next = next, cur
		n, total, chunks = m, total+int64(m), chunks+1
	}
	padded := padme(chunks)
	if err := w.write(dst, cur, padded == chunks); err != nil {
		return total, err
	}
	empty := make([]byte, chunkSize)
	for i := chunks + 1; i <= padded; i++ {
		if err := w.write(dst, empty, i == padded); err != nil {
			return total, err
		}
	}
	return total, nil
}

// readChunk fills buf with a length prefix and up to chunkData bytes of r,
// zero-filled. It returns the number of bytes of r; 0 means r has ended.
func readChunk(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf[2:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return 0, err
	}
	clear(buf[2+n:])
	binary.BigEndian.PutUint16(buf, uint16(n))
	return n, nil
}

type chunkSealer struct {
	aead   cipher.AEAD
	prefix []byte
	field  Field
	index  uint64
	out    []byte
}

func newChunkSealer(k DataKey, f Field) *chunkSealer {
	aead, _ := chacha20poly1305.NewX(k[:])
	prefix := make([]byte, prefixLen)
	rand.Read(prefix)
	return &chunkSealer{aead: aead, prefix: prefix, field: f}
}

func (c *chunkSealer) nonce(index uint64) []byte {
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	copy(nonce, c.prefix)
	binary.BigEndian.PutUint64(nonce[prefixLen:], index)
	return nonce
}

func (c *chunkSealer) write(dst io.Writer, plain []byte, final bool) error {
	c.out = c.aead.Seal(c.out[:0], c.nonce(c.index), plain, chunkAD(c.field, final))
	c.index++
	_, err := dst.Write(c.out)
	return err
}

// DecryptStream checks and decrypts what EncryptStream wrote, writing the
// file to dst. Output is written chunk by chunk as each is verified; if an
// error is returned, what was written must be discarded.
func DecryptStream(dst io.Writer, src io.Reader, k DataKey, f Field) (int64, error) {
	head := make([]byte, len(streamHead)+prefixLen)
	if _, err := io.ReadFull(src, head); err != nil || string(head[:len(streamHead)]) != streamHead {
		return 0, ErrOpen
	}
	c := &chunkSealer{prefix: head[len(streamHead):], field: f}
	c.aead, _ = chacha20poly1305.NewX(k[:])
	sealedSize := chunkSize + c.aead.Overhead()
	cur, next := make([]byte, sealedSize), make([]byte, sealedSize)
	if _, err := io.ReadFull(src, cur); err != nil {
		return 0, ErrOpen
	}
	var total int64
	ended := false // a short chunk was seen: only padding may follow
	plain := make([]byte, 0, chunkSize)
	for {
		m, err := io.ReadFull(src, next)
		final := m == 0 && err == io.EOF
		if !final && err != nil {
			return total, ErrOpen
		}
		plain, err = c.aead.Open(plain[:0], c.nonce(c.index), cur, chunkAD(f, final))
		if err != nil {
			return total, ErrOpen
		}
		c.index++
		n := int(binary.BigEndian.Uint16(plain))
		if n > chunkData || ended && n > 0 {
			return total, ErrOpen
		}
		if n < chunkData {
			ended = true
		}
		if _, err := dst.Write(plain[2 : 2+n]); err != nil {
			return total, err
		}
		total += int64(n)
		if final {
			return total, nil
		}
		cur, next = next, cur
	}
}

// EncryptedSize returns the stored size of a file of n bytes.
func EncryptedSize(n int64) int64 {
	chunks := uint64(n/chunkData + 1)
	if n > 0 && n%chunkData == 0 {
		chunks--
	}
	return int64(len(streamHead)+prefixLen) + int64(padme(chunks))*(chunkSize+chacha20poly1305.Overhead)
}

func chunkAD(f Field, final bool) []byte {
	ad := f.ad()
	if final {
		return append(ad, 1)
	}
	return append(ad, 0)
}

// padme returns the padded number of chunks for n chunks.
func padme(n uint64) uint64 {
	if n < 2 {
		return 1
	}
	e := uint64(bits.Len64(n) - 1)       // floor(log2 n)
	s := uint64(bits.Len64(e))           // floor(log2 e) + 1
	mask := uint64(1)<<(e-min(e, s)) - 1 // keep the top s bits
	return (n + mask) &^ mask
}
