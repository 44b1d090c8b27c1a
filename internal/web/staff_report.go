package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/spikerperak/spiker"
)

// staffReport shows one report: its content decrypted with the officer's
// key (the read is audited by the service), the conversation, and the
// forms to reply, identify, close or open a case.
func (s *Server) staffReport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showReport(w, r, sess, http.StatusOK, nil)
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	s.showReportWith(w, r, sess, status, errs, false)
}

// showReportWith renders the report page; identity fields are masked
// unless reveal is set.
func (s *Server) showReportWith(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, reveal bool) {
	id := r.PathValue("id")
	// One read: one transaction whose audit entries commit before the
	// page is rendered (store.ReportView).
	view, err := s.Reports.ReportView(r.Context(), sess.Actor, id)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	rep, msgs, files, media, notes, access := view.Report, view.Messages, view.Files, view.Media, view.Notes, view.Access
	if errs == nil {
		errs = map[string]string{}
	}
	identity := map[string]string{"Name": rep.Content.VictimName, "Number": rep.Content.Contact.Number, "Note": rep.Content.Contact.Note}
	if !reveal {
		identity = map[string]string{"Name": spiker.MaskName(rep.Content.VictimName), "Number": spiker.MaskContact(rep.Content.Contact.Number), "Note": spiker.MaskContact(rep.Content.Contact.Note)}
	}
	dupes, err := s.reportDuplicates(r, sess, id)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	retention, err := s.reportRetention(r, sess, id)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.renderStaff(w, r, status, "staff_report.html", sess, map[string]any{
		"Retention": retention, "Today": s.Clock.Today(),
		"Dupes": dupes, "Access": access, "ShowAccess": sess.Actor.Can(spiker.PermAudit),
		"R": rep, "Messages": msgs, "Notes": notes, "Files": files, "Media": media, "Region": s.regionName(rep.RegionCode), "Errors": errs,
		"Identity": identity, "Revealed": reveal, "WhatsApp": r.URL.Query().Get("wa"),
		"JenisKasus": spiker.JenisKasus, "Risiko": spiker.Risiko, "Kewenangan": spiker.Kewenangan, "CloseReasons": spiker.CloseReasons,
		"Can": map[string]bool{
			"reply":  sess.Actor.Can(spiker.PermReportReply),
			"triage": sess.Actor.Can(spiker.PermReportTriage),
			"open":   sess.Actor.Can(spiker.PermCaseOpen),
		},
	})
}

// reportDownload sends one of a report's files, decrypted (the read is
// audited by the service); see sendFile.
func (s *Server) reportDownload(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	var buf bytes.Buffer
	a, err := s.Reports.ReadFile(r.Context(), sess.Actor, r.PathValue("id"), r.PathValue("file"), &buf)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	sendFile(w, r, a, &buf)
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
	body := r.PostFormValue("body")
	err := s.Reports.Reply(r.Context(), sess.Actor, id, body)
	if err == nil && s.Channels != nil {
		// A report that came by WhatsApp gets the answer there too; the
		// reply is stored either way.
		switch sent, werr := s.Channels.SendReply(r.Context(), sess.Actor, id, body); {
		case werr != nil:
			s.Logger.Warn("reply not sent on WhatsApp", "err", werr)
			http.Redirect(w, r, "/staf/laporan/"+id+"?wa=gagal", http.StatusSeeOther)
			return
		case sent:
			http.Redirect(w, r, "/staf/laporan/"+id+"?wa=terkirim", http.StatusSeeOther)
			return
		}
	}
	s.afterChange(w, r, sess, err, "/staf/laporan/"+id)
}

func (s *Server) staffIdentify(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	err := s.Reports.Identify(r.Context(), sess.Actor, id, r.PostFormValue("jenis_kasus"), r.PostFormValue("risiko"), r.PostFormValue("kewenangan"))
	s.afterChange(w, r, sess, err, "/staf/laporan/"+id)
}

func (s *Server) staffClose(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	err := s.Reports.CloseReport(r.Context(), sess.Actor, id, r.PostFormValue("reason"))
	s.afterChange(w, r, sess, err, "/staf/laporan/"+id)
}

// staffOpenCase opens a case from the report; the store takes the case's
// region (the report's kecamatan or desa) and victim name from the report.
func (s *Server) staffOpenCase(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	c := &spiker.Case{ReportIDs: []string{id}, Content: spiker.CaseContent{Summary: r.PostFormValue("summary")}}
	if err := s.Cases.OpenCase(r.Context(), sess.Actor, c); err != nil {
		s.afterChange(w, r, sess, err, "")
		return
	}
	http.Redirect(w, r, "/staf/kasus/"+c.ID, http.StatusSeeOther)
}

// staffReveal shows the report with its identity fields unmasked; the
// reveal is its own entry in the audit log.
func (s *Server) staffReveal(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	if err := s.Reports.RevealIdentity(r.Context(), sess.Actor, r.PathValue("id")); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.showReportWith(w, r, sess, http.StatusOK, nil, true)
}

func (s *Server) staffNote(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	s.afterChange(w, r, sess, s.Reports.AddNote(r.Context(), sess.Actor, id, r.PostFormValue("note")), "/staf/laporan/"+id)
}

// staffMerge attaches the report to an existing case given its number.
func (s *Server) staffMerge(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	caseID, err := s.Cases.CaseIDByNumber(r.Context(), sess.Actor, strings.TrimSpace(r.PostFormValue("number")))
	if err == nil {
		err = s.Cases.AttachReport(r.Context(), sess.Actor, caseID, id)
	}
	if spiker.ErrorCode(err) == spiker.ENOTFOUND {
		err = &spiker.Error{Code: spiker.EINVALID, Message: "no such case", Fields: map[string]string{"number": "staff.err.case_number"}}
	}
	s.afterChange(w, r, sess, err, "/staf/laporan/"+id)
}
