package web

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// FuzzParseForm feeds arbitrary bodies to the form parser, both as
// multipart (with the fuzzed bytes as the body under a fixed boundary) and
// urlencoded: it must never panic, and must respect its limits.
func FuzzParseForm(f *testing.F) {
	var seed bytes.Buffer
	mw := multipart.NewWriter(&seed)
	mw.SetBoundary("XBOUNDARYX")
	mw.WriteField("narrative", "dipukul")
	fw, _ := mw.CreateFormFile("files", "a.jpg")
	fw.Write([]byte("\xff\xd8\xff\xe0"))
	mw.Close()
	f.Add(seed.Bytes(), true)
	f.Add([]byte("role=korban&types=Fisik&narrative=x%00y&consent=ya"), false)
	f.Add([]byte("--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"), true)
	s := &Server{Clock: spiker.NewClock(nil, time.UTC)}
	f.Cleanup(func() { os.RemoveAll(s.uploads().Root) })
	f.Fuzz(func(t *testing.T, body []byte, multi bool) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		if multi {
			req.Header.Set("Content-Type", "multipart/form-data; boundary=XBOUNDARYX")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		fd, err := s.parseForm(httptest.NewRecorder(), req)
		if fd == nil {
			t.Fatal("nil form data")
		}
		defer fd.remove()
		if len(fd.files) > 5 {
			t.Fatalf("%d files accepted", len(fd.files))
		}
		for _, vs := range fd.values {
			for _, v := range vs {
				if len(v) > maxFieldBytes {
					t.Fatalf("a field of %d bytes accepted", len(v))
				}
			}
		}
		_ = err
		readReportForm(fd)
		fd.remove()
		if left, _ := os.ReadDir(s.uploads().Temp()); len(left) > 0 {
			t.Fatalf("%d temporary files left", len(left))
		}
	})
}
