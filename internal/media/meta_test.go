package media_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/media/mediatest"
)

const canary = "Budi-Santoso-Jl-Melati-7"

// mp4Boxes walks every box of an ISO base media file as exiftool does,
// descending into the containers that hold metadata or tracks, and returns
// the path of each box with its payload.
func mp4Boxes(t *testing.T, data []byte, path string, out map[string][]byte) {
	t.Helper()
	containers := map[string]bool{"moov": true, "trak": true, "mdia": true, "minf": true, "stbl": true, "udta": true, "meta": true, "ilst": true, "edts": true}
	for len(data) > 0 {
		if len(data) < 8 {
			t.Fatalf("%s: box header cut", path)
		}
		size := int(binary.BigEndian.Uint32(data))
		typ := string(data[4:8])
		if size < 8 || size > len(data) {
			t.Fatalf("%s/%s: bad size %d", path, typ, size)
		}
		body := data[8:size]
		p := path + "/" + typ
		out[p] = body
		if containers[typ] {
			if typ == "meta" {
				body = body[4:]
			}
			mp4Boxes(t, body, p, out)
		}
		data = data[size:]
	}
}

func TestCleanMP4RemovesLocationAndNames(t *testing.T) {
	for _, c := range []struct {
		brand string
		kind  media.Kind
	}{{"M4A ", media.M4A}, {"isom", media.MP4}, {"mp42", media.MP4}, {"qt  ", media.MOV}} {
		t.Run(c.kind.String()+"/"+c.brand, func(t *testing.T) {
			dirty := mediatest.MP4(c.brand, canary)
			before := map[string][]byte{}
			mp4Boxes(t, dirty, "", before)
			for _, p := range []string{"/moov/udta/\xa9xyz", "/moov/meta/ilst/\xa9ART", "/moov/trak/udta/\xa9xyz", "/uuid", "/moov/udta/loci"} {
				if _, ok := before[p]; !ok {
					t.Fatalf("test file lacks %q", p)
				}
			}
			out, kind, err := media.Clean(dirty)
			if err != nil || kind != c.kind {
				t.Fatalf("Clean = %q, %v; want %q", kind, err, c.kind)
			}
			assertGone(t, out, canary, "+07.1234", "com.apple.quicktime.location", "xmpmeta")
			if len(out) != len(dirty) {
				t.Fatalf("length %d, want %d (nothing may move)", len(out), len(dirty))
			}
			after := map[string][]byte{}
			mp4Boxes(t, out, "", after)
			for p, body := range after {
				last := p[strings.LastIndex(p, "/")+1:]
				switch {
				case last == "udta" || last == "meta" || last == "uuid" || last == "ilst" || last == "loci" || last == "auth" || last[0] == 0xa9:
					t.Errorf("metadata box %q left", p)
				case last == "free" && bytes.Count(body, []byte{0}) != len(body):
					t.Errorf("free box %q not zeroed", p)
				}
			}
			for _, p := range []string{"/moov/mvhd", "/moov/trak/tkhd", "/moov/trak/mdia/mdhd"} {
				if b := after[p]; b == nil || !bytes.Equal(b[4:12], make([]byte, 8)) {
					t.Errorf("%s: creation and modification times not zeroed", p)
				}
			}
			stco := after["/moov/trak/mdia/minf/stbl/stco"]
			off := binary.BigEndian.Uint32(stco[8:])
			if !bytes.HasPrefix(out[off:], []byte("media-sample-")) {
				t.Fatalf("chunk offset %d no longer points at the media data", off)
			}
		})
	}
}

func TestCleanMP3KeepsOnlyAudioFrames(t *testing.T) {
	dirty := mediatest.MP3(canary, 12)
	out, kind, err := media.Clean(dirty)
	if err != nil || kind != media.MP3 {
		t.Fatalf("Clean = %q, %v", kind, err)
	}
	assertGone(t, out, canary, "ID3", "TAG", "APETAGEX", "GPS", "-7.1234")
	if want := bytes.Repeat(mediatest.MP3Frame(), 12); !bytes.Equal(out, want) {
		t.Fatalf("output is %d bytes, want the 12 frames (%d bytes)", len(out), len(want))
	}
	// A tag in the middle (two files joined) and junk between frames go too.
	f := mediatest.MP3Frame()
	joined := bytes.Join([][]byte{f, f, mediatest.MP3(canary, 3), []byte("junk " + canary), f}, nil)
	out, _, err = media.Clean(joined)
	if err != nil {
		t.Fatal(err)
	}
	assertGone(t, out, canary)
	if len(out) != 6*len(f) {
		t.Fatalf("%d bytes, want 6 frames", len(out))
	}
	if _, _, err := media.Clean([]byte("ID3\x03\x00\x00\x00\x00\x00\x05hello")); err == nil {
		t.Fatal("a tag without audio was accepted")
	}
}

func TestCleanPDFRemovesInfoAndXMP(t *testing.T) {
	dirty := mediatest.PDF(canary)
	if r, err := pdf.NewReader(bytes.NewReader(dirty), int64(len(dirty))); err != nil || r.Trailer().Key("Info").Key("Author").Text() == "" {
		t.Fatalf("test file unreadable or without an author: %v", err)
	}
	out, kind, err := media.Clean(dirty)
	if err != nil || kind != media.PDF {
		t.Fatalf("Clean = %q, %v", kind, err)
	}
	assertGone(t, out, canary, "Budi", "GPS", "xmpmeta", "xpacket", "D:2026")
	if len(out) != len(dirty) {
		t.Fatalf("length changed: %d, want %d", len(out), len(dirty))
	}
	r, err := pdf.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatalf("cleaned PDF does not open: %v", err)
	}
	info := r.Trailer().Key("Info")
	if keys := info.Keys(); len(keys) != 0 {
		t.Errorf("Info still has %v", keys)
	}
	root := r.Trailer().Key("Root")
	page := r.Page(1)
	for name, v := range map[string]pdf.Value{"document": root.Key("Metadata"), "page": page.V.Key("Metadata")} {
		var b bytes.Buffer
		rc := v.Reader()
		b.ReadFrom(rc)
		rc.Close()
		if strings.TrimSpace(b.String()) != "" {
			t.Errorf("%s metadata stream still holds %q", name, b.String())
		}
	}
	var text strings.Builder
	for _, s := range page.Content().Text {
		text.WriteString(s.S)
	}
	if text.String() != "visible" {
		t.Fatalf("page text %q after cleaning, want %q", text.String(), "visible")
	}
	// An Info dictionary that cannot be blanked in place (in an object
	// stream) makes the file refused.
	hidden := bytes.Replace(dirty, []byte("8 0 obj"), []byte("8 0 xxx"), 1)
	hidden = bytes.Replace(hidden, []byte("/Type /Font"), []byte("/Type /ObjStm"), 1)
	if _, _, err := media.Clean(hidden); err == nil {
		t.Fatal("a PDF whose Info dictionary was not found was accepted")
	}
}

func TestCleanOggRemovesNames(t *testing.T) {
	out, _, err := media.Clean(mediatest.OggOpus("libopus", "ARTIST="+canary, "TITLE="+canary, "LOCATION=-7.12,112.57"))
	if err != nil {
		t.Fatal(err)
	}
	assertGone(t, out, canary, "ARTIST", "LOCATION")
}

func assertGone(t *testing.T, out []byte, words ...string) {
	t.Helper()
	for _, w := range words {
		if bytes.Contains(out, []byte(w)) {
			t.Errorf("%q left in the cleaned file", w)
		}
	}
}
