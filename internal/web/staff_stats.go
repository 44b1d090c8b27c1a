package web

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/export"
	"github.com/spikerperak/spiker/internal/locale"
)

// chartRow is one bar: its label as people read it and its count as shown.
type chartRow struct {
	Label, Shown string
	Count        int64
	Hidden       bool
}

// chart is a table with a bar chart drawn from it.
type chart struct {
	Dimension string
	Rows      []chartRow
	Total     string
	SVG       template.HTML
	// Download, on the back office's dashboard, links the table's files.
	Download *statsLinks
}

// makeChart names a table's labels and draws its bars as SVG on the
// server (no charting script). Hidden counts get no bar, so the drawing
// gives away no more than the table.
func makeChart(t spiker.StatTable, name func(string) string) chart {
	c := chart{Dimension: t.Dimension, Total: t.Total.Shown}
	var top int64 = 1
	for _, cell := range t.Cells {
		if !cell.Hidden && cell.Count > top {
			top = cell.Count
		}
	}
	for _, cell := range t.Cells {
		c.Rows = append(c.Rows, chartRow{Label: name(cell.Label), Shown: cell.Shown, Count: cell.Count, Hidden: cell.Hidden})
	}
	const rowH, labelW, barW = 22, 190, 260
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %[1]d %[2]d" width="%[1]d" height="%[2]d" aria-hidden="true" focusable="false">`, labelW+barW+50, rowH*len(c.Rows)+4)
	for i, r := range c.Rows {
		y := i*rowH + 2
		label := r.Label
		if len([]rune(label)) > 28 {
			label = string([]rune(label)[:27]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" class="chart-label">%s</text>`, labelW-6, y+15, template.HTMLEscapeString(label))
		w := 0
		if !r.Hidden {
			w = int(float64(barW) * float64(r.Count) / float64(top))
		}
		if w > 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="chart-bar"></rect>`, labelW, y+3, w, rowH-6)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="chart-value">%s</text>`, labelW+w+6, y+15, template.HTMLEscapeString(r.Shown))
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String())
	return c
}

// statsFilter reads the period and region from the query, defaulting to
// the last twelve months of the user's region.
func (s *Server) statsFilter(r *http.Request) spiker.StatsFilter {
	q := r.URL.Query()
	now := s.Clock.Local()
	f := spiker.StatsFilter{From: q.Get("dari"), To: q.Get("sampai"), Region: q.Get("wilayah")}
	if f.From == "" {
		// From the first of the month: on the 31st, eleven months back
		// must not spill into the month after.
		f.From = time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, now.Location()).Format("2006-01")
	}
	if f.To == "" {
		f.To = now.Format("2006-01")
	}
	return f
}

// statsPage is the dashboard for the head of the Dinas, the data officer
// and supervisors: de-identified, suppressed, drawn on the server.
func (s *Server) statsPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.renderStats(w, r, sess, s.statsFilter(r), nil, "")
}

