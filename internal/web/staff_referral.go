package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/locale"
)

// referralRequest reads the referral or transfer form of a case.
func referralRequest(r *http.Request, kind string) *spiker.ReferralRequest {
	q := &spiker.ReferralRequest{CaseID: r.PathValue("id"), Kind: kind, AgencyID: r.PostFormValue("agency"),
		Destination: r.PostFormValue("destination"), Service: r.PostFormValue("service"), DueDate: r.PostFormValue("due_date"),
		VictimID: r.PostFormValue("victim"), Fields: r.PostForm["fields"], Needs: r.PostFormValue("needs"),
		Consent: r.PostFormValue("consent"), ConsentOverride: r.PostFormValue("consent_override")}
	// "Bawaan": the least the service needs, decided by the table of
	// defaults rather than by a tired person ticking boxes.
	if r.PostFormValue("fields_mode") != "pilih" {
		q.Fields = spiker.PacketDefaults[q.Service]
		if kind == spiker.KindPelimpahan {
			q.Fields = []string{spiker.PacketVictimName, spiker.PacketVictimAge, spiker.PacketVictimSex, spiker.PacketViolence, spiker.PacketIncident, spiker.PacketSummary}
		}
	}
	return q
}

func (s *Server) caseReferral(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	_, err := s.Network.CreateReferral(r.Context(), sess.Actor, referralRequest(r, spiker.KindRujukan))
	s.afterCaseChange(w, r, sess, err)
}

func (s *Server) caseTransfer(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	_, err := s.Network.TransferCase(r.Context(), sess.Actor, referralRequest(r, spiker.KindPelimpahan))
	s.afterCaseChange(w, r, sess, err)
}

// referralList is a partner's page: the referrals to their agency, and the
// colleagues waiting for the agency's key.
func (s *Server) referralList(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	list, err := s.Network.FindReferrals(r.Context(), sess.Actor, spiker.ReferralFilter{Agency: true})
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	waiting, err := s.Network.AgencyColleagues(r.Context(), sess.Actor)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	var agency *spiker.Agency
	if sess.Actor.AgencyID != "" {
		agency, _ = s.Network.Agency(r.Context(), sess.Actor.AgencyID)
	}
	s.renderStaff(w, r, http.StatusOK, "staff_referrals.html", sess, map[string]any{
		"Referrals": list, "Waiting": waiting, "Agency": agency, "Now": s.Clock.Now(), "Zone": s.Clock.Zone(),
		"NoKey": s.Waiting != nil && s.Waiting(r.Context(), sess.Actor),
	})
}

func (s *Server) referralPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showReferral(w, r, sess, http.StatusOK, nil)
}

func (s *Server) showReferral(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	s.showReferralForm(w, r, sess, status, errs, nil)
}

