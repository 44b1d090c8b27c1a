package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
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
	f := s.statsFilter(r)
	d, err := s.Stats.Dashboard(r.Context(), sess.Actor, f)
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
	if d != nil {
		var charts []chart
		for _, t := range d.Tables {
			charts = append(charts, makeChart(t, func(l string) string { return l }))
		}
		var refs []map[string]any
		for _, ref := range d.Referral {
			refs = append(refs, map[string]any{"Agency": ref.Agency, "Chart": makeChart(ref.Table, func(l string) string { return p.Text("ref.status." + l) })})
		}
		data["D"] = d
		data["Charts"] = charts
		data["Months"] = makeChart(d.Months, func(m string) string { return shortMonth(p.Lang, m) })
		data["Regions"] = makeChart(d.Regions, s.regionName)
		data["Breaches"] = makeChart(d.Breaches, func(l string) string { return p.Text("clock." + l) })
		data["Refs"] = refs
	}
	s.renderStaff(w, r, http.StatusOK, "staff_stats.html", sess, data)
}

// simfoniExport sends the SIMFONI-PPA register of the period and region as
// CSV or XLSX: one row per victim, the national labels.
func (s *Server) simfoniExport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	f := s.statsFilter(r)
	rows, _, err := s.Register.Register(r.Context(), sess.Actor, f)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	table := make([][]string, 0, len(rows))
	for i, row := range rows {
		table = append(table, s.registerCells(i+1, row))
	}
	name := "simfoni-" + export.Sanitize(f.From+"-"+f.To)
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		if err := export.WriteXLSX(w, "Register", spiker.SIMFONIRegisterColumns, table); err != nil {
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

// registerCells writes one register row in the columns' order.
func (s *Server) registerCells(n int, r spiker.RegisterRow) []string {
	names := map[int]string{}
	if reg, err := s.Regions.Region(r.RegionCode); err == nil {
		code := reg.Code
		for code != "" {
			rr, err := s.Regions.Region(code)
			if err != nil {
				break
			}
			names[strings.Count(code, ".")] = rr.Name
			if i := strings.LastIndex(code, "."); i > 0 {
				code = code[:i]
			} else {
				code = ""
			}
		}
	}
	yesNo := func(b bool) string {
		if b {
			return "Ya"
		}
		return "Tidak"
	}
	join := func(l []string) string { return strings.Join(l, "; ") }
	v := r.Victim
	age := ""
	if v.Age >= 0 {
		age = fmt.Sprint(v.Age)
	}
	var psex, page, prel []string
	for _, p := range r.Perpetrators {
		psex, page, prel = append(psex, p.Sex), append(page, p.AgeGroup), append(prel, p.Relationship)
	}
	trafficking := ""
	return []string{fmt.Sprint(n), r.CaseNumber, r.ReportedAt.In(spiker.TimeZone(s.RegionCode)).Format(time.DateOnly), r.IncidentDate,
		names[0], names[1], names[2], names[3], r.Name, r.NIK, v.Sex, age, v.AgeGroup, v.Education, v.Occupation, v.Marital,
		yesNo(v.Disability), join(v.DisabilityTypes), join(v.ViolenceTypes), yesNo(v.KDRT), trafficking, join(v.SexualForms), v.Place,
		join(psex), join(page), join(prel), join(r.Services), join(r.LegalProcess), r.Channel}
}
