package web

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/locale"
)

// pdpExport answers an access request with a PDF for the person: what the
// exporting user can read of the linked case, read through the case page's
// own path (Duty.PDPExport uses CaseView: the policy, the team and each
// key), laid out like the case summary in its full version, plus the
// documents, visits and reporters' files the view lists. The export is
// audited before anything is sent.
func (s *Server) pdpExport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	ctx := r.Context()
	req, v, err := s.Duty.PDPExport(ctx, sess.Actor, r.PathValue("id"))
	if spiker.ErrorCode(err) == spiker.EINVALID {
		s.showPDPRequest(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
		return
	} else if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	head, err := s.Network.Letterhead(ctx)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	in := summaryInput{c: v.Case, refs: v.Referrals, head: head, full: true, region: s.regionName, printedBy: sess.Actor.Username}
	for _, m := range v.Team {
		in.team = append(in.team, m.Username)
	}
	if u, err := s.Users.FindUserByID(ctx, sess.Actor.UserID); err == nil {
		in.printedBy = staffName(u)
	}
	pdf, err := letter.RenderDocument(s.pdpExportDocument(in, req, v))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	name := "data-pribadi-" + strings.NewReplacer("/", "-").Replace(v.Case.Number) + ".pdf"
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
}

// pdpExportDocument is the case summary's full version under the export's
// own title, with the lists the case view adds.
func (s *Server) pdpExportDocument(in summaryInput, req *spiker.PDPRequest, v *spiker.CaseView) letter.Document {
	p := locale.Printer{Lang: "id"}
	zone := s.Clock.Zone()
	d := s.summaryDocument(in)
	d.Title = p.Text("pdp.export.title")
	d.Confidential = p.Text("pdp.export.confidential")
	intro := letter.Section{Heading: p.Text("pdp.export.about"), Text: p.Text("pdp.export.intro", longDate("id", req.ReceivedAt.In(zone)))}
	d.Sections = append([]letter.Section{intro}, d.Sections...)
	files := letter.Section{Heading: p.Text("pdp.export.files")}
	for _, f := range v.Files {
		files.Fields = append(files.Fields, letter.Field{Label: longDate("id", f.At.In(zone)), Value: f.Name})
	}
	for _, fs := range v.ReportFiles {
		for _, f := range fs {
			files.Fields = append(files.Fields, letter.Field{Label: longDate("id", f.At.In(zone)), Value: f.Name})
		}
	}
	if len(files.Fields) == 0 {
		files.Text = p.Text("rec.none")
	}
	visits := letter.Section{Heading: p.Text("pdp.export.visits")}
	for _, x := range v.Visits {
		visits.Fields = append(visits.Fields, letter.Field{Label: longDate("id", x.At.In(zone)), Value: strings.TrimSpace(x.Details.Place + " " + x.Outcome)})
	}
	if len(visits.Fields) == 0 {
		visits.Text = p.Text("rec.none")
	}
	d.Sections = append(d.Sections, files, visits)
	return d
}