// showReferralForm shows the referral page, with the completion form's
// answers given back when it is shown again to correct them.
func (s *Server) showReferralForm(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, form *completionForm) {
	ref, err := s.Network.Referral(r.Context(), sess.Actor, r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	partner := sess.Actor.HasRole(spiker.RoleMitra) && sess.Actor.AgencyID == ref.AgencyID
	today := s.Clock.Local().Format(time.DateOnly)
	if form == nil {
		form = &completionForm{ServiceDate: today}
	}
	s.renderStaff(w, r, status, "staff_referral.html", sess, map[string]any{
		"R": ref, "Errors": errs, "Partner": partner, "Today": today, "Form": form,
		"Overdue": ref.Overdue(s.Clock.Now(), s.Clock.Zone()), "CanWithdraw": !partner && ref.Open() && sess.Actor.Can(spiker.PermCaseWrite),
	})
}

func (s *Server) afterReferralChange(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, err error) {
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/rujukan/"+r.PathValue("id"), http.StatusSeeOther)
	case spiker.EINVALID:
		s.showReferral(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) referralAccept(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterReferralChange(w, r, sess, s.Network.RespondReferral(r.Context(), sess.Actor, r.PathValue("id"), true, ""))
}

func (s *Server) referralDecline(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterReferralChange(w, r, sess, s.Network.RespondReferral(r.Context(), sess.Actor, r.PathValue("id"), false, r.PostFormValue("reason")))
}

// completionForm is what a partner typed into the completion form.
type completionForm struct {
	ServiceDate, Outcome string
}

// referralComplete records the service a partner gave, with the result
// file if one is attached: streamed to an encrypted spool, its type checked
// from its bytes and its metadata removed before the store seals it. A
// file too large or of a kind not accepted stores nothing, and the form
// comes back with what was typed.
func (s *Server) referralComplete(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	fd, err, ok := s.parseStaffUpload(w, r, sess)
	if !ok {
		return
	}
	defer fd.remove()
	form := &completionForm{ServiceDate: fd.get("service_date"), Outcome: fd.get("outcome")}
	switch {
	case errors.Is(err, errTooManyFiles):
		s.showReferralForm(w, r, sess, http.StatusUnprocessableEntity, map[string]string{"result": "ref.err.result_count"}, form)
		return
	case err != nil:
		s.showReferralForm(w, r, sess, http.StatusRequestEntityTooLarge, map[string]string{"result": "report.err.file_size"}, form)
		return
	case len(fd.files) > 1:
		s.showReferralForm(w, r, sess, http.StatusUnprocessableEntity, map[string]string{"result": "ref.err.result_count"}, form)
		return
	}
	uploads, _, fileErr := s.cleanUploads(fd, "")
	if fileErr != "" {
		s.showReferralForm(w, r, sess, http.StatusUnprocessableEntity, map[string]string{"result": fileErr}, form)
		return
	}
	var result *spiker.Upload
	if len(uploads) == 1 {
		result = &uploads[0]
	}
	err = s.Network.CompleteReferral(r.Context(), sess.Actor, r.PathValue("id"), form.ServiceDate, form.Outcome, result)
	if spiker.ErrorCode(err) == spiker.EINVALID {
		s.showReferralForm(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err), form)
		return
	}
	s.afterReferralChange(w, r, sess, err)
}

func (s *Server) referralWithdraw(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterReferralChange(w, r, sess, s.Network.WithdrawReferral(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("reason")))
}

func (s *Server) admitColleague(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Network.AdmitColleague(r.Context(), sess.Actor, id); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/staf/rujukan", http.StatusSeeOther)
}

// referralLetter prints the referral letter (surat rujukan) or the
// transfer letter as PDF: the letterhead and the packet, nothing else.
func (s *Server) referralLetter(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	ref, err := s.Network.Referral(r.Context(), sess.Actor, r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	head, err := s.Network.Letterhead(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	l := referralLetter(ref, head, s.RegionCode)
	// The letter is signed by whoever made the referral (or the transfer).
	if u, err := s.Users.FindUserByID(r.Context(), ref.CreatedBy); err == nil {
		signWith(&l, u.Profile)
	}
	pdf, err := letter.Render(l)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="surat-`+ref.Kind+`.pdf"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
}

// referralLetter composes a letter in Indonesian, the language of official
// letters, from the referral's packet.
func referralLetter(ref *spiker.Referral, head *spiker.Letterhead, regency string) letter.Letter {
	p := locale.Printer{Lang: "id"}
	l := letter.Letter{
		Head:         letterhead(head),
		Number:       strings.ToUpper(ref.Kind[:1]) + "-" + ref.CaseNumber + "-" + strings.ToUpper(ref.ID[:6]),
		Date:         strings.TrimLeft(head.City+", ", ", ") + formatDateID(ref.CreatedAt.In(spiker.TimeZone(regency))),
		Signatory:    p.Text("letter.signatory"),
		Confidential: p.Text("letter.confidential"),
	}
	if ref.Kind == spiker.KindPelimpahan {
		l.Title, l.To = p.Text("letter.transfer_title"), p.Text("letter.to", ref.Destination)
		l.Intro, l.Closing = p.Text("letter.transfer_intro"), p.Text("letter.transfer_closing")
	} else {
		l.Title, l.To = p.Text("letter.referral_title"), p.Text("letter.to", ref.AgencyName)
		l.Intro, l.Closing = p.Text("letter.referral_intro", ref.Service, longDay("id", ref.DueDate)), p.Text("letter.referral_closing")
	}
	for _, it := range ref.Packet {
		l.Fields = append(l.Fields, letter.Field{Label: p.Text("packet." + it.Field), Value: it.Value})
	}
	return l
}

// letterhead is the office's heading from the settings.
func letterhead(head *spiker.Letterhead) letter.Letterhead {
	office := head.Office
	if office == "" {
		office = "UPTD PPA"
	}
	return letter.Letterhead{Office: office, Agency: head.Agency, Address: head.Address, Phone: head.Phone, Email: head.Email}
}

// signWith puts the signer's profile into the signature block: their
// jabatan above the space to sign in (else the role), their full name and
// NIP under it. Without a name the role stays under the space.
func signWith(l *letter.Letter, p spiker.Profile) {
	if p.Position != "" {
		l.Signatory = p.Position
	}
	l.SignerName = p.FullName
	if p.FullName != "" && p.NIP != "" {
		l.SignerID = "NIP. " + spiker.FormatNIP(p.NIP)
	}
}

// formatDateID writes a date the way Indonesian letters do: 27 November 2026.
func formatDateID(t time.Time) string { return longDate("id", t) }
