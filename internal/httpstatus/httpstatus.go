// Package httpstatus is the one table from domain error codes to HTTP
// statuses, shared by the HTML pages and the JSON API.
package httpstatus

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// ByCode maps every domain error code to its HTTP status.
var ByCode = map[string]int{
	spiker.EINVALID:      http.StatusBadRequest,
	spiker.EUNAUTHORIZED: http.StatusUnauthorized,
	spiker.EFORBIDDEN:    http.StatusForbidden,
	spiker.ENOTFOUND:     http.StatusNotFound,
	spiker.ECONFLICT:     http.StatusConflict,
	spiker.EUNAVAILABLE:  http.StatusServiceUnavailable,
	spiker.ETOOMANY:      http.StatusTooManyRequests,
	spiker.EGONE:         http.StatusGone,
	spiker.ERESTRICTED:   http.StatusLocked,
	spiker.EINTERNAL:     http.StatusInternalServerError,
}

// Of returns the HTTP status for an error; unknown codes are 500.
func Of(err error) int {
	if s, ok := ByCode[spiker.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}
