// Package upload keeps files that arrive with a form on disk, encrypted,
// while they are checked and cleaned, so that the server's memory stays
// bounded whatever their size and however many arrive at once, and no
// plaintext upload ever touches the disk.
//
// A Spool is a temporary file written as a stream of 64 KiB chunks, each
// sealed with XChaCha20-Poly1305 under a key that lives only in memory (a
// fresh random key for a file as it arrives) or that only the form's token
// gives (a cleaned file kept while the reporter corrects the form, see
// Pending). It is read back at random, chunk by chunk.
package upload

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"os"

	"golang.org/x/crypto/chacha20poly1305"
)

const chunkSize = 64 << 10

// Key is a spool's key.
type Key [32]byte

// NewKey returns a random key.
func NewKey() Key {
	var k Key
	rand.Read(k[:])
	return k
}

// ErrCorrupt means a spool's content does not open with its key.
var ErrCorrupt = errors.New("upload: temporary file corrupt")

// Spool is an encrypted temporary file. Write it, then Finish, then read
// it with ReadAt or Reader; Remove it when done (on every path).
type Spool struct {
	f      *os.File
	aead   cipher.AEAD
	buf    []byte // plaintext of the chunk being written, or the cached read chunk
	cached int64  // index of the chunk in buf when reading; -1 for none
	size   int64
	done   bool
	sealed []byte // a sealed chunk, written or read
}

// Create makes a new spool file in dir.
func Create(dir string, k Key) (*Spool, error) {
	f, err := os.CreateTemp(dir, "spool-*")
	if err != nil {
		return nil, err
	}
	return newSpool(f, k, 0, false), nil
}

// Open reopens a finished spool file of size bytes.
func Open(path string, k Key, size int64) (*Spool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return newSpool(f, k, size, true), nil
}

func newSpool(f *os.File, k Key, size int64, done bool) *Spool {
	aead, _ := chacha20poly1305.NewX(k[:])
	return &Spool{f: f, aead: aead, buf: make([]byte, 0, chunkSize), cached: -1, size: size, done: done}
}

// Path is the spool's file.
func (s *Spool) Path() string { return s.f.Name() }

// Size is the number of plaintext bytes.
func (s *Spool) Size() int64 { return s.size }

func (s *Spool) nonce(index int64) []byte {
	n := make([]byte, chacha20poly1305.NonceSizeX)
	binary.BigEndian.PutUint64(n, uint64(index))
	return n
}

// Write adds to the spool.
func (s *Spool) Write(p []byte) (int, error) {
	if s.done {
		return 0, errors.New("upload: write to a finished spool")
	}
	n := len(p)
	for len(p) > 0 {
		m := copy(s.buf[len(s.buf):chunkSize], p)
		s.buf = s.buf[:len(s.buf)+m]
		p = p[m:]
		s.size += int64(m)
		if len(s.buf) == chunkSize {
			if err := s.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (s *Spool) flush() error {
	index := (s.size - int64(len(s.buf))) / chunkSize
	s.sealed = s.aead.Seal(s.sealed[:0], s.nonce(index), s.buf, nil)
	s.buf = s.buf[:0]
	_, err := s.f.Write(s.sealed)
	return err
}

// Finish seals the last chunk; the spool is then read only.
func (s *Spool) Finish() error {
	if s.done {
		return nil
	}
	if len(s.buf) > 0 {
		if err := s.flush(); err != nil {
			return err
		}
	}
	s.done = true
	return nil
}

// ReadAt reads the plaintext at off, decrypting the chunks it spans.
func (s *Spool) ReadAt(p []byte, off int64) (int, error) {
	if !s.done {
		return 0, errors.New("upload: read from an unfinished spool")
	}
	if off < 0 {
		return 0, errors.New("upload: negative offset")
	}
	n := 0
	for len(p) > 0 {
		if off >= s.size {
			return n, io.EOF
		}
		index := off / chunkSize
		if err := s.load(index); err != nil {
			return n, err
		}
		m := copy(p, s.buf[off-index*chunkSize:])
		p, off, n = p[m:], off+int64(m), n+m
	}
	return n, nil
}

func (s *Spool) load(index int64) error {
	if s.cached == index {
		return nil
	}
	plain := min(chunkSize, s.size-index*chunkSize)
	need := int(plain) + s.aead.Overhead()
	if cap(s.sealed) < need {
		s.sealed = make([]byte, chunkSize+s.aead.Overhead())
	}
	s.sealed = s.sealed[:need]
	if _, err := s.f.ReadAt(s.sealed, index*(chunkSize+int64(s.aead.Overhead()))); err != nil {
		return ErrCorrupt
	}
	b, err := s.aead.Open(s.buf[:0], s.nonce(index), s.sealed, nil)
	if err != nil {
		s.cached = -1
		return ErrCorrupt
	}
	s.buf, s.cached = b, index
	return nil
}

// Reader reads the whole plaintext from the start.
func (s *Spool) Reader() io.Reader { return io.NewSectionReader(s, 0, s.size) }

// Remove closes and deletes the spool file; it is safe to call twice.
func (s *Spool) Remove() {
	if s == nil || s.f == nil {
		return
	}
	s.f.Close()
	os.Remove(s.f.Name())
	s.f = nil
}

// Close closes the file and keeps it (a spool moved to Pending).
func (s *Spool) Close() error {
	if s == nil || s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
