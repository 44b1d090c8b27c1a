package media_test

import (
	"bytes"
	"encoding/binary"
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
	f.Add(mediatest.MP4("isom", "Budi"))
	f.Add(mediatest.MP3("Budi", 2))
	f.Add(mediatest.PDF("Budi"))
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
			case media.JPEG, media.PNG, media.MP3, media.OGG, media.WAV, media.M4A, media.MP4, media.MOV, media.PDF:
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

// checkCleaned is the common property of the cleaners' fuzz targets: Clean
// fails only with the sentinel errors; otherwise the output is of kind
// want, no longer than the input (the same length when sameLength), and
// cleaned once for all.
func checkCleaned(t *testing.T, data []byte, want media.Kind, sameLength bool) []byte {
	out, kind, err := media.Clean(data)
	if err != nil {
		if !errors.Is(err, media.ErrMalformed) && !errors.Is(err, media.ErrUnsupported) {
			t.Fatalf("unexpected error %v", err)
		}
		return nil
	}
	if kind != want || len(out) > len(data) || sameLength && len(out) != len(data) {
		t.Fatalf("Clean = %q, %d bytes from %d", kind, len(out), len(data))
	}
	again, _, err := media.Clean(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Fatalf("second Clean: %v, changed=%v", err, !bytes.Equal(again, out))
	}
	return out
}

// FuzzCleanMP4 puts fuzzed boxes after an ftyp box: what comes out has the
// input's length (nothing moves) and no udta, meta or uuid box at the top
// level.
func FuzzCleanMP4(f *testing.F) {
	full := mediatest.MP4("isom", "Budi")
	f.Add(full[len(mediatest.Box("ftyp", make([]byte, 12))):])
	f.Add(mediatest.Box("udta", mediatest.Box("\xa9xyz", []byte("+07.12+112.56/"))))
	f.Add(mediatest.Box("moov", mediatest.Box("meta", []byte("x"))))
	f.Fuzz(func(t *testing.T, boxes []byte) {
		data := append(mediatest.Box("ftyp", []byte("isom\x00\x00\x00\x00isom")), boxes...)
		out := checkCleaned(t, data, media.MP4, true)
		for len(out) >= 8 {
			size := int(binary.BigEndian.Uint32(out))
			switch typ := string(out[4:8]); {
			case typ == "udta" || typ == "meta" || typ == "uuid":
				t.Fatalf("top-level %s box left", typ)
			case size < 8:
				return
			}
			out = out[min(size, len(out)):]
		}
	})
}

// FuzzCleanMP3 puts fuzzed bytes between MP3 frames: only whole valid
// frames come out.
func FuzzCleanMP3(f *testing.F) {
	f.Add(mediatest.MP3("Budi", 1))
	f.Add([]byte("TAG"))
	f.Add([]byte("APETAGEX\xd0\x07\x00\x00\x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, junk []byte) {
		frame := mediatest.MP3Frame()
		data := bytes.Join([][]byte{frame, junk, frame}, nil)
		out := checkCleaned(t, data, media.MP3, false)
		for len(out) > 0 {
			n := media.MP3FrameLen(out)
			if n == 0 || n > len(out) {
				t.Fatalf("not a whole frame: % x", out[:min(len(out), 4)])
			}
			out = out[n:]
		}
	})
}

// FuzzCleanPDF: the PDF cleaner never moves a byte, and no XMP packet
// start is left.
func FuzzCleanPDF(f *testing.F) {
	f.Add(mediatest.PDF("Budi"))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /A (x\\)) >> endobj trailer << /Info 1 0 R >>"))
	f.Add([]byte("%PDF-1.4\n<< /Type /Metadata >> stream\n<?xpacket begin x endstream"))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = append([]byte("%PDF-1.4\n"), data...)
		out := checkCleaned(t, data, media.PDF, true)
		if bytes.Contains(out, []byte("<?xpacket begin")) {
			t.Fatal("an XMP packet was left")
		}
	})
}
