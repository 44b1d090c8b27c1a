package media_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/spikerperak/spiker/internal/media"
)

// Heads of real files of each accepted kind.
var kindHeads = []struct {
	name string
	head []byte
	kind media.Kind
}{
	{"JPEG JFIF", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), media.JPEG},
	{"JPEG EXIF", []byte("\xFF\xD8\xFF\xE1\x1c\x45Exif\x00\x00"), media.JPEG},
	{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), media.PNG},
	{"MP3 ID3v2", []byte("ID3\x04\x00\x00\x00\x00\x01\x00TIT2"), media.MP3},
	{"MP3 MPEG-1 layer III frame", []byte("\xFF\xFB\x90\x64\x00\x00"), media.MP3},
	{"MP3 MPEG-2 layer III frame", []byte("\xFF\xF3\x48\xC4"), media.MP3},
	{"Ogg Opus (WhatsApp)", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00OpusHead"), media.OGG},
	{"WAV", []byte("RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00"), media.WAV},
	{"M4A", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom"), media.M4A},
	{"PDF", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), media.PDF},
	{"phone video mp42", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"), media.MP4},
	{"phone video isom", []byte("\x00\x00\x00\x1cftypisom\x00\x00\x02\x00"), media.MP4},
	{"3GP video", []byte("\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00"), media.MP4},
	{"iPhone video (QuickTime brand)", []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00"), media.MOV},
}

var unsupportedHeads = []struct {
	name string
	head []byte
}{
	{"nil", nil},
	{"empty", []byte{}},
	{"hello", []byte("hello")},
	{"GIF", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00")},
	{"HTML", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")},
	{"EXE", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF")},
	{"ZIP/DOCX", []byte("PK\x03\x04\x14\x00\x06\x00")},
	{"AVI is RIFF but not WAVE", []byte("RIFF\x24\x08\x00\x00AVI LIST")},
	{"WebP is RIFF but not WAVE", []byte("RIFF\x24\x08\x00\x00WEBPVP8 ")},
	{"HEIC brand", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00")},
	{"ftyp at wrong offset", []byte("ftypM4A \x00\x00\x00\x00")},
	{"JPEG SOI alone", []byte("\xFF\xD8")},
	{"PNG signature cut", []byte("\x89PNG\r\n\x1a")},
	{"RIFF cut", []byte("RIFF\x24\x08\x00\x00WAV")},
	{"ftyp cut", []byte("\x00\x00\x00\x20ftypM4A")},
	{"PDF without dash", []byte("%PDF")},
	{"lone FF", []byte{0xFF}},
	{"FF without frame sync", []byte{0xFF, 0xD8, 0x00}},
	{"text claiming JPEG", []byte("image/jpeg")},
}

func TestDetect(t *testing.T) {
	for _, c := range kindHeads {
		if k, err := media.Detect(c.head); err != nil || k != c.kind {
			t.Errorf("%s: Detect = %q, %v; want %q", c.name, k, err, c.kind)
		}
	}
	for _, c := range unsupportedHeads {
		if k, err := media.Detect(c.head); !errors.Is(err, media.ErrUnsupported) || k != "" {
			t.Errorf("%s: Detect = %q, %v; want ErrUnsupported", c.name, k, err)
		}
	}
	_, jpg, _ := canaryJPEG(t)
	png, _ := canaryPNG(t)
	for _, c := range []struct {
		data []byte
		kind media.Kind
	}{{jpg, media.JPEG}, {png, media.PNG}} {
		if k, err := media.Detect(c.data[:512]); err != nil || k != c.kind {
			t.Errorf("Detect(first 512 bytes) = %q, %v; want %q", k, err, c.kind)
		}
	}
}

// TestCleanPassThrough: kinds without a stripper yet come back unchanged,
// still detected from the bytes; anything else is refused.
func TestCleanPassThrough(t *testing.T) {
	for _, c := range kindHeads {
		if media.Strips(c.kind) {
			continue
		}
		in := cat(c.head, []byte("rest of the file"))
		out, k, err := media.Clean(in)
		if err != nil || k != c.kind || !bytes.Equal(out, in) {
			t.Errorf("%s: Clean = %q, %v, changed=%v", c.name, k, err, !bytes.Equal(out, in))
		}
	}
	for _, c := range unsupportedHeads {
		out, k, err := media.Clean(c.head)
		if !errors.Is(err, media.ErrUnsupported) || out != nil || k != "" {
			t.Errorf("%s: Clean = %d bytes, %q, %v; want ErrUnsupported", c.name, len(out), k, err)
		}
	}
}
