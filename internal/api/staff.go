package api

import (
	"net/http"
	"time"

	"github.com/spikerperak/spiker"
)

// StaffRoute is one route of the staff API with the permission it needs;
// the access-control matrix test walks them with the web routes.
type StaffRoute struct {
	Method, Path string
	Perm         spiker.Permission
	Record       string // "report", "case", "referral" or ""
	Key          bool   // the handler needs the record's key
	Handle       func(http.ResponseWriter, *http.Request, *spiker.StaffSession)
}

// StaffRoutes lists the staff API, which authenticates with a bearer
// session token (from POST /api/v1/staff/session).
func (s *Server) StaffRoutes() []StaffRoute {
	return []StaffRoute{
		{"GET", "/api/v1/staff/reports", spiker.PermInbox, "", false, s.staffInbox},
		{"GET", "/api/v1/staff/reports/{id}", spiker.PermReportRead, "report", true, s.staffReport},
		{"POST", "/api/v1/staff/reports/{id}/reveal", spiker.PermReportRead, "report", true, s.staffRevealReport},
		{"POST", "/api/v1/staff/reports/{id}/messages", spiker.PermReportReply, "report", true, s.staffReply},
		{"POST", "/api/v1/staff/reports/{id}/case", spiker.PermCaseOpen, "report", true, s.staffOpenCase},
		{"GET", "/api/v1/staff/cases/{id}", spiker.PermCaseRead, "case", true, s.staffCase},
		{"POST", "/api/v1/staff/cases/{id}/reveal", spiker.PermCaseRead, "case", true, s.staffRevealCase},
		{"GET", "/api/v1/staff/referrals", spiker.PermReferralRespond, "", false, s.staffReferrals},
		{"GET", "/api/v1/staff/referrals/{id}", spiker.PermReferralRead, "referral", true, s.staffReferral},
	}
}

// StaffHandler serves the staff API: the sign-in endpoint and the routes,
// each behind the bearer token and the policy.
func (s *Server) StaffHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/staff/session", s.staffSignIn)
	for _, rt := range s.StaffRoutes() {
		mux.Handle(rt.Method+" "+rt.Path, s.bearerOnly(rt))
	}
	mux.HandleFunc("/api/v1/staff/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, spiker.Errorf(spiker.ENOTFOUND, "no such API endpoint; see api/openapi.yaml"))
	})
	return mux
}

func (s *Server) bearerOnly(rt StaffRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Users.Session(r.Context(), bearer(r))
		if err != nil {
			if spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
				// The session could not be looked up (the database is
				// down): "sign in first" would send the client to a
				// sign-in that fails too.
				s.error(w, r, spiker.Errorf(spiker.EUNAVAILABLE, "looking up the session: %v", err))
				return
			}
			s.error(w, r, spiker.Errorf(spiker.EUNAUTHORIZED, "sign in first"))
			return
		}
		if err := spiker.Authorize(sess.Actor, rt.Perm, spiker.Scope{}); err != nil {
			s.error(w, r, err)
			return
		}
		rt.Handle(w, r, sess)
	})
}

func (s *Server) staffSignIn(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		OTP      string `json:"otp"`
	}
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	token, _, err := s.Users.SignIn(r.Context(), req.Username, req.Password, req.OTP, s.ClientKey(r))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": token})
}

type inboxJSON struct {
	ID               string     `json:"id"`
	ReceivedAt       time.Time  `json:"received_at"`
	Status           string     `json:"status"`
	InDanger         bool       `json:"in_danger"`
	RegionCode       string     `json:"region_code"`
	KecamatanCode    string     `json:"kecamatan_code"`
	Channel          string     `json:"channel"`
	Risiko           string     `json:"risiko,omitempty"`
	FirstResponseAt  *time.Time `json:"first_response_at"`
	FirstResponseDue time.Time  `json:"first_response_due"`
	// Clock is the state of the limit that runs (the first response, then
	// the response by risk): ok, amber, red or done, as the back office
	// colours it; Overdue is its red.
	Clock    string    `json:"clock"`
	ClockDue time.Time `json:"clock_due"`
	Overdue  bool      `json:"overdue"`
}

