package web

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// statusByCode is the one table from domain error codes to HTTP statuses.
var statusByCode = map[string]int{
	spiker.EINVALID:      http.StatusBadRequest,
	spiker.EUNAUTHORIZED: http.StatusUnauthorized,
	spiker.EFORBIDDEN:    http.StatusForbidden,
	spiker.ENOTFOUND:     http.StatusNotFound,
	spiker.ECONFLICT:     http.StatusConflict,
	spiker.EUNAVAILABLE:  http.StatusServiceUnavailable,
	spiker.ETOOMANY:      http.StatusTooManyRequests,
	spiker.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for an error's code.
func ErrorStatus(err error) int {
	if s, ok := statusByCode[spiker.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

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
	s.render(w, r, ErrorStatus(err), "error.html", map[string]any{"MessageKey": "error." + code})
}
