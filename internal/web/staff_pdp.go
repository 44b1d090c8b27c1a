package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

// pdpPage is the UU PDP register: requests and breach notices with their
// 3 × 24 h clocks, and the form for a new one.
func (s *Server) pdpPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showPDP(w, r, sess, http.StatusOK, nil)
}

func (s *Server) showPDP(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	list, err := s.Duty.PDPRequests(r.Context(), sess.Actor)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	type row struct {
		spiker.PDPRequest
		Clock string
	}
	now := s.Clock.Now()
	var rows []row
	for _, p := range list {
		rows = append(rows, row{PDPRequest: p, Clock: p.Deadline().State(now)})
	}
	if errs == nil {
		errs = map[string]string{}
	}
	// From a report's or a case's page, the record comes along.
	form := map[string]string{"kind": spiker.PDPKinds[0], "received": s.Clock.Local().Format("2006-01-02T15:04"),
		"report": r.URL.Query().Get("laporan"), "case_number": r.URL.Query().Get("kasus")}
	if r.Method == http.MethodPost {
		// Shown again with their errors.
		for _, k := range []string{"kind", "right", "received", "case_number", "report", "name", "contact", "request"} {
			form[k] = r.PostFormValue(k)
		}
	}
	s.renderStaff(w, r, status, "staff_pdp.html", sess, map[string]any{"Rows": rows, "Kinds": spiker.PDPKinds, "Rights": spiker.PDPRights,
		"Errors": errs, "Form": form})
}

func (s *Server) pdpAdd(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	received, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("received"), s.Clock.Zone())
	if err != nil {
		received = time.Time{}
	}
	q := &spiker.PDPNewRequest{Kind: r.PostFormValue("kind"), Right: r.PostFormValue("right"), ReceivedAt: received,
		CaseNumber: strings.TrimSpace(r.PostFormValue("case_number")), ReportID: strings.TrimSpace(r.PostFormValue("report")),
		Content: spiker.PDPContent{Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact"), Request: r.PostFormValue("request")}}
	p, err := s.Duty.OpenPDPRequest(r.Context(), sess.Actor, q)
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/pdp/"+p.ID, http.StatusSeeOther)
	case spiker.EINVALID:
		s.showPDP(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) pdpClose(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	if err := s.Duty.ClosePDPRequest(r.Context(), sess.Actor, r.PathValue("id")); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/staf/pdp", http.StatusSeeOther)
}

// pdpRequestPage shows one request: its content (to those who hold its
// key), verification, decision and the actions on a linked case.
func (s *Server) pdpRequestPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showPDPRequest(w, r, sess, http.StatusOK, nil)
}

func (s *Server) showPDPRequest(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	p, err := s.Duty.PDPRequest(r.Context(), sess.Actor, r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	names := map[int64]string{}
	for _, id := range []int64{verifier(p), decider(p)} {
		if u, err := s.Users.FindUserByID(r.Context(), id); id != 0 && err == nil {
			names[id] = staffName(u)
		}
	}
	if errs == nil {
		errs = map[string]string{}
	}
	form := map[string]string{}
	if r.Method == http.MethodPost {
		for _, k := range []string{"method", "details", "outcome", "reason", "legal_basis"} {
			form[k] = r.PostFormValue(k)
		}
	}
	s.renderStaff(w, r, status, "staff_pdp_request.html", sess, map[string]any{"P": p, "Clock": p.Deadline().State(s.Clock.Now()),
		"Methods": spiker.PDPVerifyMethods, "Outcomes": spiker.PDPOutcomes, "Recipients": spiker.PDPExportRecipients, "Names": names, "Errors": errs, "Form": form,
		"Subject": p.Kind == spiker.PDPKinds[0]})
}

func verifier(p *spiker.PDPRequest) int64 {
	if p.Verification == nil {
		return 0
	}
	return p.Verification.By
}

func decider(p *spiker.PDPRequest) int64 {
	if p.Decision == nil {
		return 0
	}
	return p.Decision.By
}

// afterPDPRequest goes back to the request's page, or shows it again with
// the fields to correct.
func (s *Server) afterPDPRequest(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, err error) {
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/pdp/"+r.PathValue("id"), http.StatusSeeOther)
	case spiker.EINVALID:
		s.showPDPRequest(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) pdpVerify(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	v := &spiker.PDPVerification{Method: r.PostFormValue("method"), Details: r.PostFormValue("details")}
	s.afterPDPRequest(w, r, sess, s.Duty.VerifyPDPRequest(r.Context(), sess.Actor, r.PathValue("id"), v))
}

func (s *Server) pdpDecide(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	d := &spiker.PDPDecision{Outcome: r.PostFormValue("outcome"), Reason: r.PostFormValue("reason"), LegalBasis: r.PostFormValue("legal_basis")}
	s.afterPDPRequest(w, r, sess, s.Duty.DecidePDPRequest(r.Context(), sess.Actor, r.PathValue("id"), d))
}

// pdpRestrict restricts processing of the linked case or report
// (pembatasan=ya) or lifts it.
func (s *Server) pdpRestrict(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	on := r.PostFormValue("pembatasan") == "ya"
	s.afterPDPRequest(w, r, sess, s.Duty.RestrictPDP(r.Context(), sess.Actor, r.PathValue("id"), on))
}
