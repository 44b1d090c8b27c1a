package web

import "net/http"

// favicon answers the browsers' request for /favicon.ico with the small
// icon from the embedded static files (an SVG), so that no page's request
// ends in a 404. Like every page it is not cached: a cached icon would be a
// trace of the visit.
func favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFiles.ReadFile("static/favicon.svg")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(b)
}
