package web

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"testing"
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
	f.Fuzz(func(t *testing.T, body []byte, multi bool) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		if multi {
			req.Header.Set("Content-Type", "multipart/form-data; boundary=XBOUNDARYX")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		fd, err := parseForm(httptest.NewRecorder(), req)
		if fd == nil {
			t.Fatal("nil form data")
		}
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
	})
}
