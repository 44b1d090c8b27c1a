package web

import (
	"cmp"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/locale"
)

// caseSummary prints a case summary as PDF, for a court, a hospital or the
// file: only what the reader holds (the case key is needed), in
// Indonesian. GET prints identities masked; POST with identitas=ya prints
// them in full, and that reveal is its own audit entry. The export itself
// is audited (case.export_summary) before anything is read.
func (s *Server) caseSummary(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	ctx, id := r.Context(), r.PathValue("id")
	full := r.Method == http.MethodPost && r.PostFormValue("identitas") == "ya"
	if err := s.Cases.RecordCaseExport(ctx, sess.Actor, id, full); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	c, err := s.Cases.FindCase(ctx, sess.Actor, id)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	refs, err := s.Network.FindReferrals(ctx, sess.Actor, spiker.ReferralFilter{CaseID: id})
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	head, err := s.Network.Letterhead(ctx)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	in := summaryInput{c: c, refs: refs, head: head, full: full, region: s.regionName, printedBy: sess.Actor.Username}
	for _, uid := range c.Team {
		if u, err := s.Users.FindUserByID(ctx, uid); err == nil {
			in.team = append(in.team, staffName(u))
			if uid == sess.Actor.UserID {
				in.printedBy = staffName(u)
			}
		}
	}
	if s.Network != nil {
		office, err := s.Network.OfficeCategories(ctx)
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		in.categories = map[string]string{}
		for _, o := range office {
			in.categories[o.ID] = o.Name
		}
	}
	if !full {
		c.MaskIdentity()
	}
	pdf, err := letter.RenderDocument(s.summaryDocument(in))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	name := "ringkasan-kasus-" + strings.NewReplacer("/", "-").Replace(c.Number) + ".pdf"
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
}

// staffName is a colleague's full name from their profile, else their
// username.
func staffName(u *spiker.User) string {
	if u.Profile.FullName != "" {
		return u.Profile.FullName
	}
	return u.Username
}

// summaryInput is what a case summary is made of.
type summaryInput struct {
	c         *spiker.Case
	refs      []spiker.Referral
	head      *spiker.Letterhead
	full      bool
	team      []string
	printedBy string
	region    func(code string) string
	// categories names the office's categories by id.
	categories map[string]string
}

// summaryDocument composes the summary in Indonesian, the language of the
// documents it goes with. Dates are written in full.
func (s *Server) summaryDocument(in summaryInput) letter.Document {
	p := locale.Printer{Lang: "id"}
	c := in.c
	zone := s.Clock.Zone()
	d := letter.Document{
		Head:   letterhead(in.head),
		Title:  p.Text("summary.title"),
		Number: p.Text("summary.number", c.Number),
		Date: strings.TrimLeft(in.head.City+", ", ", ") + longDate("id", s.Clock.Now().In(zone)) + "\n" +
			p.Text("summary.printed_by", in.printedBy),
		Confidential: p.Text("summary.confidential"),
	}
	version := p.Text("summary.masked")
	if in.full {
		version = p.Text("summary.full")
	}
	// The case.
	police := p.Text("summary.police_none")
	if c.PoliceReportedAt != nil {
		police = p.Text("summary.police_done", longDate("id", c.PoliceReportedAt.In(zone)))
	} else if !c.TPKS {
		police = p.Text("summary.police_not_tpks")
	}
	tpks := p.Text("case.no")
	if c.TPKS {
		tpks = p.Text("summary.tpks_yes")
		if c.PerpetratorChild {
			tpks += "; " + p.Text("case.child")
		}
	}
	facts := []letter.Field{
		{Label: p.Text("summary.case_number"), Value: c.Number},
		{Label: p.Text("summary.version"), Value: version},
		{Label: p.Text("staff.status"), Value: p.Text("case.status." + strings.ReplaceAll(c.Status, " ", "_"))},
		{Label: p.Text("case.step"), Value: p.Text("case.step." + strings.ReplaceAll(c.Step, " ", "_"))},
		{Label: p.Text("staff.region"), Value: in.region(c.RegionCode)},
	}
	if !c.ReportedAt.IsZero() {
		facts = append(facts, letter.Field{Label: p.Text("summary.reported"), Value: longDate("id", c.ReportedAt.In(zone))})
	}
	if c.Content.VictimName != "" {
		facts = append(facts, letter.Field{Label: p.Text("staff.victim"), Value: c.Content.VictimName})
	}
	facts = append(facts,
		letter.Field{Label: p.Text("case.opened"), Value: longDate("id", c.CreatedAt.In(zone))},
		letter.Field{Label: p.Text("summary.tpks"), Value: tpks},
		letter.Field{Label: p.Text("summary.police"), Value: police},
		letter.Field{Label: p.Text("staff.case_summary"), Value: c.Content.Summary},
		letter.Field{Label: p.Text("case.team"), Value: strings.Join(in.team, ", ")},
	)
	d.Sections = append(d.Sections, letter.Section{Heading: p.Text("summary.section_case"), Fields: facts})
	d.Sections = append(d.Sections, s.summaryVictims(p, in)...)
	d.Sections = append(d.Sections, summaryProtection(p, c, in.full))
	d.Sections = append(d.Sections, summaryEntries(p, c, zone)...)
	d.Sections = append(d.Sections, summaryReferrals(p, in.refs, zone))
	// A field left empty reads "—": not recorded, rather than missing.
	for _, sec := range d.Sections {
		for i := range sec.Fields {
			if strings.TrimSpace(sec.Fields[i].Value) == "" {
				sec.Fields[i].Value = "—"
			}
		}
	}
	return d
}

