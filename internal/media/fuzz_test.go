package media_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/spikerperak/spiker/internal/media"
)

func addSeeds(f *testing.F) {
	_, jpg, _ := canaryJPEG(f)
	png, _ := canaryPNG(f)
	f.Add(jpg)
	f.Add(png)
	f.Add(restartJPEG([]int{0, 5, -3, 100}))
	for _, c := range kindHeads {
		f.Add(c.head)
	}
	for _, c := range unsupportedHeads {
		f.Add(c.head)
	}
}

// FuzzClean: Clean never panics, fails only with the two sentinel errors,
// agrees with Detect, and for images returns a file no longer than its
// input, of the same kind, that a second Clean leaves unchanged.
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
				if derr == nil {
					t.Fatalf("Clean unsupported but Detect = %q", detected)
				}
			case errors.Is(err, media.ErrMalformed):
				if detected != media.JPEG && detected != media.PNG {
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
		if kind != media.JPEG && kind != media.PNG {
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
