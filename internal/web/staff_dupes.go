package web

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// reportDuplicates returns the duplicate hints for a report page: held
// records with the same contact number (none when no finder is wired).
func (s *Server) reportDuplicates(r *http.Request, sess *spiker.StaffSession, id string) ([]spiker.Duplicate, error) {
	if s.Reports == nil {
		return nil, nil
	}
	return s.Reports.ReportDuplicates(r.Context(), sess.Actor, id)
}

// caseDuplicates returns the duplicate hints for a case page.
func (s *Server) caseDuplicates(r *http.Request, sess *spiker.StaffSession, id string) ([]spiker.Duplicate, error) {
	if s.Reports == nil {
		return nil, nil
	}
	return s.Reports.CaseDuplicates(r.Context(), sess.Actor, id)
}

// identitySearch finds the held reports and cases with a phone number or
// NIK. It is a POST so the number stays out of URLs and logs; the answer
// is rendered, not redirected to.
func (s *Server) identitySearch(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	number := r.PostFormValue("number")
	found, err := s.Reports.SearchIdentity(r.Context(), sess.Actor, number)
	status, errs := http.StatusOK, map[string]string{}
	switch spiker.ErrorCode(err) {
	case "":
	case spiker.EINVALID:
		status, errs = http.StatusUnprocessableEntity, spiker.ErrorFields(err)
	default:
		s.staffError(w, r, sess, err)
		return
	}
	s.renderStaff(w, r, status, "staff_search.html", sess, map[string]any{
		"Found": found, "Searched": err == nil, "SearchErr": errs["number"],
	})
}
