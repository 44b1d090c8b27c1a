package api

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// reportRequest is the body of POST /api/v1/reports.
type reportRequest struct {
	ReporterRole   string       `json:"reporter_role"`
	Description    string       `json:"description"`
	ViolenceTypes  []string     `json:"violence_types"`
	KecamatanCode  string       `json:"kecamatan_code"`
	DesaCode       string       `json:"desa_code"`
	PlaceDetail    string       `json:"place_detail"`
	IncidentDate   string       `json:"incident_date"`
	VictimSex      string       `json:"victim_sex"`
	VictimAge      *int         `json:"victim_age"`
	VictimAgeGroup string       `json:"victim_age_group"`
	VictimName     string       `json:"victim_name"`
	Relationship   string       `json:"relationship"`
	InDanger       *bool        `json:"in_danger"`
	Consent        bool         `json:"consent"`
	Contact        *contactJSON `json:"contact"`
	Channel        string       `json:"channel"`
}

type contactJSON struct {
	Channel   string `json:"channel"`
	Number    string `json:"number"`
	SafeTimes string `json:"safe_times"`
	Note      string `json:"note"`
}

func (s *Server) createReport(w http.ResponseWriter, r *http.Request) {
	// An Idempotency-Key makes retries safe; it is kept apart from the
	// report form's tokens and the WhatsApp message ids (spiker.TokenAPI).
	var token string
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		var err error
		if token, err = spiker.SubmissionToken(spiker.TokenAPI, key); err != nil {
			s.error(w, r, err)
			return
		}
	}
	var req reportRequest
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	rep := &spiker.Report{
		Channel: spiker.Channel(req.Channel), ReporterRole: spiker.ReporterRole(req.ReporterRole), ViolenceTypes: req.ViolenceTypes,
		IncidentDate: req.IncidentDate, VictimSex: req.VictimSex, VictimAge: -1, VictimAgeGroup: req.VictimAgeGroup,
		Relationship: req.Relationship, Consent: req.Consent, ContactWanted: req.Contact != nil,
		Content: spiker.ReportContent{Narrative: req.Description, PlaceDetail: req.PlaceDetail, VictimName: req.VictimName},
	}
	fields := map[string]string{}
	switch rep.Channel {
	case "":
		rep.Channel = spiker.ChannelWeb
	case spiker.ChannelWeb:
	default:
		// Only the webhook makes WhatsApp reports (a staff reply to one goes
		// out to its number), and only staff record the other channels.
		fields["channel"] = "api.err.channel"
	}
	if req.VictimAge != nil {
		rep.VictimAge = *req.VictimAge
		if rep.VictimAge < 0 {
			rep.VictimAge = -2 // refused by validation, like any other bad age
		}
	}
	if req.Contact != nil {
		rep.Content.Contact = spiker.ReportContact(*req.Contact)
	}
	if req.InDanger == nil {
		fields["danger"] = "report.err.danger"
	} else {
		rep.InDanger = *req.InDanger
	}
	receipt, err := s.Submissions.Submit(r.Context(), spiker.Submission{Report: rep, Kecamatan: req.KecamatanCode,
		Desa: req.DesaCode, Token: token, Client: s.ClientKey(r), Fields: fields})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"receipt": receipt})
}
