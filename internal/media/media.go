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

// m4aBrands are the ftyp major brands accepted as audio. Only "M4A " is:
// "isom", "mp42" and the 3GP brands are also used by phone videos, which
// often carry the GPS position in their metadata, and the brand alone
// cannot tell them apart. Such files are refused until MP4 metadata is
// stripped.
var m4aBrands = [...]string{"M4A "}

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
		for _, b := range m4aBrands {
			if string(head[8:12]) == b {
				return M4A, nil
			}
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
// an empty comment header (see cleanOgg); a broken structure is
// ErrMalformed rather than a best-effort copy, so nothing unparsed slips
// through. EXIF orientation is lost with EXIF. Other audio or video in an
// Ogg container is ErrUnsupported.
//
// MP3, WAV, M4A and PDF are returned unchanged (the returned slice is data
// itself): their metadata is NOT yet stripped. That includes ID3 tags, RIFF
// INFO chunks, MP4 udta/meta atoms (phones can write a location there) and
// the PDF Info dictionary and XMP stream. Strips tells which kinds are
// cleaned.
func Clean(data []byte) ([]byte, Kind, error) {
	kind, err := Detect(data)
	if err != nil {
		return nil, "", err
	}
	clean := cleaners[kind]
	if clean == nil {
		return data, kind, nil
	}
	out, err := clean(data)
	if err != nil {
		return nil, "", err
	}
	return out, kind, nil
}

// cleaners are the kinds whose metadata Clean removes.
var cleaners = map[Kind]func([]byte) ([]byte, error){JPEG: cleanJPEG, PNG: cleanPNG, OGG: cleanOgg}

// Strips reports whether Clean removes the metadata of a kind, rather than
// passing the file through unchanged.
func Strips(k Kind) bool { return cleaners[k] != nil }
