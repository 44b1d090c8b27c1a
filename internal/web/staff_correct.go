package web

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// The correction forms of the case page. Each saves a new version of the
// record with the reason ("Alasan perubahan"); the name and NIK are on the
// form, prefilled, only after the identity was revealed (identity=ya):
// otherwise they keep their values, and a masked value is never sent back.

// afterCorrection redirects back to the case, or shows it with the errors
// beside the form of the record corrected.
func (s *Server) afterCorrection(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, target string, err error) {
	if spiker.ErrorCode(err) == spiker.EINVALID {
		errs := spiker.ErrorFields(err)
		if errs == nil {
			errs = map[string]string{}
		}
		errs["correction_target"] = target
		s.showCase(w, r, sess, http.StatusUnprocessableEntity, errs)
		return
	}
	s.afterCaseChange(w, r, sess, err)
}

func (s *Server) caseCorrectVictim(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	v := s.victimForm(r)
	v.ID = r.PostFormValue("target")
	err := s.Cases.CorrectVictim(r.Context(), sess.Actor, r.PathValue("id"), v, r.PostFormValue("identity") == "ya", r.PostFormValue("correction_reason"))
	s.afterCorrection(w, r, sess, v.ID, err)
}

func (s *Server) caseCorrectPerpetrator(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	p := perpetratorForm(r)
	p.ID = r.PostFormValue("target")
	err := s.Cases.CorrectPerpetrator(r.Context(), sess.Actor, r.PathValue("id"), p, r.PostFormValue("identity") == "ya", r.PostFormValue("correction_reason"))
	s.afterCorrection(w, r, sess, p.ID, err)
}

func (s *Server) caseCorrectTypes(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	report := r.PostFormValue("target")
	err := s.Cases.CorrectReportTypes(r.Context(), sess.Actor, r.PathValue("id"), report, r.PostForm["report_types"], r.PostFormValue("correction_reason"))
	s.afterCorrection(w, r, sess, report, err)
}

// caseCorrectLocation places or moves the case: a kecamatan of the
// deployment's regency and optionally one of its desa, chosen by name.
func (s *Server) caseCorrectLocation(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	code, field, key := spiker.IncidentRegion(s.Regions, s.RegionCode, r.PostFormValue("kecamatan"), r.PostFormValue("desa"))
	if field != "" {
		code = "" // the store refuses it, after the policy and the key
	}
	err := s.Cases.CorrectLocation(r.Context(), sess.Actor, r.PathValue("id"), code, r.PostFormValue("correction_reason"))
	if e, ok := err.(*spiker.Error); ok && e.Code == spiker.EINVALID && field != "" {
		fields := map[string]string{field: key}
		for k, v := range e.Fields {
			if k == "correction_reason" {
				fields[k] = v
			}
		}
		err = &spiker.Error{Code: spiker.EINVALID, Message: e.Message, Fields: fields}
	}
	s.afterCorrection(w, r, sess, "lokasi", err)
}

func (s *Server) caseCorrectSummary(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Cases.CorrectSummary(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("summary"), r.PostFormValue("correction_reason"))
	s.afterCorrection(w, r, sess, "ringkasan", err)
}