// renderStats draws the dashboard, with the identity-export requests of
// those who export; formErrs and reason bring back a refused request.
func (s *Server) renderStats(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, f spiker.StatsFilter, formErrs map[string]string, reason string) {
	d, err := s.Statistics.Dashboard(r.Context(), sess.Actor, f)
	errs := map[string]string{}
	if spiker.ErrorCode(err) == spiker.EINVALID {
		// The form comes back with what is wrong; no figures.
		errs, d, err = spiker.ErrorFields(err), nil, nil
	}
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	p := locale.Printer{Lang: locale.Match(r.Header.Get("Accept-Language"))}
	data := map[string]any{"F": f, "Errors": errs, "Kecamatan": s.kecamatan(), "CanExport": sess.Actor.Can(spiker.PermExport)}
	if sess.Actor.Can(spiker.PermExport) {
		grants, err := s.Statistics.IdentityGrants(r.Context(), sess.Actor)
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		data["GrantRows"], data["GrantErrors"], data["GrantReason"] = s.grantRows(p.Lang, sess.Actor, grants), formErrs, reason
		data["CanRequestGrant"] = !sess.Actor.Can(spiker.PermExportApprove)
	}
	// The period and region, for the grant form and a printed page.
	region := f.Region
	if region == "" {
		region = sess.Actor.RegionCode
	}
	data["PeriodText"], data["RegionText"] = periodText(p.Lang, f), s.regionName(region)
	if d != nil {
		links := func(c chart) chart {
			l := statsDownload(d.Filter, c.Dimension)
			c.Download = &l
			return c
		}
		var charts []chart
		for _, t := range d.Tables {
			charts = append(charts, links(makeChart(t, func(l string) string { return l })))
		}
		var refs []map[string]any
		for _, ref := range d.Referral {
			refs = append(refs, map[string]any{"Agency": ref.Agency, "Chart": makeChart(ref.Table, func(l string) string { return p.Text("ref.status." + l) })})
		}
		data["D"] = d
		data["Charts"] = charts
		data["Months"] = links(makeChart(d.Months, func(m string) string { return shortMonth(p.Lang, m) }))
		data["Regions"] = links(makeChart(d.Regions, s.regionName))
		data["Breaches"] = links(makeChart(d.Breaches, func(l string) string { return p.Text("clock." + l) }))
		data["Refs"] = refs
		data["DownloadAll"], data["DownloadStatus"] = statsDownload(d.Filter, ""), statsDownload(d.Filter, "status")
		data["DownloadResponse"], data["DownloadReferrals"] = statsDownload(d.Filter, "respon"), statsDownload(d.Filter, "rujukan")
	}
	status := http.StatusOK
	if len(formErrs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.renderStaff(w, r, status, "staff_stats.html", sess, data)
}

// grantRow is one identity-export request as the stats page lists it.
type grantRow struct {
	G              spiker.RegisterGrant
	Period, Region string
	Until          string // when an approved grant expires
	XLSX, CSV      string // the requester's download links, while usable
	Decide         bool   // the viewer may approve or refuse it
}

func periodText(lang string, f spiker.StatsFilter) string {
	if f.From == f.To {
		return fullMonth(lang, f.From)
	}
	return fullMonth(lang, f.From) + " – " + fullMonth(lang, f.To)
}

// grantRows prepares the requests for the page: the requester gets the
// download links of an approved grant, a supervisor other than the
// requester the decision.
func (s *Server) grantRows(lang string, actor *spiker.Actor, grants []spiker.RegisterGrant) []grantRow {
	zone := spiker.TimeZone(s.RegionCode)
	var out []grantRow
	for _, g := range grants {
		row := grantRow{G: g, Period: periodText(lang, g.Filter), Region: s.regionName(g.Filter.Region)}
		if g.ExpiresAt != nil {
			t := g.ExpiresAt.In(zone)
			row.Until = longDate(lang, t) + " " + t.Format("15:04 MST")
		}
		if g.Status == spiker.GrantApproved && g.RequestedBy == actor.UserID {
			q := url.Values{"dari": {g.Filter.From}, "sampai": {g.Filter.To}, "wilayah": {g.Filter.Region}, "izin": {g.ID}}.Encode()
			row.XLSX, row.CSV = "/staf/statistik/simfoni.xlsx?"+q, "/staf/statistik/simfoni.csv?"+q
		}
		row.Decide = g.Status == spiker.GrantRequested && g.RequestedBy != actor.UserID && actor.Can(spiker.PermExportApprove)
		out = append(out, row)
	}
	return out
}

// grantRequest records a data officer's request to export a period and
// region with identities.
func (s *Server) grantRequest(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	f := spiker.StatsFilter{From: r.PostFormValue("dari"), To: r.PostFormValue("sampai"), Region: r.PostFormValue("wilayah")}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	g, err := s.Statistics.RequestIdentityExport(r.Context(), sess.Actor, f, reason)
	if spiker.ErrorCode(err) == spiker.EINVALID {
		if f.Validate() != nil {
			f = s.statsFilter(r)
		}
		s.renderStats(w, r, sess, f, spiker.ErrorFields(err), reason)
		return
	}
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	http.Redirect(w, r, statsURL(g.Filter)+"#identitas", http.StatusSeeOther)
}

// grantDecide approves or refuses a request for an identity export.
func (s *Server) grantDecide(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	approve := r.PostFormValue("keputusan") == "setujui"
	if err := s.Statistics.DecideIdentityExport(r.Context(), sess.Actor, r.PathValue("id"), approve); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/staf/statistik#identitas", http.StatusSeeOther)
}

func statsURL(f spiker.StatsFilter) string {
	q := url.Values{"dari": {f.From}, "sampai": {f.To}}
	if f.Region != "" {
		q.Set("wilayah", f.Region)
	}
	return "/staf/statistik?" + q.Encode()
}

// simfoniExport sends the SIMFONI-PPA register of the period and region.
// XLSX has three sheets: the register (one row per victim), "Layanan"
// (each service with its date and provider) and "Rujukan" (each
// referral); CSV is the register sheet alone. With ?izin= the data
// officer's approved grant fills the identities, once.
func (s *Server) simfoniExport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	f := s.statsFilter(r)
	reg, err := s.Statistics.Register(r.Context(), sess.Actor, f, r.URL.Query().Get("izin"))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	category := map[string]string{}
	if s.Network != nil {
		office, err := s.Network.OfficeCategories(r.Context())
		if err != nil {
			s.staffError(w, r, sess, err)
			return
		}
		for _, c := range office {
			category[c.ID] = c.Name
		}
	}
	table := make([][]string, 0, len(reg.Rows))
	for i, row := range reg.Rows {
		table = append(table, s.registerCells(i+1, row, category))
	}
	name := "simfoni-" + export.Sanitize(f.From+"-"+f.To)
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		sheets := []export.Sheet{{Name: "Register", Header: spiker.SIMFONIRegisterColumns, Rows: table},
			{Name: "Layanan", Header: spiker.SIMFONIServiceColumns, Rows: s.serviceCells(reg.Services)},
			{Name: "Rujukan", Header: spiker.SIMFONIReferralColumns, Rows: s.referralCells(reg.Referrals)}}
		if err := export.WriteWorkbook(w, sheets); err != nil {
			s.Logger.Error("simfoni export", "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	if err := export.WriteCSV(w, spiker.SIMFONIRegisterColumns, table); err != nil {
		s.Logger.Error("simfoni export", "err", err)
	}
}

// regionChain returns the codes and names of a region and the regions
// containing it, by depth (0 province … 3 desa).
func (s *Server) regionChain(code string) (codes, names [4]string) {
	for code != "" {
		depth := strings.Count(code, ".")
		if rr, err := s.Regions.Region(code); err == nil && depth < 4 {
			codes[depth], names[depth] = rr.Code, rr.Name
		}
		if i := strings.LastIndex(code, "."); i > 0 {
			code = code[:i]
		} else {
			code = ""
		}
	}
	return codes, names
}

// registerDate writes a day in the register's form (YYYY-MM-DD, in the
// office's time zone); "" for none.
func (s *Server) registerDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(spiker.TimeZone(s.RegionCode)).Format(time.DateOnly)
}