// summaryVictims is a section per victim: the record, its perpetrators and,
// in the full version only, the name and NIK (masked otherwise).
func (s *Server) summaryVictims(p locale.Printer, in summaryInput) []letter.Section {
	c := in.c
	if len(c.Victims) == 0 {
		return []letter.Section{{Heading: p.Text("summary.section_victims"), Text: p.Text("rec.none")}}
	}
	var out []letter.Section
	for i, v := range c.Victims {
		age := v.AgeGroup
		if v.Age >= 0 {
			age = p.Text("summary.age_years", v.Age) + " (" + v.AgeGroup + ")"
		}
		kdrt := p.Text("case.no")
		if v.KDRT {
			kdrt = p.Text("case.yes")
		}
		dis := p.Text("case.no")
		if v.Disability {
			dis = strings.Join(v.DisabilityTypes, ", ")
		}
		fs := []letter.Field{{Label: p.Text("rec.name"), Value: v.Name}}
		if in.full {
			fs = append(fs, letter.Field{Label: "NIK", Value: v.NIK})
		}
		fs = append(fs,
			letter.Field{Label: p.Text("summary.sex"), Value: v.Sex},
			letter.Field{Label: p.Text("rec.age"), Value: age},
			letter.Field{Label: p.Text("rec.education"), Value: v.Education},
			letter.Field{Label: p.Text("rec.occupation"), Value: v.Occupation},
			letter.Field{Label: p.Text("rec.marital"), Value: v.Marital},
			letter.Field{Label: p.Text("rec.disability"), Value: dis},
			letter.Field{Label: p.Text("staff.types"), Value: strings.Join(v.ViolenceTypes, ", ")},
			letter.Field{Label: p.Text("summary.forms"), Value: strings.Join(v.SexualForms, ", ")},
			letter.Field{Label: p.Text("rec.trafficking"), Value: strings.Join(v.TraffickingCategories, ", ")},
			letter.Field{Label: "KDRT", Value: kdrt},
			letter.Field{Label: p.Text("rec.place"), Value: v.Place},
			letter.Field{Label: p.Text("staff.incident_date"), Value: longDay("id", v.IncidentDate)},
		)
		if v.DesaCode != "" {
			fs = append(fs, letter.Field{Label: p.Text("summary.desa"), Value: in.region(v.DesaCode)})
		}
		if len(v.OfficeCategories) > 0 {
			names := make([]string, len(v.OfficeCategories))
			for j, id := range v.OfficeCategories {
				names[j] = cmp.Or(in.categories[id], id)
			}
			fs = append(fs, letter.Field{Label: p.Text("rec.office_categories"), Value: strings.Join(names, ", ")})
		}
		if v.AMPK != "" {
			fs = append(fs, letter.Field{Label: p.Text("rec.ampk"), Value: p.Text(ampkKey(v.AMPK))})
		}
		if v.Consent != "" {
			fs = append(fs, letter.Field{Label: p.Text("rec.consent"), Value: p.Text("rec.consent." + v.Consent)})
		}
		fs = append(fs, letter.Field{Label: p.Text("rec.accommodation"), Value: v.Accommodation})
		n := 0
		for _, x := range c.Perpetrators {
			if x.VictimID != v.ID {
				continue
			}
			n++
			desc := []string{}
			for _, part := range []string{x.Name, x.Relationship, x.Sex, x.AgeGroup} {
				if part != "" {
					desc = append(desc, part)
				}
			}
			fs = append(fs, letter.Field{Label: p.Text("summary.perpetrator", n), Value: strings.Join(desc, "; ")})
		}
		if n == 0 {
			fs = append(fs, letter.Field{Label: p.Text("rec.perpetrators"), Value: "—"})
		}
		out = append(out, letter.Section{Heading: p.Text("summary.section_victim", i+1), Fields: fs})
	}
	return out
}

