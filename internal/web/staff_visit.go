package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

// caseVisit schedules an outreach visit or a meeting from the case page.
// A meeting that answers the reporter's request takes the place they
// proposed unless another is written.
func (s *Server) caseVisit(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	ctx := r.Context()
	zone := spiker.TimeZone(s.RegionCode)
	at, err := time.ParseInLocation("2006-01-02 15:04", r.PostFormValue("date")+" "+r.PostFormValue("time"), zone)
	if err != nil {
		at = time.Time{}
	}
	v := &spiker.Visit{CaseID: r.PathValue("id"), Kind: r.PostFormValue("kind"), At: at, PlaceKind: r.PostFormValue("place_kind"),
		RegionCode: r.PostFormValue("region"), ReportID: r.PostFormValue("request"), ReporterStatus: r.PostFormValue("reporter_status"),
		Details: spiker.VisitDetails{Place: strings.TrimSpace(r.PostFormValue("place")), AskFor: r.PostFormValue("ask_for"),
			Accommodation: r.PostFormValue("accommodation"), SafetyNotes: r.PostFormValue("safety_notes")}}
	for _, id := range r.PostForm["team"] {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			v.Team = append(v.Team, n)
		}
	}
	if v.ReportID != "" && v.Details.Place == "" && v.PlaceKind == "tempat_aman" {
		reqs, err := s.Network.MeetingRequests(ctx, sess.Actor, v.CaseID)
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		for _, q := range reqs {
			if q.ReportID == v.ReportID {
				v.Details.Place = requestedPlace(q.Body) // the newest request of that report
			}
		}
	}
	s.afterCaseChange(w, r, sess, s.Network.ScheduleVisit(ctx, sess.Actor, v))
}

// visitList is a field officer's list of their visits (a Satgas
// Kecamatan's: its kecamatan's), categorical fields only.
func (s *Server) visitList(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	list, err := s.Network.FindVisits(r.Context(), sess.Actor, spiker.VisitFilter{})
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	type row struct {
		spiker.Visit
		Region string
		Mine   bool
	}
	var rows []row
	for _, v := range list {
		mine := sess.Actor.HasRole(spiker.RoleSupervisor)
		for _, id := range v.Team {
			mine = mine || id == sess.Actor.UserID
		}
		rows = append(rows, row{Visit: v, Region: s.regionName(v.RegionCode), Mine: mine})
	}
	s.renderStaff(w, r, http.StatusOK, "staff_visits.html", sess, map[string]any{"Rows": rows})
}

func (s *Server) visitPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showVisit(w, r, sess, http.StatusOK, nil)
}

func (s *Server) showVisit(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	v, err := s.Network.Visit(r.Context(), sess.Actor, r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	s.renderStaff(w, r, status, "staff_visit.html", sess, map[string]any{
		"V": v, "Region": s.regionName(v.RegionCode), "Errors": errs, "Outcomes": spiker.VisitOutcomes,
	})
}

func (s *Server) visitOutcome(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Network.RecordOutcome(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("outcome"),
		spiker.VisitResult{Findings: r.PostFormValue("findings"), NextStep: r.PostFormValue("next_step")})
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/kunjungan/"+r.PathValue("id"), http.StatusSeeOther)
	case spiker.EINVALID:
		s.showVisit(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

// caseNetwork gathers what the case page shows of the network: referrals
// and transfers, visits, the reporter's meeting requests (read with the
// case), and the choices for the referral and visit forms.
func (s *Server) caseNetwork(r *http.Request, sess *spiker.StaffSession, view *spiker.CaseView) (map[string]any, error) {
	ctx := r.Context()
	c, refs := view.Case, view.Referrals
	// The officers to choose for a visit: the region's, then the team's
	// members who record visits.
	team := view.Officers
	members := map[int64]spiker.TeamMember{}
	for _, m := range view.Team {
		members[m.UserID] = m
	}
	for _, id := range c.Team {
		if m, ok := members[id]; ok && (&spiker.Actor{Roles: m.Roles}).Can(spiker.PermVisitRecord) {
			team = append(team, spiker.User{ID: m.UserID, Username: m.Username, Roles: m.Roles, RegionCode: m.RegionCode})
		}
	}
	type visitRow struct {
		spiker.Visit
		Names []string
	}
	var vrows []visitRow
	for _, v := range view.Visits {
		row := visitRow{Visit: v}
		for _, id := range v.Team {
			row.Names = append(row.Names, view.Usernames[id])
		}
		vrows = append(vrows, row)
	}
	var agencies []spiker.Agency
	all, err := s.Network.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.Active {
			agencies = append(agencies, a)
		}
	}
	kec := c.RegionCode
	if parts := strings.Split(kec, "."); len(parts) > 3 {
		kec = strings.Join(parts[:3], ".")
	}
	today := s.Clock.Local()
	overdue := 0
	for i := range refs {
		if refs[i].Overdue(s.Clock.Now(), s.Clock.Zone()) {
			overdue++
		}
	}
	return map[string]any{
		"Referrals": refs, "Overdue": overdue, "Visits": vrows, "Requests": view.Requests, "Agencies": agencies, "Officers": team,
		"Services": spiker.ReferralServices, "Fields": spiker.PacketFields, "Defaults": spiker.PacketDefaults,
		"VisitKinds": spiker.VisitKinds, "PlaceKinds": spiker.PlaceKinds, "Desa": s.Regions.Children(kec), "Kecamatan": kec,
		"Today": today.Format(time.DateOnly), "Now": s.Clock.Now(), "Zone": s.Clock.Zone(), "Approve": sess.Actor.Can(spiker.PermCaseApprove),
	}, nil
}

// requestedPlace takes the place out of a reporter's meeting request: the
// follow-up form writes "Tempat: …" and "Waktu: …" lines, and the time the
// reporter proposed must not pass for the meeting's own. A request sent
// as free text (through the API) is taken whole.
func requestedPlace(body string) string {
	for _, line := range strings.Split(body, "\n") {
		if place, ok := strings.CutPrefix(strings.TrimSpace(line), requestPlacePrefix); ok && strings.TrimSpace(place) != "" {
			return strings.TrimSpace(place)
		}
	}
	return body
}
