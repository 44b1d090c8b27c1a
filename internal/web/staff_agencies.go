package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

// agencyList is the administrator's directory of partner agencies.
func (s *Server) agencyList(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showAgencies(w, r, sess, http.StatusOK, nil, nil)
}

func (s *Server) showAgencies(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, form *spiker.Agency) {
	list, err := s.Network.Agencies(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	if form == nil {
		form = &spiker.Agency{RegionCode: s.RegionCode}
	}
	s.renderStaff(w, r, status, "staff_agencies.html", sess, map[string]any{
		"Agencies": list, "Errors": errs, "F": form, "Types": spiker.AgencyTypes, "Services": spiker.ReferralServices,
	})
}

func agencyFromForm(r *http.Request) *spiker.Agency {
	return &spiker.Agency{ID: r.PathValue("id"), Name: strings.TrimSpace(r.PostFormValue("name")), Type: r.PostFormValue("type"),
		RegionCode: strings.TrimSpace(r.PostFormValue("region")), Services: r.PostForm["services"],
		Contact: strings.TrimSpace(r.PostFormValue("contact")), Active: r.PostFormValue("active") != "tidak"}
}

func (s *Server) agencySave(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	a := agencyFromForm(r)
	err := s.Network.SaveAgency(r.Context(), sess.Actor, a)
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/lembaga", http.StatusSeeOther)
	case spiker.EINVALID:
		s.showAgencies(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err), a)
	default:
		s.staffError(w, r, sess, err)
	}
}

// settingsPage edits the letterhead printed on referral and transfer
// letters, the time limits and the holiday calendar.
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showSettings(w, r, sess, http.StatusOK, nil, nil, false)
}

func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, l *spiker.Letterhead, errs map[string]string, saved bool) {
	var err error
	if l == nil {
		if l, err = s.Network.Letterhead(r.Context()); err != nil {
			s.staffError(w, r, sess, err)
			return
		}
	}
	limits, err := s.Duty.TimeLimits(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	holidays, err := s.Duty.Holidays(r.Context(), s.Clock.Local().AddDate(0, 0, -30).Format(time.DateOnly))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	retention := spiker.DefaultRetention
	if s.Retention != nil {
		if retention, err = s.Retention.RetentionPolicy(r.Context()); err != nil {
			s.staffError(w, r, sess, err)
			return
		}
	}
	var policy spiker.PasskeyPolicy
	if s.Users != nil {
		if policy, err = s.Users.PasskeyPolicy(r.Context()); err != nil {
			s.staffError(w, r, sess, err)
			return
		}
	}
	s.renderStaff(w, r, status, "staff_settings.html", sess, map[string]any{"L": l, "Errors": errs, "Saved": saved,
		"PasskeyPolicy": policy, "PolicyRoles": strings.Split(policy.String(), ","), "PasskeyOn": s.Users != nil, "Roles": spiker.Roles,
		"Limits": map[string]int{"first_response": int(limits.FirstResponse / time.Minute), "sedang": int(limits.Sedang / time.Minute),
			"rendah": limits.RendahWorkdays, "tpks": int(limits.TPKSPolice / time.Minute), "pdp": int(limits.PDP / time.Minute), "ack_urgent": int(limits.AckUrgent / time.Minute),
			"ack_normal": int(limits.AckNormal / time.Minute)},
		"Holidays": holidays, "LimitNames": []string{"first_response", "sedang", "rendah", "tpks", "pdp", "ack_urgent", "ack_normal"},
		"Retention": retentionForm(retention), "RetentionDefaults": retentionForm(spiker.DefaultRetention), "RetentionNames": retentionNames, "RetentionOn": s.Retention != nil})
}

func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	l := &spiker.Letterhead{Office: strings.TrimSpace(r.PostFormValue("office")), Agency: strings.TrimSpace(r.PostFormValue("agency")),
		Address: strings.TrimSpace(r.PostFormValue("address")), Phone: strings.TrimSpace(r.PostFormValue("phone")), WhatsApp: strings.TrimSpace(r.PostFormValue("whatsapp")),
		Email: strings.TrimSpace(r.PostFormValue("email")), City: strings.TrimSpace(r.PostFormValue("city"))}
	err := s.Network.SetLetterhead(r.Context(), sess.Actor, l)
	switch spiker.ErrorCode(err) {
	case "":
		s.showSettings(w, r, sess, http.StatusOK, l, nil, true)
	case spiker.EINVALID:
		s.showSettings(w, r, sess, http.StatusUnprocessableEntity, l, spiker.ErrorFields(err), false)
	default:
		s.staffError(w, r, sess, err)
	}
}