// summaryEntries is the timeline (assessments, plans, legal process,
// notes) and, apart, the services given.
func summaryEntries(p locale.Printer, c *spiker.Case, zone *time.Location) []letter.Section {
	timeline := letter.Section{Heading: p.Text("case.timeline")}
	services := letter.Section{Heading: p.Text("summary.section_services")}
	for _, e := range c.Entries {
		value := p.Text("case.kind."+e.Kind) + " · " + e.Category
		if e.DueDate != "" {
			value += " · " + p.Text("case.due") + " " + longDay("id", e.DueDate)
		}
		body := e.Body
		if e.ReferralID != "" {
			body = p.Text("summary.by_referral")
		}
		if body != "" {
			value += "\n" + body
		}
		f := letter.Field{Label: longDate("id", e.At.In(zone)), Value: value}
		if e.Kind == "layanan" {
			services.Fields = append(services.Fields, f)
		} else {
			timeline.Fields = append(timeline.Fields, f)
		}
	}
	for _, sec := range []*letter.Section{&timeline, &services} {
		if len(sec.Fields) == 0 {
			sec.Text = p.Text("summary.none")
		}
	}
	return []letter.Section{timeline, services}
}

// summaryReferrals lists the referrals and transfers with their outcomes.
func summaryReferrals(p locale.Printer, refs []spiker.Referral, zone *time.Location) letter.Section {
	sec := letter.Section{Heading: p.Text("ref.title")}
	for _, r := range refs {
		to := r.AgencyName
		if r.Kind == spiker.KindPelimpahan {
			to = r.Destination
		}
		lines := []string{p.Text("ref.to") + ": " + to}
		add := func(label, value string) {
			if value != "" {
				lines = append(lines, label+": "+value)
			}
		}
		add(p.Text("ref.service"), r.Service)
		add(p.Text("ref.due"), longDay("id", r.DueDate))
		add(p.Text("staff.status"), p.Text("ref.status."+r.Status))
		add(p.Text("ref.service_date"), longDay("id", r.ServiceDate))
		add(p.Text("ref.outcome"), r.Outcome)
		add(p.Text("summary.ref_reason"), r.Response)
		sec.Fields = append(sec.Fields, letter.Field{Label: p.Text("ref.kind."+r.Kind) + "\n" + longDate("id", r.CreatedAt.In(zone)), Value: strings.Join(lines, "\n")})
	}
	if len(refs) == 0 {
		sec.Text = p.Text("ref.none")
	}
	return sec
}
