package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/export"
	"github.com/spikerperak/spiker/internal/locale"
)

// statSheet is one dashboard table as it is downloaded: its key (the
// ?tabel= of its link), its title, and rows of a label and a count as the
// page shows it ("<5" and "x" included).
type statSheet struct {
	Key, Title string
	Rows       [][2]string
}

// dashboardSheets lists every table of the dashboard, in the page's order,
// with the labels named as on the page (in lang).
func (s *Server) dashboardSheets(lang string, d *spiker.Dashboard) []statSheet {
	p := locale.Printer{Lang: lang}
	table := func(t spiker.StatTable, key string, name func(string) string) statSheet {
		sh := statSheet{Key: key, Title: p.Text("stats.dim." + key)}
		for _, c := range t.Cells {
			sh.Rows = append(sh.Rows, [2]string{name(c.Label), c.Shown})
		}
		sh.Rows = append(sh.Rows, [2]string{p.Text("stats.total"), t.Total.Shown})
		return sh
	}
	same := func(l string) string { return l }
	status := table(d.Status, "status", func(l string) string {
		return map[string]string{"terbuka": p.Text("stats.open"), "ditutup": p.Text("stats.closed")}[l]
	})
	avg := "—"
	if d.AvgDays >= 0 {
		avg = fmt.Sprintf("%.1f", d.AvgDays)
	}
	status.Rows = append(status.Rows, [2]string{p.Text("stats.avg_days"), avg})
	out := []statSheet{status,
		table(d.Months, "bulan", func(m string) string { return m }),
		table(d.Regions, "wilayah", s.regionName)}
	for _, t := range d.Tables {
		out = append(out, table(t, t.Dimension, same))
	}
	resp := statSheet{Key: "respon", Title: p.Text("stats.dim.respon")}
	for _, r := range d.Response {
		risk := p.Text("stats.risk." + r.Risk)
		avg := "—"
		if r.AvgMinutes >= 0 {
			avg = fmt.Sprintf("%.0f", r.AvgMinutes)
		}
		resp.Rows = append(resp.Rows, [2]string{risk + ": " + p.Text("stats.responses"), r.Responses.Shown},
			[2]string{risk + ": " + p.Text("stats.within"), r.Within.Shown},
			[2]string{risk + ": " + p.Text("stats.late"), r.Late.Shown},
			[2]string{risk + ": " + p.Text("stats.avg_minutes"), avg})
	}
	out = append(out, resp, table(d.Breaches, "pelanggaran", func(l string) string { return p.Text("clock." + l) }))
	refs := statSheet{Key: "rujukan", Title: p.Text("stats.dim.rujukan")}
	for _, ref := range d.Referral {
		for _, c := range ref.Table.Cells {
			refs.Rows = append(refs.Rows, [2]string{ref.Agency + ": " + p.Text("ref.status."+c.Label), c.Shown})
		}
	}
	return append(out, refs)
}

// statsTableExport sends one dashboard table (?tabel=) or all of them, as
// CSV (one file: table, label, count) or XLSX (a sheet per table), with
// exactly the figures of the page; the download is audited.
func (s *Server) statsTableExport(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	f := s.statsFilter(r)
	key := r.URL.Query().Get("tabel")
	format := "csv"
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		format = "xlsx"
	}
	if key != "" && !validSheetKey(key) {
		s.staffError(w, r, sess, spiker.Errorf(spiker.ENOTFOUND, "no such table"))
		return
	}
	d, err := s.Statistics.ExportDashboard(r.Context(), sess.Actor, f, key, format)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	// Files keep the register's language: Indonesian, whoever downloads.
	var sheets []statSheet
	for _, sh := range s.dashboardSheets("id", d) {
		if key == "" || sh.Key == key {
			sheets = append(sheets, sh)
		}
	}
	p := locale.Printer{Lang: "id"}
	name := "statistik-" + export.Sanitize(strings.Join([]string{f.From, f.To, strings.ReplaceAll(d.Filter.Region, ".", ""), cmp.Or(key, "semua")}, "-"))
	if format == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		var book []export.Sheet
		for _, sh := range sheets {
			rows := make([][]string, 0, len(sh.Rows))
			for _, row := range sh.Rows {
				rows = append(rows, []string{row[0], row[1]})
			}
			book = append(book, export.Sheet{Name: sh.Key, Header: []string{sh.Title, p.Text("stats.col.count")}, Rows: rows, Counts: 2})
		}
		if err := export.WriteWorkbook(w, book); err != nil {
			s.Logger.Error("statistics export", "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	var rows [][]string
	for _, sh := range sheets {
		for _, row := range sh.Rows {
			rows = append(rows, []string{sh.Title, row[0], row[1]})
		}
	}
	if err := export.WriteCSV(w, []string{p.Text("stats.col.table"), p.Text("stats.col.label"), p.Text("stats.col.count")}, rows); err != nil {
		s.Logger.Error("statistics export", "err", err)
	}
}

// statSheetKeys are the keys of the dashboard's tables.
var statSheetKeys = []string{"status", "bulan", "wilayah", "jenis_kekerasan", "bentuk_kekerasan_seksual", "kelompok_umur",
	"jenis_kelamin", "tempat_kejadian", "hubungan_pelaku", "jenis_layanan", "kanal", "disabilitas", "respon", "pelanggaran", "rujukan"}

func validSheetKey(k string) bool {
	for _, v := range statSheetKeys {
		if v == k {
			return true
		}
	}
	return false
}

// statsLinks are a table's download links ("" key: every table).
type statsLinks struct{ CSV, XLSX string }

func statsDownload(f spiker.StatsFilter, key string) statsLinks {
	q := url.Values{"dari": {f.From}, "sampai": {f.To}}
	if f.Region != "" {
		q.Set("wilayah", f.Region)
	}
	if key != "" {
		q.Set("tabel", key)
	}
	return statsLinks{CSV: "/staf/statistik/tabel.csv?" + q.Encode(), XLSX: "/staf/statistik/tabel.xlsx?" + q.Encode()}
}