// registerCells writes one register row in the columns' order; category
// names the office's own categories by id.
func (s *Server) registerCells(n int, r spiker.RegisterRow, category map[string]string) []string {
	codes, names := s.regionChain(r.RegionCode)
	yesNo := func(b bool) string {
		if b {
			return "Ya"
		}
		return "Tidak"
	}
	join := func(l []string) string { return strings.Join(l, "; ") }
	v := r.Victim
	var local []string
	for _, id := range v.OfficeCategories {
		local = append(local, cmp.Or(category[id], id))
	}
	age := ""
	if v.Age >= 0 {
		age = fmt.Sprint(v.Age)
	}
	var psex, page, prel []string
	for _, p := range r.Perpetrators {
		// An unknown age group stays blank in its place, so that the
		// perpetrator columns keep the same order.
		psex, page, prel = append(psex, p.Sex), append(page, p.AgeGroup), append(prel, p.Relationship)
	}
	return []string{fmt.Sprint(n), r.CaseNumber, s.registerDate(&r.ReportedAt), v.IncidentDate, r.Channel,
		codes[0], names[0], codes[1], names[1], codes[2], names[2], codes[3], names[3],
		r.Name, r.NIK, v.Sex, age, v.AgeGroup, spiker.StatusUsia(v.AgeGroup), v.Education, v.Occupation, v.Marital,
		yesNo(v.Disability), join(v.DisabilityTypes), join(v.ViolenceTypes), join(v.SexualForms), join(v.TraffickingCategories),
		yesNo(v.KDRT), v.Place, fmt.Sprint(len(r.Perpetrators)), join(psex), join(page), join(prel),
		join(r.Services), join(r.LegalProcess), r.Chronology, join(local), v.AMPK}
}

// serviceCells writes the "Layanan" sheet: the office's own services are
// given by "UPTD PPA".
func (s *Server) serviceCells(rows []spiker.RegisterServiceRow) [][]string {
	out := make([][]string, 0, len(rows))
	for _, x := range rows {
		agency := x.Agency
		if agency == "" {
			agency = "UPTD PPA"
		}
		out = append(out, []string{x.CaseNumber, x.Service, x.Date, x.Provider, agency})
	}
	return out
}

// referralCells writes the "Rujukan" sheet, the status in Indonesian.
func (s *Server) referralCells(rows []spiker.RegisterReferral) [][]string {
	p := locale.Printer{Lang: "id"}
	out := make([][]string, 0, len(rows))
	for _, x := range rows {
		out = append(out, []string{x.CaseNumber, x.Agency, x.Service, s.registerDate(&x.SentAt), x.DueDate,
			p.Text("ref.status." + x.Status), s.registerDate(x.RespondedAt), x.ServiceDate, s.registerDate(x.CompletedAt)})
	}
	return out
}
