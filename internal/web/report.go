package web

import (
	"errors"
	"net/http"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/upload"
)

// reportForm holds a report form's answers as typed, so that a form with
// errors comes back exactly as the person left it.
type reportForm struct {
	Token        string
	Expired      bool // the form sent was too old to be taken: it says so
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
	// Attached are the files kept under the token from an earlier try.
	Attached []upload.File
	// RetryAt is when a reporter over the limit may send again, e.g.
	// "14.35 WIB"; Challenge a proof of work that sends it now instead.
	RetryAt, Challenge string
	// Unavailable: the report could not be stored now (a full disk).
	Unavailable bool
}

// newToken issues a form's one-time token; it carries the time it was
// issued, so that an old form cannot be sent (spiker.FormTokenLife).
func (s *Server) newToken() string { return spiker.NewFormToken(s.Clock.Now()) }

func (s *Server) renderReportForm(w http.ResponseWriter, r *http.Request, status int, f *reportForm) {
	f.Attached = s.uploads().List(f.Token)
	s.render(w, r, status, "report.html", s.reportFormData(f))
}

// reportFormData is what report.html shows besides the layout's values.
func (s *Server) reportFormData(f *reportForm) map[string]any {
	return map[string]any{
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
	}
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
	fd, err := s.parseForm(w, r)
	defer fd.remove()
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
	// A form sent long after it was issued is most likely the browser's
	// "confirm resubmission" of an old one, perhaps after quick exit: it
	// stores nothing and echoes none of its answers; a fresh form says
	// plainly that it was not sent (an oversized one too).
	if expired {
		s.renderReportForm(w, r, http.StatusConflict, &reportForm{Token: f.Token, Expired: true})
		return
	}
	if f.Errors != nil {
		s.renderReportForm(w, r, http.StatusRequestEntityTooLarge, f)
		return
	}
	uploads, fresh, fileErr := s.reportUploads(fd, f.Token)
	// The files stay with the form on every path that stores no report.
	defer func() { s.keepUploads(f.Token, fresh) }()
	sub := formSubmission(f, uploads, fileErr, token, tokenErr)
	sub.Client, sub.Proof = client, s.proof(fd)
	receipt, err := s.Submissions.Submit(r.Context(), sub)
	errs, ok := formErrors(err)
	if !ok {
		s.keepUploads(f.Token, fresh)
		s.reportNotTaken(w, r, f, err)
		return
	}
	if len(errs) > 0 {
		f.Errors = errs
		s.keepUploads(f.Token, fresh)
		s.renderReportForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	s.uploads().Clear(f.Token)
	fresh = nil
	s.answerReport(w, r, token, receipt)
}

// formSubmission reads a report form, its cleaned files (with the error
// key of a file that did not clean) and its token into a submission for
// the intake, with the form's own errors.
func formSubmission(f *reportForm, uploads []spiker.Upload, fileErr, token string, tokenErr error) spiker.Submission {
	rep, errs := reportFromForm(f)
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
	return spiker.Submission{Report: rep, Kecamatan: f.Kecamatan, Desa: f.Desa, Token: token, Fields: errs}
}

// formErrors returns the fields to correct of a submission's error, or
// false if the error is not about the fields.
func formErrors(err error) (map[string]string, bool) {
	if err == nil {
		return nil, true
	}
	if fields := spiker.ErrorFields(err); spiker.ErrorCode(err) == spiker.EINVALID && len(fields) > 0 {
		return fields, true
	}
	return nil, false
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

// reportFromForm maps the form to a report and checks what is about the
// form itself; the report's own checks are the intake's (spiker.ReportIntake).
func reportFromForm(f *reportForm) (*spiker.Report, map[string]string) {
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
	return rep, errs
}
