package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/export"
	"github.com/spikerperak/spiker/internal/locale"
)

// publicStatsTTL is how long the open-data figures are served from memory:
// they change slowly, and a flood of visitors must not reach the database.
const publicStatsTTL = 10 * time.Minute

// publicStats returns the regency's last twelve months, cached, with the
// kecamatan named.
func (s *Server) publicStats(r *http.Request) (*spiker.PublicStats, error) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.statsCache != nil && s.Clock.Now().Sub(s.statsAt) < publicStatsTTL {
		return s.statsCache, nil
	}
	var kec []string
	for _, k := range s.kecamatan() {
		kec = append(kec, k.Region.Code)
	}
	p, err := s.Statistics.PublicStats(r.Context(), 12, s.RegionCode, kec)
	if err != nil {
		return nil, err
	}
	for i := range p.Months {
		for j, c := range p.Months[i].Kecamatan.Cells {
			p.Months[i].Kecamatan.Cells[j].Label = s.regionName(c.Label)
		}
	}
	s.statsCache, s.statsAt = p, s.Clock.Now()
	return p, nil
}

// statistik is the public open-data page (no sign-in): monthly figures of
// cases, by violence type, age group and kecamatan, suppressed.
func (s *Server) statistik(w http.ResponseWriter, r *http.Request) {
	p, err := s.publicStats(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	regency := s.RegionCode
	if reg, err := s.Regions.Region(s.RegionCode); err == nil {
		regency = reg.Name
	}
	type month struct {
		spiker.PublicMonth
		Name                string
		Types, Ages, Places chart
	}
	var months []month
	for i := len(p.Months) - 1; i >= 0; i-- {
		m := p.Months[i]
		same := func(l string) string { return l }
		months = append(months, month{PublicMonth: m, Name: fullMonth(locale.Match(r.Header.Get("Accept-Language")), m.Month),
			Types: makeChart(m.Types, same), Ages: makeChart(m.AgeGroups, same), Places: makeChart(m.Kecamatan, same)})
	}
	s.render(w, r, http.StatusOK, "statistik.html", map[string]any{"P": p, "Months": months, "Regency": regency})
}

// statistikCSV is the same figures as CSV: month, table, label, count.
func (s *Server) statistikCSV(w http.ResponseWriter, r *http.Request) {
	p, err := s.publicStats(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var rows [][]string
	for _, m := range p.Months {
		rows = append(rows, []string{m.Month, "kasus", "Total", m.Cases.Shown})
		for _, t := range []spiker.StatTable{m.Types, m.AgeGroups, m.Kecamatan} {
			for _, c := range t.Cells {
				rows = append(rows, []string{m.Month, t.Dimension, c.Label, c.Shown})
			}
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statistik-`+strings.ReplaceAll(s.RegionCode, ".", "")+`.csv"`)
	export.WriteCSV(w, []string{"bulan", "tabel", "label", "jumlah"}, rows)
}

// statistikJSON is the same figures as JSON; a suppressed count is "<5".
func (s *Server) statistikJSON(w http.ResponseWriter, r *http.Request) {
	p, err := s.publicStats(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // a suppressed count reads "<5", not "\u003c5"
	enc.Encode(p)
}
