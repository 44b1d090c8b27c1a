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
	x, err := s.Duty.PDPExport(ctx, sess.Actor, r.PathValue("id"), r.PostFormValue("recipient"))
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
	printedBy := sess.Actor.Username
	if u, err := s.Users.FindUserByID(ctx, sess.Actor.UserID); err == nil {
		printedBy = staffName(u)
	}
	var d letter.Document
	name := "data-pribadi-laporan.pdf"
	if v := x.Case; v != nil {
		in := summaryInput{c: v.Case, refs: v.Referrals, head: head, full: true, region: s.regionName, printedBy: printedBy}
		for _, m := range v.Team {
			in.team = append(in.team, m.Username)
		}
		d = s.pdpExportDocument(in, x.Request, v)
		name = "data-pribadi-" + strings.NewReplacer("/", "-").Replace(v.Case.Number) + ".pdf"
	} else {
		d = s.pdpReportDocument(head, printedBy, x)
	}
	pdf, err := letter.RenderDocument(d)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
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

// pdpReportDocument lays out a report that is no case: what the reporter
// told, the conversation, the files and (for who may read them) the
// staff's notes.
func (s *Server) pdpReportDocument(head *spiker.Letterhead, printedBy string, x *spiker.PDPExport) letter.Document {
	p := locale.Printer{Lang: "id"}
	zone := s.Clock.Zone()
	rep := x.Report
	d := letter.Document{
		Head:         letterhead(head),
		Title:        p.Text("pdp.export.title"),
		Number:       p.Text("pdp.export.report", longDate("id", rep.CreatedAt.In(zone))),
		Date:         strings.TrimLeft(head.City+", ", ", ") + longDate("id", s.Clock.Now().In(zone)) + "\n" + p.Text("summary.printed_by", printedBy),
		Confidential: p.Text("pdp.export.confidential"),
	}
	d.Sections = append(d.Sections, letter.Section{Heading: p.Text("pdp.export.about"), Text: p.Text("pdp.export.intro", longDate("id", x.Request.ReceivedAt.In(zone)))})
	c := rep.Content
	d.Sections = append(d.Sections, letter.Section{Heading: p.Text("staff.report"), Fields: []letter.Field{
		{Label: p.Text("staff.region"), Value: s.regionName(rep.RegionCode)},
		{Label: p.Text("staff.types"), Value: strings.Join(rep.ViolenceTypes, ", ")},
		{Label: p.Text("staff.incident_date"), Value: longDay("id", rep.IncidentDate)},
		{Label: p.Text("staff.victim"), Value: c.VictimName},
		{Label: p.Text("pdp.export.narrative"), Value: c.Narrative},
		{Label: p.Text("pdp.export.place"), Value: c.PlaceDetail},
		{Label: p.Text("pdp.contact"), Value: strings.TrimSpace(c.Contact.Number + " " + c.Contact.SafeTimes + " " + c.Contact.Note)},
	}})
	msgs := letter.Section{Heading: p.Text("pdp.export.messages")}
	for _, m := range x.Messages {
		msgs.Fields = append(msgs.Fields, letter.Field{Label: longDateTime("id", m.At.In(zone), false), Value: m.Body})
	}
	notes := letter.Section{Heading: p.Text("pdp.export.notes")}
	for _, m := range x.Notes {
		notes.Fields = append(notes.Fields, letter.Field{Label: longDateTime("id", m.At.In(zone), false), Value: m.Body})
	}
	files := letter.Section{Heading: p.Text("pdp.export.files")}
	for _, f := range x.Files {
		files.Fields = append(files.Fields, letter.Field{Label: longDate("id", f.At.In(zone)), Value: f.Name})
	}
	for _, sec := range []*letter.Section{&msgs, &notes, &files} {
		if len(sec.Fields) == 0 {
			sec.Text = p.Text("rec.none")
		}
	}
	d.Sections = append(d.Sections, msgs, notes, files)
	for _, sec := range d.Sections {
		for i := range sec.Fields {
			if strings.TrimSpace(sec.Fields[i].Value) == "" {
				sec.Fields[i].Value = "—"
			}
		}
	}
	return d
}
