// Package media checks the type of files uploaded with a report (photos,
// voice notes, PDFs) and removes identifying metadata before they are
// encrypted and stored. A photo's EXIF can hold the GPS position of the
// person reporting and the serial number of their phone, so images are
// rewritten from an allowlist of structures rather than by deleting known
// bad ones: anything not understood is dropped.
//
// The kind of a file is always decided from its bytes, never from its name
// or a type sent by the client, which an attacker controls.
package media

import (
	"bytes"
	"errors"
	"io"
)

// Kind is an accepted file kind, named by its MIME type.
type Kind string

// The accepted kinds.
const (
	JPEG Kind = "image/jpeg"
	PNG  Kind = "image/png"
	MP3  Kind = "audio/mpeg"
	OGG  Kind = "audio/ogg" // includes WhatsApp voice notes (Ogg Opus)
	WAV  Kind = "audio/wav"
	M4A  Kind = "audio/mp4"
	MP4  Kind = "video/mp4" // phone videos, and audio in an MP4 of another brand
	MOV  Kind = "video/quicktime"
	PDF  Kind = "application/pdf"
)

var (
	// ErrUnsupported means the content is not one of the accepted kinds.
	ErrUnsupported = errors.New("media: unsupported file type")
	// ErrMalformed means the content claims an accepted kind but its
	// structure is broken (truncated segments, bad lengths or checksums).
	ErrMalformed = errors.New("media: malformed file")
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// mp4Brands are the ftyp major brands accepted, with the kind each names:
// iTunes audio, the MP4 and 3GPP brands phones write for video (and some
// recorders for audio), and QuickTime (iPhone videos). The metadata of all
// is removed the same way (see cleanMP4).
var mp4Brands = map[string]Kind{
	"M4A ": M4A, "M4B ": M4A,
	"isom": MP4, "iso2": MP4, "iso4": MP4, "iso5": MP4, "iso6": MP4, "mp41": MP4, "mp42": MP4, "avc1": MP4, "M4V ": MP4,
	"3gp4": MP4, "3gp5": MP4, "3gp6": MP4, "3g2a": MP4, "MSNV": MP4, "dash": MP4,
	"qt  ": MOV,
}

// Detect returns the kind of a file from its first bytes. Pass at least the
// first 512 bytes when available; only the first 12 are examined today.
// Short or empty input returns ErrUnsupported.
func Detect(head []byte) (Kind, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case bytes.HasPrefix(head, pngSignature):
		return PNG, nil
	case bytes.HasPrefix(head, []byte("ID3")):
		return MP3, nil
	// MPEG audio frame sync: 11 set bits. Checked after JPEG, whose
	// FF D8 would not match anyway (0xD8&0xE0 == 0xC0).
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return MP3, nil
	case bytes.HasPrefix(head, []byte("OggS")):
		return OGG, nil
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return WAV, nil
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		if k, ok := mp4Brands[string(head[8:12])]; ok {
			return k, nil
		}
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF, nil
	}
	return "", ErrUnsupported
}

// Clean returns the file with metadata removed, and its kind. It never
// panics, and the output is never longer than the input.
//
// JPEG and PNG are rewritten keeping only the structures needed to render
// the image (see cleanJPEG and cleanPNG), and Ogg Opus and Ogg Vorbis with
// an empty comment header (see cleanOgg); MP3 keeps only its audio frames
// (see cleanMP3); MP4, M4A and MOV have their metadata boxes blanked (see
// cleanMP4); PDF has its Info dictionaries and XMP metadata blanked (see
// cleanPDF). A broken structure is ErrMalformed rather than a best-effort
// copy, so nothing unparsed slips through. EXIF orientation is lost with
// EXIF. Other audio or video in an Ogg container is ErrUnsupported.
//
// WAV is returned unchanged (the returned slice is data itself): its RIFF
// INFO chunks are NOT yet stripped. Strips tells which kinds are cleaned.
func Clean(data []byte) ([]byte, Kind, error) {
	var out bytes.Buffer
	kind, err := CleanTo(&out, bytesAt(data), int64(len(data)))
	if err != nil {
		return nil, "", err
	}
	if !Strips(kind) {
		return data, kind, nil
	}
	return out.Bytes(), kind, nil
}

// CleanTo is Clean from a file of size bytes read at random (a sealed
// temporary file) to dst. MP3 and the MP4 family stream through bounded
// buffers whatever their size (an MP4 movie header up to 32 MiB is read
// whole); the other kinds are read whole into memory, which their size
// limit bounds. On error, what was written to dst must be discarded.
func CleanTo(dst io.Writer, src io.ReaderAt, size int64) (Kind, error) {
	head := make([]byte, min(size, 512))
	if _, err := src.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", err
	}
	kind, err := Detect(head)
	if err != nil {
		return "", err
	}
	if stream := streamCleaners[kind]; stream != nil {
		return kind, stream(dst, src, size)
	}
	data := make([]byte, size)
	if _, err := src.ReadAt(data, 0); err != nil && err != io.EOF {
		return "", err
	}
	clean := cleaners[kind]
	if clean == nil {
		_, err := dst.Write(data)
		return kind, err
	}
	out, err := clean(data)
	if err != nil {
		return "", err
	}
	_, err = dst.Write(out)
	return kind, err
}

// cleaners are the kinds whose metadata Clean removes in memory, and
// streamCleaners those it removes as the file streams through.
var (
	cleaners       = map[Kind]func([]byte) ([]byte, error){JPEG: cleanJPEG, PNG: cleanPNG, OGG: cleanOgg, PDF: cleanPDF}
	streamCleaners = map[Kind]func(io.Writer, io.ReaderAt, int64) error{MP3: cleanMP3, M4A: cleanMP4, MP4: cleanMP4, MOV: cleanMP4}
)

// Strips reports whether Clean removes the metadata of a kind, rather than
// passing the file through unchanged.
func Strips(k Kind) bool { return cleaners[k] != nil || streamCleaners[k] != nil }

// Streams reports whether CleanTo cleans a kind in bounded memory whatever
// the file's size.
func Streams(k Kind) bool { return streamCleaners[k] != nil }

func (k Kind) String() string { return string(k) }
