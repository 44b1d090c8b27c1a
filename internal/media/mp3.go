package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// An MP3 file is a sequence of MPEG audio frames, each with a 4-byte header
// that gives its length. Tags sit around them: ID3v2 at the start (or,
// rarely, appended with a footer), ID3v1 and Enhanced TAG at the end, APE
// and Lyrics3 tags before ID3v1. They hold the title, the artist and
// sometimes a recording's place or a picture.
//
// cleanMP3 copies only the audio frames: it walks the file frame by frame,
// skips ID3v2 and APE tags by their declared sizes, and drops every byte
// that is not part of a frame whose header is valid and which is followed
// by another valid frame (or the end of the file). What is not audio
// cannot come through, whatever tag format carried it. The file streams
// through a small buffer. At least one frame must be found.

func malformedMP3(why string) error { return fmt.Errorf("%w: MP3: %s", ErrMalformed, why) }

// mp3FrameLen returns the length of the frame whose header is h, or 0 if h
// is not a valid MPEG audio frame header (free-format bitrates included:
// their length cannot be known from the header).
func mp3FrameLen(h []byte) int {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return 0
	}
	version := h[1] >> 3 & 3 // 0 = 2.5, 2 = 2, 3 = 1
	layer := h[1] >> 1 & 3   // 1 = III, 2 = II, 3 = I
	bitrateIndex := h[2] >> 4
	rateIndex := h[2] >> 2 & 3
	padding := int(h[2] >> 1 & 1)
	if version == 1 || layer == 0 || bitrateIndex == 0 || bitrateIndex == 15 || rateIndex == 3 {
		return 0
	}
	rate := [3]int{44100, 48000, 32000}[rateIndex]
	switch version {
	case 2:
		rate /= 2
	case 0:
		rate /= 4
	}
	var kbps int
	v1 := version == 3
	switch {
	case v1 && layer == 3:
		kbps = [15]int{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}[bitrateIndex]
	case v1 && layer == 2:
		kbps = [15]int{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384}[bitrateIndex]
	case v1:
		kbps = [15]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}[bitrateIndex]
	case layer == 3:
		kbps = [15]int{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256}[bitrateIndex]
	default:
		kbps = [15]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}[bitrateIndex]
	}
	bitrate := kbps * 1000
	switch {
	case layer == 3:
		return (12*bitrate/rate + padding) * 4
	case layer == 1 && !v1:
		return 72*bitrate/rate + padding
	default:
		return 144*bitrate/rate + padding
	}
}

// id3Size returns the total length of the ID3v2 tag whose header is h, or
// 0 if h is not one.
func id3Size(h []byte) int64 {
	if len(h) < 10 || string(h[:3]) != "ID3" || h[3] < 2 || h[3] > 4 || h[4] == 0xFF {
		return 0
	}
	var n int64
	for _, c := range h[6:10] {
		if c&0x80 != 0 {
			return 0
		}
		n = n<<7 | int64(c)
	}
	n += 10
	if h[5]&0x10 != 0 { // footer present
		n += 10
	}
	return n
}

// apeSize returns the total length of the APE tag whose header is h, or 0.
func apeSize(h []byte) int64 {
	if len(h) < 32 || string(h[:8]) != "APETAGEX" {
		return 0
	}
	n := int64(binary.LittleEndian.Uint32(h[12:16]))
	flags := binary.LittleEndian.Uint32(h[20:24])
	if flags&(1<<29) == 0 { // this is the footer: the items are behind us
		return 32
	}
	return n + 32
}

func cleanMP3(dst io.Writer, src io.ReaderAt, size int64) error {
	r := bufio.NewReaderSize(io.NewSectionReader(src, 0, size), 64<<10)
	w := bufio.NewWriterSize(dst, 64<<10)
	frames := 0
	for {
		h, _ := r.Peek(32)
		if len(h) < 4 {
			break
		}
		tag := id3Size(h)
		if tag == 0 {
			tag = apeSize(h)
		}
		if tag == 0 && bytes.HasPrefix(h, []byte("TAG")) {
			tag = 128 // ID3v1, or 227 for Enhanced TAG
			if bytes.HasPrefix(h, []byte("TAG+")) {
				tag = 227
			}
		}
		if tag > 0 {
			if _, err := r.Discard(int(tag)); err != nil {
				break // a tag running past the end: nothing after it
			}
			continue
		}
		n := mp3FrameLen(h)
		if n == 0 || !nextIsFrame(r, n) {
			r.Discard(1) // not audio: dropped
			continue
		}
		frame, err := r.Peek(n)
		if err != nil {
			break // a frame cut by the end of the file is dropped
		}
		if _, err := w.Write(frame); err != nil {
			return err
		}
		r.Discard(n)
		frames++
	}
	if frames == 0 {
		return malformedMP3("no audio frame")
	}
	return w.Flush()
}

// nextIsFrame reports whether, n bytes on, another frame header of the
// follows, or the file ends, or a tag starts.
func nextIsFrame(r *bufio.Reader, n int) bool {
	if n+4 > r.Size() {
		return false
	}
	b, _ := r.Peek(n + 4)
	if len(b) < n+4 {
		return len(b) == n // the last frame
	}
	next := b[n:]
	if mp3FrameLen(next) > 0 {
		return true
	}
	tail, _ := r.Peek(min(n+10, r.Size()))
	return bytes.HasPrefix(next, []byte("TAG")) || bytes.HasPrefix(next, []byte("APET")) ||
		bytes.HasPrefix(next, []byte("LYRI")) || id3Size(tail[n:]) > 0
}
