package media_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/media/mediatest"
)

func addSeeds(f *testing.F) {
	_, jpg, _ := canaryJPEG(f)
	png, _ := canaryPNG(f)
	f.Add(jpg)
	f.Add(png)
	f.Add(mediatest.OggOpus("libopus", "ARTIST=Budi", "LOCATION=-7.12,112.57"))
	f.Add(mediatest.OggVorbis("Xiph.Org libVorbis", "TITLE=x"))
	f.Add(restartJPEG([]int{0, 5, -3, 100}))
	for _, c := range kindHeads {
		f.Add(c.head)
	}
	for _, c := range unsupportedHeads {
		f.Add(c.head)
	}
}

// FuzzClean: Clean never panics, fails only with the two sentinel errors,
// agrees with Detect, and for the kinds it strips (images, Ogg audio)
// returns a file no longer than its input, of the same kind, that a second
// Clean leaves unchanged.
func FuzzClean(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		out, kind, err := media.Clean(data)
		if !bytes.Equal(in, data) {
			t.Fatal("Clean modified its input")
		}
		detected, derr := media.Detect(data)
		if err != nil {
			if out != nil || kind != "" {
				t.Fatalf("error %v with output %d bytes, kind %q", err, len(out), kind)
			}
			switch {
			case errors.Is(err, media.ErrUnsupported):
				// An Ogg container of another codec (video) is refused.
				if derr == nil && detected != media.OGG {
					t.Fatalf("Clean unsupported but Detect = %q", detected)
				}
			case errors.Is(err, media.ErrMalformed):
				if !media.Strips(detected) {
					t.Fatalf("ErrMalformed for %q, which is not parsed", detected)
				}
			default:
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if kind != detected {
			t.Fatalf("Clean kind %q, Detect %q", kind, detected)
		}
		if !media.Strips(kind) {
			if !bytes.Equal(out, data) {
				t.Fatalf("%s changed by Clean", kind)
			}
			return
		}
		if len(out) > len(data) {
			t.Fatalf("output %d bytes longer than input %d", len(out), len(data))
		}
		if k, err := media.Detect(out); err != nil || k != kind {
			t.Fatalf("Detect(output) = %q, %v; want %q", k, err, kind)
		}
		again, k, err := media.Clean(out)
		if err != nil || k != kind || !bytes.Equal(again, out) {
			t.Fatalf("second Clean = %d bytes, %q, %v; not idempotent", len(again), k, err)
		}
	})
}

// FuzzDetect: Detect never panics, returns an accepted kind or
// ErrUnsupported, and the first 512 bytes are enough to decide.
func FuzzDetect(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, err := media.Detect(data)
		if err != nil {
			if !errors.Is(err, media.ErrUnsupported) || kind != "" {
				t.Fatalf("Detect = %q, %v", kind, err)
			}
		} else {
			switch kind {
			case media.JPEG, media.PNG, media.MP3, media.OGG, media.WAV, media.M4A, media.PDF:
			default:
				t.Fatalf("unknown kind %q", kind)
			}
		}
		head := data[:min(len(data), 512)]
		if k, e := media.Detect(head); k != kind || (e == nil) != (err == nil) {
			t.Fatalf("Detect(first 512) = %q, %v; Detect(all) = %q, %v", k, e, kind, err)
		}
	})
}

// FuzzCleanOgg builds Ogg files with valid page checksums around fuzzed
// header packets, so that the fuzzer gets past the CRCs into the Ogg
// cleaner: it fails only with the sentinel errors, and what it returns is
// no longer than its input, cleaned once for all, and carries an empty
// comment header (the magic, a vendor string and no comments) as its
// second packet.
func FuzzCleanOgg(f *testing.F) {
	f.Add([]byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"), []byte("OpusTags\x03\x00\x00\x00abc\x01\x00\x00\x00\x0b\x00\x00\x00ARTIST=Budi"), []byte(nil))
	f.Add([]byte("\x01vorbis\x00\x00\x00\x00\x01"), []byte("\x03vorbis\x00\x00\x00\x00\x00\x00\x00\x00\x01"), []byte("\x05vorbis"))
	f.Fuzz(func(t *testing.T, ident, comment, setup []byte) {
		headers := [][]byte{comment}
		if len(setup) > 0 {
			headers = append(headers, setup)
		}
		data := mediatest.OggFile([][]byte{ident}, headers)
		out, kind, err := media.Clean(data)
		if err != nil {
			if !errors.Is(err, media.ErrMalformed) && !errors.Is(err, media.ErrUnsupported) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if kind != media.OGG || len(out) > len(data) {
			t.Fatalf("Clean = %q, %d bytes from %d", kind, len(out), len(data))
		}
		again, _, err := media.Clean(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("second Clean: %v, changed=%v", err, !bytes.Equal(again, out))
		}
		magic := comment[:8]
		if magic[0] == 3 {
			magic = comment[:7]
		}
		i := bytes.Index(out, magic)
		if i < 0 || bytes.Contains(out[i+len(magic):], comment[len(magic):]) && len(comment) > len(magic)+12 {
			t.Fatalf("the comment header was not replaced")
		}
	})
}
