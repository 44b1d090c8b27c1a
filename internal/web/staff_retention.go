package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
)

// retentionNames are the retention settings' form fields, in page order.
var retentionNames = []string{"not_case_days", "case_years", "files_days", "followup_days"}

// retentionForm is the policy as the settings form shows it.
func retentionForm(p spiker.RetentionPolicy) map[string]int {
	return map[string]int{"not_case_days": p.NotCaseDays, "case_years": p.CaseYears, "files_days": p.FilesDays, "followup_days": p.FollowupDays}
}

// settingsRetention saves the retention policy (admin). A field that is
// not a whole number is out of range, so the policy's check names it.
func (s *Server) settingsRetention(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	n := func(name string) int {
		v, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			return -1
		}
		return v
	}
	p := spiker.RetentionPolicy{NotCaseDays: n("not_case_days"), CaseYears: n("case_years"), FilesDays: n("files_days"), FollowupDays: n("followup_days")}
	s.afterSettings(w, r, sess, s.Retention.SetRetentionPolicy(r.Context(), sess.Actor, p))
}

// caseHold puts a legal hold on the case.
func (s *Server) caseHold(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Retention.PutLegalHold(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("hold_reason")))
}

// caseHoldLift lifts the case's legal hold.
func (s *Server) caseHoldLift(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Retention.LiftLegalHold(r.Context(), sess.Actor, r.PathValue("id")))
}

// extension reads an extension form.
func extension(r *http.Request) spiker.RetentionExtension {
	return spiker.RetentionExtension{Until: r.PostFormValue("keep_until"), Reason: r.PostFormValue("keep_reason")}
}

// caseExtend keeps a closed case past its retention's end.
func (s *Server) caseExtend(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Retention.ExtendCase(r.Context(), sess.Actor, r.PathValue("id"), extension(r)))
}

// reportExtend keeps a report closed as not a case past its end.
func (s *Server) reportExtend(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	s.afterChange(w, r, sess, s.Retention.ExtendReport(r.Context(), sess.Actor, id, extension(r)), "/staf/laporan/"+id)
}

// caseRetention is the case page's retention part ({} without the
// service).
func (s *Server) caseRetention(r *http.Request, sess *spiker.StaffSession, caseID string) (spiker.RetentionState, error) {
	if s.Retention == nil {
		return spiker.RetentionState{}, nil
	}
	return s.Retention.CaseRetention(r.Context(), sess.Actor, caseID)
}

// reportRetention is the report page's retention part.
func (s *Server) reportRetention(r *http.Request, sess *spiker.StaffSession, reportID string) (spiker.RetentionState, error) {
	if s.Retention == nil {
		return spiker.RetentionState{}, nil
	}
	return s.Retention.ReportRetention(r.Context(), sess.Actor, reportID)
}
