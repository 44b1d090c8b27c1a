package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/spikerperak/spiker"
)

// retryAt sets Retry-After for an error that asks the client to wait and
// returns when to try again on the regency's wall clocks, rounded up to
// the minute, e.g. "14.35 WIB"; "" when err asks for no wait.
func (s *Server) retryAt(w http.ResponseWriter, err error) string {
	wait := spiker.RetryAfter(err)
	if wait <= 0 {
		return ""
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
	at := s.Clock.Now().Add(wait).In(s.Clock.Zone())
	if at.Truncate(time.Minute) != at {
		at = at.Truncate(time.Minute).Add(time.Minute)
	}
	return at.Format("15.04 MST")
}

// reportNotTaken answers a complete report that cannot be taken now — the
// client's limit, a full disk, a failing database — with the form whole:
// every typed answer kept, what happened and when to try again. Nothing
// the reporter typed is in the log.
func (s *Server) reportNotTaken(w http.ResponseWriter, r *http.Request, f *reportForm, err error) {
	status := http.StatusServiceUnavailable
	if spiker.ErrorCode(err) == spiker.ETOOMANY {
		status = http.StatusTooManyRequests
		f.RetryAt = s.retryAt(w, err)
		f.Challenge = s.challenge()
	} else {
		s.Logger.Error("report not stored", "route", r.Pattern, "err", err)
		f.Unavailable = true
		w.Header().Set("Retry-After", "120")
	}
	s.renderReportForm(w, r, status, f)
}

// challenge issues a proof-of-work challenge, "" when none are offered.
func (s *Server) challenge() string {
	if s.Proofs == nil {
		return ""
	}
	return s.Proofs.Issue(s.Clock.Now())
}

// proof reads a solved proof of work from a form, nil if there is none or
// it does not verify (the client's own limit then stands).
func (s *Server) proof(fd *formData) *spiker.Proof {
	if s.Proofs == nil || fd.get("pow_nonce") == "" {
		return nil
	}
	id, expires, err := s.Proofs.Verify(s.Clock.Now(), fd.get("pow_challenge"), fd.get("pow_nonce"))
	if err != nil {
		return nil
	}
	return &spiker.Proof{ID: id, Expires: expires}
}
