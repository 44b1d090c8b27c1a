package web

import (
	"net/http"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/vault"
)

// walkInChannels are the ways a report filed by staff can have come in.
var walkInChannels = spiker.ReportChannels[1:]

// intakePage is the walk-in intake: the public form's questions plus the
// channel, for a Fokal Desa or an officer filing on someone's behalf.
func (s *Server) intakePage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.renderIntake(w, r, sess, http.StatusOK, &reportForm{Token: s.newToken(), Contact: "tidak"}, string(spiker.ChannelLangsung))
}

func (s *Server) renderIntake(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, f *reportForm, channel string) {
	s.renderStaff(w, r, status, "staff_intake.html", sess, map[string]any{
		"Form": f, "Channel": channel, "ReportChannels": walkInChannels,
		"Roles": spiker.ReporterRoles, "Types": spiker.JenisKekerasan, "Sexes": spiker.JenisKelamin,
		"AgeGroups": spiker.KelompokUmurKorban, "Relationships": spiker.HubunganPelaku, "Channels": spiker.ContactChannels,
		"Kecamatan": s.kecamatan(), "MaxFiles": spiker.MaxFilesPerPost,
	})
}

// intakeSubmit files the report; the receipt is shown once, to hand over.
func (s *Server) intakeSubmit(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	fd, err, ok := s.parseStaffUpload(w, r, sess)
	if !ok {
		return
	}
	defer fd.remove()
	f := readReportForm(fd)
	token, tokenErr := spiker.SubmissionToken(spiker.TokenStaff, f.Token)
	if tokenErr != nil {
		f.Token = s.newToken()
	}
	channel := fd.get("report_channel")
	if err != nil {
		f.Errors = map[string]string{"files": "report.err.file_size"}
		s.renderIntake(w, r, sess, http.StatusRequestEntityTooLarge, f, channel)
		return
	}
	uploads, _, fileErr := s.cleanUploads(fd, "")
	sub := formSubmission(f, uploads, fileErr, token, tokenErr)
	sub.Report.Channel, sub.Filer = spiker.Channel(channel), sess.Actor
	receipt, err := s.Submissions.Submit(r.Context(), sub)
	errs, ok := formErrors(err)
	switch code := spiker.ErrorCode(err); {
	case ok:
	case code == spiker.EUNAVAILABLE || code == spiker.EINTERNAL:
		// A full disk or a failing database: the form comes back whole.
		s.Logger.Error("walk-in report not stored", "route", r.Pattern, "err", err)
		f.Unavailable = true
		w.Header().Set("Retry-After", "120")
		s.renderIntake(w, r, sess, http.StatusServiceUnavailable, f, channel)
		return
	default:
		s.staffError(w, r, sess, err)
		return
	}
	if len(errs) > 0 {
		f.Errors = errs
		s.renderIntake(w, r, sess, http.StatusUnprocessableEntity, f, channel)
		return
	}
	s.renderStaff(w, r, http.StatusOK, "staff_intake_receipt.html", sess, map[string]any{
		"Receipt": vault.FormatReceipt(receipt), "Digits": strings.Fields(vault.FormatReceipt(receipt)),
	})
}

// filedReports shows the filer the status of what they filed, nothing more.
func (s *Server) filedReports(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	list, err := s.Reports.FiledReports(r.Context(), sess.Actor)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	type row struct {
		spiker.FiledReport
		Region string
	}
	var rows []row
	for _, f := range list {
		rows = append(rows, row{FiledReport: f, Region: s.regionName(f.RegionCode)})
	}
	s.renderStaff(w, r, http.StatusOK, "staff_filed.html", sess, map[string]any{"Rows": rows})
}
