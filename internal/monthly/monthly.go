// Package monthly lays out the monthly report to the Bupati and the DPRD
// (spiker.MonthlyReport) as a PDF with the office's letterhead and charts,
// and as an XLSX workbook. It prints only what the report holds: the
// dashboard's figures as the dashboard shows them, in Indonesian.
package monthly

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/export"
	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/locale"
)

// Input is a report with what it is printed with.
type Input struct {
	Report *spiker.MonthlyReport
	Head   letter.Letterhead
	// RegionName names a region code (the report's region, its kecamatan).
	RegionName func(code string) string
	// RegionTitle is the region in the title ("Kabupaten Lamongan"); ""
	// takes RegionName's.
	RegionTitle string
	Zone        *time.Location
}

var id = locale.Printer{Lang: "id"}

// monthName writes 2025-10 as "Oktober 2025" (short: "Okt 2025").
func monthName(month string, short bool) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	key := "month."
	if short {
		key = "month_short."
	}
	return id.Text(key+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// FileName is the download's name without extension.
func FileName(r *spiker.MonthlyReport) string {
	return "laporan-bulanan-" + export.Sanitize(r.Month) + "-" + export.Sanitize(strings.ReplaceAll(r.Region, ".", ""))
}

// Title is the report's title and subtitle.
func (in Input) titles() (title, sub string) {
	region := in.RegionTitle
	if region == "" {
		region = in.regionName(in.Report.Region)
	}
	return "LAPORAN BULANAN PERLINDUNGAN PEREMPUAN DAN ANAK", monthName(in.Report.Month, false) + " · " + region
}

func (in Input) regionName(code string) string {
	if in.RegionName == nil {
		return code
	}
	return in.RegionName(code)
}

// Section is one dimension of the report: its heading and rows.
type section struct {
	heading string
	header  [2]string
	table   spiker.StatTable
	label   func(string) string
	note    string
}

// sections are the report's tables of counts, in the order printed.
func (in Input) sections() []section {
	r := in.Report
	same := func(l string) string { return l }
	overlap := "Satu korban dapat mengalami lebih dari satu jenis, sehingga jumlah baris dapat melebihi total korban."
	return []section{
		{id.Text("stats.dim.jenis_kekerasan"), [2]string{"Jenis kekerasan", "Korban"}, r.Table("jenis_kekerasan"), same, overlap},
		{id.Text("stats.dim.kelompok_umur"), [2]string{"Kelompok umur", "Korban"}, r.Table("kelompok_umur"), same, ""},
		{id.Text("stats.dim.jenis_kelamin"), [2]string{"Jenis kelamin", "Korban"}, r.Table("jenis_kelamin"), same, ""},
		{regionsHeading(r), [2]string{"Wilayah", "Kasus"}, r.Dashboard.Regions, in.regionName, ""},
		{id.Text("stats.dim.jenis_layanan"), [2]string{"Layanan", "Jumlah"}, r.Table("jenis_layanan"), same, ""},
		{id.Text("stats.dim.kanal"), [2]string{"Kanal", "Kasus"}, r.Table("kanal"), same, ""},
	}
}

func regionsHeading(r *spiker.MonthlyReport) string {
	if strings.Count(r.Region, ".") >= 2 {
		return "Kasus per desa/kelurahan"
	}
	return id.Text("stats.dim.kecamatan")
}

// summary is the first table: the month's totals against the trend.
func (in Input) summary() [][]string {
	r, d := in.Report, in.Report.Dashboard
	victims := r.Table("jenis_kelamin").Total
	rows := [][]string{
		{"Kasus baru bulan ini", r.ThisMonth().Shown},
		{"Korban", victims.Shown},
		{"Kasus masih terbuka / ditutup (dari kasus bulan ini)", statusCell(d, "terbuka") + " / " + statusCell(d, "ditutup")},
		{"Kasus baru " + monthName(r.LastYear().Label, false), r.LastYear().Shown},
	}
	if avg, ok := in.previousAverage(); ok {
		rows = append(rows, []string{fmt.Sprintf("Rata-rata per bulan, %d bulan sebelumnya", spiker.TrendMonths), avg})
	}
	var breaches string
	if d.Breaches.Total.Shown != "" {
		breaches = d.Breaches.Total.Shown
	}
	rows = append(rows, []string{"Batas waktu terlewati", breaches})
	return rows
}

func statusCell(d *spiker.Dashboard, label string) string {
	for _, c := range d.Status.Cells {
		if c.Label == label {
			return c.Shown
		}
	}
	return ""
}

// previousAverage is the average of the months before the report's month,
// only when every one of them is shown (with one hidden, the average would
// give it away) and they hold at least MinCell cases between them.
func (in Input) previousAverage() (string, bool) {
	t := in.Report.Trend
	if len(t.Cells) < 2 {
		return "", false
	}
	var sum int64
	for _, c := range t.Cells[:len(t.Cells)-1] {
		if c.Hidden {
			return "", false
		}
		sum += c.Count
	}
	if sum < spiker.MinCell {
		return "", false
	}
	avg := float64(sum) / float64(len(t.Cells)-1)
	return strings.Replace(strconv.FormatFloat(avg, 'f', 1, 64), ".", ",", 1), true
}

func bars(t spiker.StatTable, label func(string) string) []letter.Bar {
	var out []letter.Bar
	for _, c := range t.Cells {
		out = append(out, letter.Bar{Label: label(c.Label), Shown: c.Shown, Value: float64(c.Count), Hidden: c.Hidden})
	}
	out = append(out, letter.Bar{Label: "Total", Shown: t.Total.Shown, Hidden: true})
	return out
}

// referralRows are the referrals by agency (in name order) and outcome.
func referralRows(d *spiker.Dashboard) (header []string, rows [][]string) {
	statuses := []string{spiker.ReferralSent, spiker.ReferralDone, spiker.ReferralDeclined, spiker.ReferralWithdrawn}
	header = []string{"Lembaga", "Dirujuk"}
	for _, s := range statuses[1:] {
		header = append(header, id.Text("ref.status."+s))
	}
	refs := slices.Clone(d.Referral)
	slices.SortFunc(refs, func(a, b spiker.ReferralStat) int { return cmp.Compare(a.Agency, b.Agency) })
	for _, ref := range refs {
		row := []string{ref.Agency}
		for _, s := range statuses {
			shown := "–" // not in the dashboard's table
			for _, c := range ref.Table.Cells {
				if c.Label == s {
					shown = c.Shown
				}
			}
			row = append(row, shown)
		}
		rows = append(rows, row)
	}
	return header, rows
}

func responseRows(d *spiker.Dashboard) (header []string, rows [][]string) {
	header = []string{"Risiko", id.Text("stats.responses"), id.Text("stats.within"), id.Text("stats.late"), id.Text("stats.avg_minutes")}
	for _, r := range d.Response {
		avg := "–"
		if r.AvgMinutes >= 0 {
			avg = strconv.FormatInt(int64(r.AvgMinutes+0.5), 10)
		}
		rows = append(rows, []string{id.Text("stats.risk." + r.Risk), r.Responses.Shown, r.Within.Shown, r.Late.Shown, avg})
	}
	return header, rows
}

const legend = "Angka diambil dari dasbor statistik untuk bulan dan wilayah yang sama, dengan aturan perlindungan sel kecil yang sama: " +
	"<5 berarti kurang dari 5; x berarti disembunyikan agar angka kecil tidak dapat dihitung. Kasus dihitung menurut bulan dibukanya; " +
	"tanpa identitas siapa pun."

// PDF renders the report.
func PDF(in Input) ([]byte, error) {
	r, d := in.Report, in.Report.Dashboard
	title, sub := in.titles()
	zone := cmp.Or(in.Zone, spiker.TimeZone(""))
	at := r.GeneratedAt.In(zone)
	made := "Disusun " + strconv.Itoa(at.Day()) + " " + monthName(at.Format("2006-01"), false) + ", " + at.Format("15.04") + " " + at.Format("MST")
	if r.Stored {
		made += " (dibuat otomatis pada hari kerja pertama)"
	}
	rep := letter.Report{Head: in.Head, Title: title, Number: sub, Date: made,
		Confidential: "Laporan statistik tanpa identitas — untuk Bupati, DPRD dan pimpinan Dinas. Dicetak dari SPIKER Perak."}
	rep.Blocks = append(rep.Blocks,
		letter.Block{Heading: "Ringkasan", Text: legend, Table: &letter.Table{Header: []string{"", "Jumlah"}, Rows: in.summary(), Widths: []float64{0.75, 0.25}}})
	var trend []letter.Bar
	for _, c := range r.Trend.Cells {
		// Month and year on two lines, the same for every column.
		trend = append(trend, letter.Bar{Label: strings.Replace(monthName(c.Label, true), " ", "\n", 1), Shown: c.Shown, Value: float64(c.Count), Hidden: c.Hidden})
	}
	rep.Blocks = append(rep.Blocks, letter.Block{Heading: fmt.Sprintf("Tren kasus baru: %s dan %d bulan sebelumnya", monthName(r.Month, false), spiker.TrendMonths),
		Trend: trend, Note: "Kolom pertama adalah bulan yang sama tahun lalu. Bulan dengan angka yang dilindungi tidak digambar."})
	for _, s := range in.sections() {
		rep.Blocks = append(rep.Blocks, letter.Block{Heading: s.heading, BarsHeader: s.header, Bars: bars(s.table, s.label), Note: s.note})
	}
	if h, rows := referralRows(d); len(rows) > 0 {
		rep.Blocks = append(rep.Blocks, letter.Block{Heading: id.Text("stats.referrals"), Table: &letter.Table{Header: h, Rows: rows, Widths: []float64{0.36, 0.16, 0.16, 0.16, 0.16}}})
	} else {
		rep.Blocks = append(rep.Blocks, letter.Block{Heading: id.Text("stats.referrals"), Text: id.Text("stats.no_referrals")})
	}
	rep.Blocks = append(rep.Blocks, letter.Block{Heading: "Kepatuhan batas waktu", Text: "Batas waktu yang terlewati pada bulan ini, menurut tenggatnya:",
		BarsHeader: [2]string{"Batas waktu", "Terlewati"}, Bars: bars(d.Breaches, func(l string) string { return id.Text("clock." + l) })})
	h, rows := responseRows(d)
	rep.Blocks = append(rep.Blocks, letter.Block{Heading: id.Text("stats.response"), Table: &letter.Table{Header: h, Rows: rows, Widths: []float64{0.28, 0.16, 0.16, 0.16, 0.24}}})
	return letter.RenderReport(rep)
}

// XLSX writes the report as a workbook: the summary, the trend, each
// dimension, the referrals and the time limits, one sheet each.
func XLSX(w io.Writer, in Input) error {
	r, d := in.Report, in.Report.Dashboard
	title, sub := in.titles()
	summary := [][]string{{title, ""}, {sub, ""}, {"Disusun", r.GeneratedAt.In(cmp.Or(in.Zone, spiker.TimeZone(""))).Format("2006-01-02 15:04 MST")}, {"", ""}}
	summary = append(summary, in.summary()...)
	summary = append(summary, []string{"", ""}, []string{legend, ""})
	sheets := []export.Sheet{{Name: "Ringkasan", Header: []string{"Keterangan", "Jumlah"}, Rows: summary}}
	var trend [][]string
	for _, c := range r.Trend.Cells {
		trend = append(trend, []string{c.Label, monthName(c.Label, false), c.Shown})
	}
	sheets = append(sheets, export.Sheet{Name: "Tren", Header: []string{"Bulan", "Nama bulan", "Kasus baru"}, Rows: trend})
	var dims [][]string
	for _, s := range in.sections() {
		for _, c := range s.table.Cells {
			dims = append(dims, []string{s.heading, s.label(c.Label), c.Shown})
		}
		dims = append(dims, []string{s.heading, "Total", s.table.Total.Shown})
	}
	sheets = append(sheets, export.Sheet{Name: "Rincian", Header: []string{"Tabel", "Kategori", "Jumlah"}, Rows: dims})
	rh, rrows := referralRows(d)
	sheets = append(sheets, export.Sheet{Name: "Rujukan", Header: rh, Rows: rrows})
	var limits [][]string
	for _, c := range d.Breaches.Cells {
		limits = append(limits, []string{id.Text("clock." + c.Label), c.Shown})
	}
	limits = append(limits, []string{"Total", d.Breaches.Total.Shown})
	sheets = append(sheets, export.Sheet{Name: "Batas waktu", Header: []string{"Batas waktu", "Terlewati"}, Rows: limits})
	h, rows := responseRows(d)
	sheets = append(sheets, export.Sheet{Name: "Tanggapan", Header: h, Rows: rows})
	return export.WriteWorkbook(w, sheets)
}