func (s *Server) staffInbox(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	before, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("before"))
	items, err := s.Reports.FindReports(r.Context(), sess.Actor, spiker.ReportFilter{Before: before, BeforeID: r.URL.Query().Get("before_id"), Limit: 100})
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := []inboxJSON{}
	now := s.Clock.Now()
	for _, it := range items {
		kec := it.RegionCode
		if len(kec) > 8 {
			kec = kec[:8]
		}
		d, _ := it.Deadline()
		clock := d.State(now)
		out = append(out, inboxJSON{ID: it.ID, ReceivedAt: it.CreatedAt, Status: string(it.Status), InDanger: it.InDanger,
			RegionCode: it.RegionCode, KecamatanCode: kec, Channel: string(it.Channel), Risiko: it.Risiko,
			FirstResponseAt: it.FirstResponseAt, FirstResponseDue: it.DueAt,
			Clock: clock, ClockDue: d.Due, Overdue: clock == spiker.LimitRed})
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out})
}

func (s *Server) staffReport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	rep, err := s.Reports.FindReport(r.Context(), sess.Actor, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	msgs, err := s.Reports.ReportMessages(r.Context(), sess.Actor, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := map[string]any{
		"id": rep.ID, "received_at": rep.CreatedAt, "status": rep.Status, "channel": rep.Channel, "region_code": rep.RegionCode,
		"in_danger": rep.InDanger, "reporter_role": rep.ReporterRole, "violence_types": rep.ViolenceTypes,
		"incident_date": rep.IncidentDate, "victim_sex": rep.VictimSex, "victim_age_group": rep.VictimAgeGroup,
		"relationship": rep.Relationship, "case_id": rep.CaseID,
		"description": rep.Content.Narrative, "place_detail": rep.Content.PlaceDetail,
		"contact": nil, "messages": []messageJSON{},
	}
	// The identity is masked as on the web page; revealing it is its own
	// request (POST .../reveal) and its own audit entry.
	for k, v := range reportIdentity(rep, true) {
		out[k] = v
	}
	if rep.VictimAge >= 0 {
		out["victim_age"] = rep.VictimAge
	}
	ms := []messageJSON{}
	for _, m := range msgs {
		ms = append(ms, messageJSON{From: m.From, Kind: m.Kind, Body: m.Body, At: m.At})
	}
	out["messages"] = ms
	writeJSON(w, http.StatusOK, out)
}

// reportIdentity is a report's victim name and contact, masked (initials,
// the last four characters) when masked is set.
func reportIdentity(rep *spiker.Report, masked bool) map[string]any {
	out := map[string]any{"victim_name": rep.Content.VictimName, "contact": nil, "identity_masked": masked}
	c := rep.Content.Contact
	if masked {
		out["victim_name"] = spiker.MaskName(rep.Content.VictimName)
		c.Number, c.Note = spiker.MaskContact(c.Number), spiker.MaskContact(c.Note)
	}
	if rep.ContactWanted {
		out["contact"] = c
	}
	return out
}

// staffRevealReport returns a report's identity unmasked, after recording
// the reveal in the audit log as the web's "show identity" does.
func (s *Server) staffRevealReport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	if err := s.Reports.RevealIdentity(r.Context(), sess.Actor, id); err != nil {
		s.error(w, r, err)
		return
	}
	rep, err := s.Reports.FindReport(r.Context(), sess.Actor, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := reportIdentity(rep, false)
	out["id"] = rep.ID
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) staffReply(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	var req struct {
		Body string `json:"body"`
	}
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Reports.Reply(r.Context(), sess.Actor, r.PathValue("id"), req.Body); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"status": "sent"})
}

func (s *Server) staffOpenCase(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	// The report is read (policy and key) before the body is looked at, so
	// a refusal never depends on what was sent.
	id := r.PathValue("id")
	if _, err := s.Reports.FindReport(r.Context(), sess.Actor, id); err != nil {
		s.error(w, r, err)
		return
	}
	var req struct {
		Summary string `json:"summary"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
	}
	c := &spiker.Case{ReportIDs: []string{id}, Content: spiker.CaseContent{Summary: req.Summary}}
	if err := s.Cases.OpenCase(r.Context(), sess.Actor, c); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"case_id": c.ID})
}

func (s *Server) staffCase(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	c, err := s.Cases.FindCase(r.Context(), sess.Actor, r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "created_at": c.CreatedAt, "region_code": c.RegionCode,
		"status": c.Status, "report_ids": c.ReportIDs, "summary": c.Content.Summary,
		"victim_name": spiker.MaskName(c.Content.VictimName), "identity_masked": true})
}

// staffRevealCase returns a case's victim name unmasked, after recording
// the reveal in the audit log.
func (s *Server) staffRevealCase(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id := r.PathValue("id")
	if err := s.Cases.RevealCaseIdentity(r.Context(), sess.Actor, id); err != nil {
		s.error(w, r, err)
		return
	}
	c, err := s.Cases.FindCase(r.Context(), sess.Actor, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "victim_name": c.Content.VictimName, "identity_masked": false})
}
