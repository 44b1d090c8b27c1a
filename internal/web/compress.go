package web

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Compression (gzip, the standard library's: every browser takes it and it
// needs no dependency). What is compressed, and why not everything:
//
//   - Static files, the public statistics (JSON, CSV) and JSON answers:
//     always. They carry no secret beside text an attacker chose, or are
//     reached only with a bearer token that a page elsewhere cannot make a
//     browser send.
//   - HTML: only pages that mark themselves safe (allowCompression). BREACH
//     recovers a secret from the compressed size of a response that holds
//     both the secret (a CSRF or form token, a receipt) and text an attacker
//     can put in it. So pages of a signed-in staff member (CSRF token, and
//     search terms and names echoed back), a report form that comes back
//     with the typed answers, the receipt and the follow-up conversation
//     are sent uncompressed. The empty report form (a fresh token, nothing
//     from the request in it) and the pages with no secret at all are
//     compressed: they are what a reporter on a slow phone loads first.
//     The form is gzipped once, with its token spliced in uncompressed
//     (formgzip.go), so even its token is outside every compressed block.
//     SameSite=Strict cookies are a second wall: another site cannot make
//     the browser send them.
//   - Already compressed types (images, PDF, audio, archives): never.
//
// Every response of a compressible type says Vary: Accept-Encoding.

// compressibleTypes are the media types worth compressing.
var compressibleTypes = map[string]bool{
	"text/html": true, "text/css": true, "text/javascript": true, "application/javascript": true,
	"application/json": true, "image/svg+xml": true, "text/csv": true, "text/plain": true,
	"application/manifest+json": true,
}

// minCompressSize: a body known to be smaller gains nothing from gzip.
const minCompressSize = 512

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

// compress gzips the responses described above for clients that accept it.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &compressWriter{ResponseWriter: w, accepts: acceptsGzip(r.Header.Get("Accept-Encoding")) && r.Method != http.MethodHead}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q-value above 0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			q, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// compressWriter decides at the first write whether to compress.
type compressWriter struct {
	http.ResponseWriter
	accepts   bool
	htmlSafe  bool // the page said it holds no secret beside request text
	decided   bool
	gz        *gzip.Writer
	wroteHead bool
}

// allowCompression marks an HTML response as safe to compress (see above):
// it carries no secret together with text taken from the request.
func allowCompression(w http.ResponseWriter) {
	for {
		if cw, ok := w.(*compressWriter); ok {
			cw.htmlSafe = true
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

func (w *compressWriter) decide(status int) {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if !compressibleTypes[mt] {
		return
	}
	h.Add("Vary", "Accept-Encoding")
	if !w.accepts || h.Get("Content-Encoding") != "" || (mt == "text/html" && !w.htmlSafe) ||
		status < 200 || status == http.StatusNoContent || status == http.StatusPartialContent || status == http.StatusNotModified {
		return
	}
	if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n < minCompressSize {
		return
	}
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	h.Set("Content-Encoding", "gzip")
	w.gz = gzipPool.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
}

func (w *compressWriter) WriteHeader(status int) {
	if w.wroteHead {
		return
	}
	w.decide(status)
	w.wroteHead = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if !w.wroteHead {
		w.WriteHeader(http.StatusOK)
	}
	if w.gz != nil {
		return w.gz.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what is compressed so far.
func (w *compressWriter) Flush() {
	if w.gz != nil {
		w.gz.Flush()
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *compressWriter) close() {
	if w.gz != nil {
		w.gz.Close()
		gzipPool.Put(w.gz)
		w.gz = nil
	}
}

// pagesWithoutSecrets hold no token, receipt or protected content.
var pagesWithoutSecrets = map[string]bool{"about.html": true, "safety.html": true, "statistik.html": true,
	"error.html": true, "followup_start.html": true}

// compressionSafe reports whether a page may be compressed (see above).
func compressionSafe(r *http.Request, name string, data map[string]any) bool {
	if pagesWithoutSecrets[name] {
		return true
	}
	// The empty report form: a fresh token, and nothing from the request.
	f, ok := data["Form"].(*reportForm)
	return ok && name == "report.html" && r.Method == http.MethodGet && f.Errors == nil && f.RetryAt == "" && !f.Unavailable
}
