// Package api is Spiker Perak's JSON API v1 for integrations (WhatsApp
// bots, partner apps): filing a report and following it up with its
// receipt. It is described in api/openapi.yaml and goes through the same
// services, validation, rate limits and audit as the HTML portal.
package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/httpstatus"
	"github.com/spikerperak/spiker/internal/locale"
)

// Server serves /api/v1/.
type Server struct {
	Logger     *slog.Logger
	Regions    spiker.RegionDirectory
	RegionCode string
	// Services are the application's services; the API uses reports,
	// cases, the network (partners' referrals) and users (sessions).
	spiker.Services
	// Submissions takes the reports of POST /api/v1/reports.
	Submissions *spiker.ReportIntake
	Limiter     spiker.Limiter
	ClientKey   func(*http.Request) string
	Clock       *spiker.Clock // the program's one clock
}

// maxJSON bounds a request body; reports carry no files in the API.
const maxJSON = 256 << 10

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/reports", s.createReport)
	mux.HandleFunc("POST /api/v1/followup/session", s.startFollowup)
	mux.HandleFunc("GET /api/v1/followup", s.followup)
	mux.HandleFunc("POST /api/v1/followup/messages", s.addMessage)
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, spiker.Errorf(spiker.ENOTFOUND, "no such API endpoint; see api/openapi.yaml"))
	})
	return mux
}

// errorBody is the JSON shape of every error.
type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
		// RetryAfter is, for too_many, the seconds to wait (as the
		// Retry-After header says).
		RetryAfter int `json:"retry_after,omitempty"`
	} `json:"error"`
}

// error answers with the status from the shared table and a message in the
// caller's language; field messages are keyed by the API's field names.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	p := locale.Printer{Lang: locale.Match(r.Header.Get("Accept-Language"))}
	var body errorBody
	code := spiker.ErrorCode(err)
	if _, ok := httpstatus.ByCode[code]; !ok {
		code = spiker.EINTERNAL
	}
	body.Error.Code = code
	body.Error.Message = p.Text("error." + code)
	if code == spiker.EINTERNAL || code == spiker.EUNAVAILABLE {
		s.Logger.Error("api request failed", "route", r.Pattern, "err", err)
	}
	if fields := spiker.ErrorFields(err); len(fields) > 0 && code == spiker.EINVALID {
		body.Error.Fields = map[string]string{}
		for f, key := range fields {
			body.Error.Fields[apiField(f)] = p.Text(key)
		}
	}
	if wait := spiker.RetryAfter(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		body.Error.RetryAfter = int(wait.Seconds())
	}
	writeJSON(w, httpstatus.Of(err), body)
}

// apiField names a domain field as the API does.
func apiField(f string) string {
	switch f {
	case "narrative":
		return "description"
	case "kecamatan":
		return "kecamatan_code"
	case "desa":
		return "desa_code"
	case "danger":
		return "in_danger"
	case "contact_channel":
		return "contact.channel"
	case "contact_number":
		return "contact.number"
	case "contact_times":
		return "contact.safe_times"
	case "contact_note":
		return "contact.note"
	}
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads one JSON object, refusing unknown fields, trailing data and
// bodies over the limit, with a message that says what is wrong.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return &spiker.Error{Code: spiker.EINVALID, Message: "send Content-Type: application/json",
			Fields: map[string]string{"body": "api.err.content_type"}}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &spiker.Error{Code: spiker.EINVALID, Message: "body too large", Fields: map[string]string{"body": "api.err.too_large"}}
		}
		return &spiker.Error{Code: spiker.EINVALID, Message: "not a valid JSON object: " + err.Error(),
			Fields: map[string]string{"body": "api.err.json"}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &spiker.Error{Code: spiker.EINVALID, Message: "one JSON object only", Fields: map[string]string{"body": "api.err.json"}}
	}
	return nil
}

// bearer returns the follow-up token of an Authorization header.
func bearer(r *http.Request) string {
	t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(t)
}
