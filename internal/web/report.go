package web

import (
	"errors"
	"net/http"
	"path/filepath"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media"
)

// reportForm holds a report form's answers as typed, so that a form with
// errors comes back exactly as the person left it.
type reportForm struct {
	Token        string
	Role         string
	Types        []string
	Narrative    string
	Danger       string // "ya", "tidak" or ""
	Kecamatan    string
	Desa         string
	Place        string
	Date         string
	Sex          string
	Age          string
	AgeGroup     string
	Name         string
	Relationship string
	Contact      string // "ya" or "tidak"
	Channel      string
	Number       string
	Times        string
	Note         string
	Consent      bool

	Errors map[string]string // field → message key
}

// newToken issues a form's one-time token; it carries the time it was
// issued, so that an old form cannot be sent (spiker.FormTokenLife).
func (s *Server) newToken() string { return spiker.NewFormToken(s.Clock.Now()) }

// reportPage serves the empty report form with a fresh one-time token.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	s.renderReportForm(w, r, http.StatusOK, &reportForm{Token: s.newToken(), Contact: "tidak"})
}

func (s *Server) renderReportForm(w http.ResponseWriter, r *http.Request, status int, f *reportForm) {
	s.render(w, r, status, "report.html", map[string]any{
		"Form":          f,
		"Roles":         spiker.ReporterRoles,
		"Types":         spiker.JenisKekerasan,
		"Sexes":         spiker.JenisKelamin,
		"AgeGroups":     spiker.KelompokUmurKorban,
		"Relationships": spiker.HubunganPelaku,
		"Channels":      spiker.ContactChannels,
		"Kecamatan":     s.kecamatan(),
		"MaxFiles":      spiker.MaxFilesPerPost,
		"HelpTop":       true,
	})
}

// kecamatanOption is a kecamatan with its desa, for the select lists.
type kecamatanOption struct {
	Region spiker.Region
	Desa   []spiker.Region
}

// kecamatan returns the regency's kecamatan with their desa, built once.
func (s *Server) kecamatan() []kecamatanOption {
	s.kecamatanOnce.Do(func() {
		for _, k := range s.Regions.Children(s.RegionCode) {
			s.kecamatanList = append(s.kecamatanList, kecamatanOption{Region: k, Desa: s.Regions.Children(k.Code)})
		}
	})
	return s.kecamatanList
}

