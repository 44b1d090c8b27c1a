package web

import (
	"net/http"
	"runtime/debug"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/metrics"
)

// csp allows only this origin's scripts, stylesheets, images, beacons and
// forms: no inline script, no third-party resource of any kind (DESIGN.md
// §4.7).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries. Pages are never
// cached: a shared or stolen phone must not show them from its cache.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
		h.Set("Cache-Control", "no-store")
		if s.https(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs and counts (internal/metrics) each request by its route
// pattern, never the raw path, query string, client address, user agent or
// body: a reporter's visit must leave no trace that could identify them.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := spiker.RealTime() // a measurement for the log, not a decision
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern // set by the ServeMux on this same request
		if route == "" || route == notFoundPattern {
			route = "unmatched"
		}
		took := spiker.RealTime().Sub(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		metrics.Request(route, status, took)
		s.Logger.Info("request", "method", r.Method, "route", route, "status", sw.status,
			"bytes", sw.bytes, "ms", float64(took.Microseconds())/1000)
	})
}

// recoverPanics turns a panic in a handler into a logged error and a 500,
// so one bad request cannot take the service down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic in handler", "route", r.Pattern, "panic", v, "stack", string(debug.Stack()))
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte("internal error\n"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// https reports whether the client reached us over https: TLS here, or
// what Main's HTTPS says of a TLS proxy in front. It decides the Secure
// flag and __Host- prefix of cookies and HSTS.
func (s *Server) https(r *http.Request) bool {
	return r.TLS != nil || (s.HTTPS != nil && s.HTTPS(r))
}
