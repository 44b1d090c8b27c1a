package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/media/mediatest"
)

// oggPackets reassembles an Ogg file's packets, checking that the pages
// are numbered 0, 1, 2... and flagged as continued exactly when a packet
// goes on from the page before.
func oggPackets(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var packets [][]byte
	var cur []byte
	open := false
	for seq := uint32(0); len(data) > 0; seq++ {
		if len(data) < 27 || string(data[:4]) != "OggS" {
			t.Fatalf("page %d: no page header", seq)
		}
		if got := binary.LittleEndian.Uint32(data[18:22]); got != seq {
			t.Fatalf("page %d has sequence number %d", seq, got)
		}
		if continued := data[5]&1 != 0; continued != open {
			t.Fatalf("page %d: continued flag %v, packet open %v", seq, continued, open)
		}
		n := int(data[26])
		body := data[27+n:]
		for _, l := range data[27 : 27+n] {
			cur = append(cur, body[:l]...)
			body = body[l:]
			if open = l == 255; !open {
				packets = append(packets, cur)
				cur = nil
			}
		}
		data = body
	}
	return packets
}

func assertCleanOgg(t *testing.T, name string, dirty []byte, gone ...string) []byte {
	t.Helper()
	out, kind, err := media.Clean(dirty)
	if err != nil || kind != media.OGG {
		t.Fatalf("%s: Clean = %q, %v", name, kind, err)
	}
	for _, g := range gone {
		if bytes.Contains(out, []byte(g)) {
			t.Errorf("%s: %q survived Clean", name, g)
		}
	}
	if len(out) > len(dirty) {
		t.Errorf("%s: cleaned %d bytes, longer than %d", name, len(out), len(dirty))
	}
	again, _, err := media.Clean(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("%s: a second Clean gives %v, changed=%v", name, err, !bytes.Equal(again, out))
	}
	before, after := oggPackets(t, dirty), oggPackets(t, out)
	if len(before) != len(after) {
		t.Fatalf("%s: %d packets became %d", name, len(before), len(after))
	}
	for i := range before {
		if i != 1 && !bytes.Equal(before[i], after[i]) {
			t.Errorf("%s: packet %d changed", name, i)
		}
	}
	return out
}

// TestCleanOgg: a voice note's comment header (vendor string, artist,
// location, cover art) is replaced by an empty one with a neutral vendor;
// every other packet comes through unchanged, on valid pages.
func TestCleanOgg(t *testing.T) {
	tags := []string{"ARTIST=Budi", "LOCATION=-7.1234,112.5678", "ENCODER=WhatsApp 2.24.1"}
	out := assertCleanOgg(t, "opus", mediatest.OggOpus("libopus 1.3.1, WhatsApp Android", tags...), "Budi", "LOCATION", "WhatsApp")
	want := "OpusTags\x06\x00\x00\x00spiker\x00\x00\x00\x00"
	if got := oggPackets(t, out)[1]; string(got) != want {
		t.Errorf("opus comment header = %q, want %q", got, want)
	}
	out = assertCleanOgg(t, "vorbis", mediatest.OggVorbis("Xiph.Org libVorbis I 20200704 (Reducing Environment)", tags...),
		"Budi", "LOCATION", "Reducing")
	if got := oggPackets(t, out)[1]; string(got) != "\x03vorbis\x06\x00\x00\x00spiker\x00\x00\x00\x00\x01" {
		t.Errorf("vorbis comment header = %q", got)
	}
	// Cover art spans several pages; the cleaned header fits on one.
	art := "METADATA_BLOCK_PICTURE=" + strings.Repeat("QUFB", 40000)
	assertCleanOgg(t, "cover art", mediatest.OggOpus("enc", art, "TITLE=Budi"), "METADATA_BLOCK_PICTURE", "Budi")
	// A header shorter than the neutral one gets an empty vendor string.
	out = assertCleanOgg(t, "short", mediatest.OggOpus("x"))
	if got := oggPackets(t, out)[1]; string(got) != "OpusTags\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("short comment header = %q", got)
	}
}

// TestCleanOggRefuses: anything but one well-formed Opus or Vorbis stream.
func TestCleanOggRefuses(t *testing.T) {
	good := mediatest.OggOpus("enc", "ARTIST=Budi")
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 1; return b }
	// The second page starts after the first's 27-byte header, one lacing
	// value and the 19-byte identification header.
	second := 27 + 1 + 19
	head := []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")
	tags := []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00")
	theora := mediatest.OggFile([][]byte{[]byte("\x80theora\x03\x02\x01")}, [][]byte{[]byte("\x81theora")})
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"bad checksum":             {flip(len(good) - 1), media.ErrMalformed},
		"truncated":                {good[:len(good)-3], media.ErrMalformed},
		"junk after the end":       {append(bytes.Clone(good), "OggS"...), media.ErrMalformed},
		"two streams":              {append(bytes.Clone(good[:second]), good...), media.ErrMalformed},
		"headers only":             {good[:second], media.ErrMalformed},
		"Theora video":             {theora, media.ErrUnsupported},
		"unknown page flags":       {flip(5), media.ErrMalformed},
		"not a comment first":      {mediatest.OggFile([][]byte{head}, [][]byte{[]byte("OpusTagz")}), media.ErrMalformed},
		"audio on the header page": {mediatest.OggFile([][]byte{head}, [][]byte{tags, []byte("\xfc\x00")}), media.ErrMalformed},
		"two packets on page one":  {mediatest.OggFile([][]byte{head, tags}), media.ErrMalformed},
		"good after all":           {mediatest.OggFile([][]byte{head}, [][]byte{tags}), nil},
	} {
		out, _, err := media.Clean(c.data)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if !errors.Is(err, c.want) || out != nil {
			t.Errorf("%s: Clean = %d bytes, %v; want %v", name, len(out), err, c.want)
		}
	}
}
