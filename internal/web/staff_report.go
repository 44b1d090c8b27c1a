package web

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// staffReport shows one report: its content decrypted with the officer's
// key (the read is audited by the service), the conversation, and the
// forms to reply, identify, close or open a case.
func (s *Server) staffReport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showReport(w, r, sess, http.StatusOK, nil)
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	id := r.PathValue("id")
	rep, err := s.Reports.FindReport(r.Context(), sess.Actor, id)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	msgs, err := s.Inbox.ReportMessages(r.Context(), sess.Actor, id)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.renderStaff(w, r, status, "staff_report.html", sess, map[string]any{
		"R": rep, "Messages": msgs, "Region": s.regionName(rep.RegionCode), "Errors": errs,
		"JenisKasus": spiker.JenisKasus, "Risiko": spiker.Risiko, "Kewenangan": spiker.Kewenangan, "CloseReasons": spiker.CloseReasons,
		"Can": map[string]bool{
			"reply":  sess.Actor.Can(spiker.PermReportReply),
			"triage": sess.Actor.Can(spiker.PermReportTriage),
			"open":   sess.Actor.Can(spiker.PermCaseOpen),
		},
	})
}

// afterChange redirects back to the report, or shows it with the error.
func (s *Server) afterChange(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, err error, target string) {
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, target, http.StatusSeeOther)
	case spiker.EINVALID:
		s.showReport(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) staffReply(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	err := s.Inbox.Reply(r.Context(), sess.Actor, id, r.PostFormValue("body"))
	s.afterChange(w, r, sess, err, "/staf/laporan/"+id)
}

func (s *Server) staffIdentify(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	err := s.Inbox.Identify(r.Context(), sess.Actor, id, r.PostFormValue("jenis_kasus"), r.PostFormValue("risiko"), r.PostFormValue("kewenangan"))
	s.afterChange(w, r, sess, err, "/staf/laporan/"+id)
}

func (s *Server) staffClose(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	err := s.Inbox.CloseReport(r.Context(), sess.Actor, id, r.PostFormValue("reason"))
	s.afterChange(w, r, sess, err, "/staf/laporan/"+id)
}

// staffOpenCase opens a case from the report; the case's region is the
// report's kecamatan (or desa).
func (s *Server) staffOpenCase(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	rep, err := s.Reports.FindReport(r.Context(), sess.Actor, id)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	c := &spiker.Case{RegionCode: rep.RegionCode, ReportIDs: []string{id},
		Content: spiker.CaseContent{Summary: r.PostFormValue("summary"), VictimName: rep.Content.VictimName}}
	if err := s.Cases.OpenCase(r.Context(), sess.Actor, c); err != nil {
		s.afterChange(w, r, sess, err, "")
		return
	}
	http.Redirect(w, r, "/staf/kasus/"+c.ID, http.StatusSeeOther)
}
