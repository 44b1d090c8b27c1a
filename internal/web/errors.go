package web

import (
	"net/http"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/httpstatus"
)

// statusByCode is the shared table from error codes to statuses.
var statusByCode = httpstatus.ByCode

// ErrorStatus returns the HTTP status for an error's code.
func ErrorStatus(err error) int { return httpstatus.Of(err) }

// Error renders an error page in the user's language. Internal errors are
// logged with their detail; the page only says that something went wrong.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := spiker.ErrorCode(err)
	if _, ok := statusByCode[code]; !ok {
		code = spiker.EINTERNAL
	}
	if code == spiker.EINTERNAL || code == spiker.EUNAVAILABLE {
		s.Logger.Error("request failed", "route", r.Pattern, "err", err)
	}
	s.render(w, r, ErrorStatus(err), "error.html", map[string]any{"MessageKey": "error." + code, "RetryAt": s.retryAt(w, err)})
}