// submitReport validates and stores a report, then redirects to the
// receipt page (answerReport), which shows the receipt only to this
// browser and only for a short window. A retried POST with the same token
// stores nothing new; a form older than spiker.FormTokenLife is not stored
// at all.
func (s *Server) submitReport(w http.ResponseWriter, r *http.Request) {
	client := s.ClientKey(r)
	fd, err := parseForm(w, r)
	f := readReportForm(fd)
	token, tokenErr := spiker.SubmissionToken(spiker.TokenForm, f.Token)
	expired := tokenErr == nil && spiker.FormTokenExpired(f.Token, s.Clock.Now())
	if tokenErr != nil || expired {
		f.Token = s.newToken() // for the next try, with the answers kept
	}
	switch {
	case errors.Is(err, errFileTooLarge):
		f.Errors = map[string]string{"files": "report.err.file_size"}
	case errors.Is(err, errTooManyFiles):
		f.Errors = map[string]string{"files": "report.err.file_count"}
	case errors.Is(err, errTooLarge):
		f.Errors = map[string]string{"files": "report.err.too_large"}
	case err != nil:
		s.Error(w, r, err)
		return
	}
	if f.Errors != nil {
		s.renderReportForm(w, r, http.StatusRequestEntityTooLarge, f)
		return
	}
	rep, errs := s.reportFromForm(f)
	uploads, fileErr := cleanUploads(fd.files)
	if fileErr != "" {
		errs["files"] = fileErr
	}
	rep.Files = uploads
	// A token the form did not issue (another source's, such as a
	// WhatsApp message id) is refused: nothing is stored and no receipt
	// is looked up with it.
	for k, v := range spiker.ErrorFields(tokenErr) {
		errs[k] = v
	}
	var receipt string
	if len(errs) == 0 {
		// A complete form sent long after it was issued is most likely
		// the browser's "confirm resubmission" of an old one: nothing is
		// stored, and the receipt page says only that a report sent with
		// it was received.
		if expired {
			http.Redirect(w, r, receiptPath, http.StatusSeeOther)
			return
		}
		// Only a complete report counts against the limits: someone
		// correcting their answers is never throttled.
		if err := s.Limiter.Allow(r.Context(), spiker.ActionReport, client); err != nil {
			s.Error(w, r, err)
			return
		}
		for range uploads {
			if err := s.Limiter.Allow(r.Context(), spiker.ActionFile, client); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		receipt, err = s.Reports.CreateReport(r.Context(), rep, token)
		for k, v := range spiker.ErrorFields(err) {
			errs[k] = v
		}
		if err != nil && len(errs) == 0 {
			s.Error(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		f.Errors = errs
		s.renderReportForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	s.answerReport(w, r, token, receipt)
}

func readReportForm(fd *formData) *reportForm {
	return &reportForm{
		Token: fd.get("token"), Role: fd.get("role"), Types: fd.all("types"), Narrative: fd.get("narrative"),
		Danger: fd.get("danger"), Kecamatan: fd.get("kecamatan"), Desa: fd.get("desa"), Place: fd.get("place"),
		Date: fd.get("date"), Sex: fd.get("sex"), Age: fd.get("age"), AgeGroup: fd.get("age_group"), Name: fd.get("name"),
		Relationship: fd.get("relationship"), Contact: fd.get("contact"), Channel: fd.get("channel"), Number: fd.get("number"),
		Times: fd.get("times"), Note: fd.get("note"), Consent: fd.get("consent") == "ya",
	}
}

// reportFromForm maps the form to a report and adds the checks that need
// the region data or are about the form itself.
func (s *Server) reportFromForm(f *reportForm) (*spiker.Report, map[string]string) {
	errs := map[string]string{}
	rep := &spiker.Report{
		Channel: spiker.ChannelWeb, ReporterRole: spiker.ReporterRole(f.Role), ViolenceTypes: f.Types,
		InDanger: f.Danger == "ya", IncidentDate: f.Date, VictimSex: f.Sex, VictimAge: atoiOr(f.Age, -1),
		VictimAgeGroup: f.AgeGroup, Relationship: f.Relationship, ContactWanted: f.Contact == "ya", Consent: f.Consent,
		Content: spiker.ReportContent{Narrative: f.Narrative, PlaceDetail: f.Place, VictimName: f.Name},
	}
	if rep.ContactWanted {
		rep.Content.Contact = spiker.ReportContact{Channel: f.Channel, Number: f.Number, SafeTimes: f.Times, Note: f.Note}
	}
	if f.Danger != "ya" && f.Danger != "tidak" {
		errs["danger"] = "report.err.danger"
	}
	if f.Contact != "ya" && f.Contact != "tidak" {
		errs["contact_channel"] = "report.err.contact_channel"
	}
	code, field, key := spiker.IncidentRegion(s.Regions, s.RegionCode, f.Kecamatan, f.Desa)
	rep.RegionCode = code
	if field != "" {
		errs[field] = key
	}
	if err := rep.Validate(s.Clock.Local()); err != nil {
		for k, v := range spiker.ErrorFields(err) {
			if _, ok := errs[k]; !ok {
				errs[k] = v
			}
		}
	}
	return rep, errs
}

// cleanUploads checks each file's type from its bytes and removes
// metadata such as EXIF GPS before anything is stored.
func cleanUploads(files []rawFile) ([]spiker.Upload, string) {
	var out []spiker.Upload
	for _, f := range files {
		data, kind, err := media.Clean(f.data)
		if err != nil {
			return nil, "report.err.file_type"
		}
		out = append(out, spiker.Upload{Name: filepath.Base(f.name), Kind: string(kind), Data: data})
	}
	return out, ""
}
