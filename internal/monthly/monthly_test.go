package monthly

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/letter/lettertest"
	"github.com/xuri/excelize/v2"
)

// sampleReport is a regency's October 2025 as the dashboard would give it.
func sampleReport() *spiker.MonthlyReport {
	victims := int64(23)
	d := &spiker.Dashboard{Filter: spiker.StatsFilter{From: "2025-10", To: "2025-10", Region: "35.24"}, AvgDays: -1}
	d.Tables = []spiker.StatTable{
		spiker.OverlappingTable("jenis_kekerasan", map[string]int64{"Fisik": 7, "Psikis": 9, "Seksual": 11, "Penelantaran": 2}, spiker.JenisKekerasan, victims),
		spiker.Table("kelompok_umur", map[string]int64{"13-17": 10, "25-44": 8, "6-12": 5}, spiker.KelompokUmurKorban, victims),
		spiker.Table("jenis_kelamin", map[string]int64{"Perempuan": 19, "Laki-laki": 4}, spiker.JenisKelamin, victims),
		spiker.Table("jenis_layanan", map[string]int64{"Kesehatan": 9, "Psikologis": 12, "Bantuan Hukum": 6}, spiker.JenisLayanan, 27),
		spiker.Table("kanal", map[string]int64{"web": 8, "whatsapp": 10, "datang": 3}, nil, 21),
	}
	d.Months = spiker.Table("bulan", map[string]int64{"2025-10": 21}, []string{"2025-10"}, 21)
	d.Regions = spiker.Table("wilayah", map[string]int64{"35.24.22": 9, "35.24.04": 6, "35.24.10": 6}, nil, 21)
	d.Breaches = spiker.Table("pelanggaran", map[string]int64{spiker.ClockFirstResponse: 2, spiker.ClockReferral: 5},
		[]string{spiker.ClockFirstResponse, spiker.ClockRisk, spiker.ClockTPKS, spiker.ClockReferral, spiker.ClockPlan}, 7)
	d.Status = spiker.Table("status", map[string]int64{"terbuka": 15, "ditutup": 6}, []string{"terbuka", "ditutup"}, 21)
	d.Referral = []spiker.ReferralStat{
		{Agency: "RSUD dr. Soegiri", Table: spiker.Table("rujukan", map[string]int64{"dikirim": 8, "selesai": 6, "ditolak": 1}, nil, 8)},
		{Agency: "Polres Lamongan", Table: spiker.Table("rujukan", map[string]int64{"dikirim": 6, "selesai": 5}, nil, 6)},
	}
	for _, risk := range []string{"tinggi", "sedang", "rendah", "belum"} {
		t := spiker.Table("respon", map[string]int64{"dalam": 8, "lewat": 2}, []string{"dalam", "lewat"}, 10)
		d.Response = append(d.Response, spiker.ResponseStat{Risk: risk, Responses: t.Total, Within: t.Cells[0], Late: t.Cells[1], AvgMinutes: 42})
	}
	months := map[string]int64{}
	var labels []string
	for i, n := range []int64{14, 17, 12, 19, 16, 22, 13, 18, 20, 17, 24, 19, 21} {
		m := spiker.AddMonths("2024-10", i)
		months[m], labels = n, append(labels, m)
	}
	return &spiker.MonthlyReport{Month: "2025-10", Region: "35.24", Dashboard: d, Trend: spiker.Table("bulan", months, labels, 232),
		GeneratedAt: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Stored: true}
}

var names = map[string]string{"35.24": "Kabupaten Lamongan", "35.24.22": "Lamongan", "35.24.04": "Sukodadi", "35.24.10": "Babat"}

func input() Input {
	return Input{Report: sampleReport(), RegionName: func(c string) string { return names[c] },
		Head: letter.Letterhead{Office: "UPTD PPA Kabupaten Lamongan", Agency: "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
			Address: "Jl. Lamongrejo No. 1, Lamongan", Phone: "Telp. (0322) 321000", Email: "uptdppa@lamongankab.go.id"}}
}

// TestMonthlyPDF reads the PDF back: the letterhead, the month and region,
// every section and the figures as the dashboard shows them, "<5" where it
// hides one. SPIKER_MONTHLY_PDF=path keeps the file to look at its pages.
func TestMonthlyPDF(t *testing.T) {
	pdf, err := PDF(input())
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("SPIKER_MONTHLY_PDF"); p != "" {
		os.WriteFile(p, pdf, 0o644)
	}
	pages, err := lettertest.Pages(pdf)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(pages, "\f")
	for _, want := range []string{"UPTD PPA Kabupaten Lamongan", "LAPORAN BULANAN PERLINDUNGAN PEREMPUAN DAN ANAK", "Oktober 2025 · Kabupaten Lamongan",
		"Disusun 3 November 2025, 07.00 WIB", "Ringkasan", "Kasus baru bulan ini 21", "Kasus baru Oktober 2024 14", "Rata-rata per bulan, 12 bulan sebelumnya 17,6",
		"Tren kasus baru", "Okt", "2024", "Korban per jenis kekerasan", "Seksual 11", "Korban per kelompok umur", "13-17 10",
		"Korban per jenis kelamin", "Laki-laki <5", "Kasus per kecamatan", "Sukodadi 6", "Layanan yang diberikan", "Psikologis 12",
		"Rujukan per lembaga dan hasilnya", "Polres Lamongan 6 5", "Kepatuhan batas waktu", "tenggat rujukan 5", "Tanggapan pertama", "Laporan statistik tanpa identitas"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
	// Every page carries the footer; later pages the month.
	for i, p := range pages {
		if !strings.Contains(p, "tanpa identitas") || i > 0 && !strings.Contains(p, "Oktober 2025") {
			t.Errorf("page %d lacks its furniture:\n%s", i+1, p)
		}
	}
	again, _ := PDF(input())
	if !bytes.Equal(pdf, again) {
		t.Error("the PDF is not deterministic")
	}
}

// A hidden month is not drawn and no average is printed: with the shown
// months it would give the hidden one away.
func TestMonthlyHiddenMonth(t *testing.T) {
	in := input()
	r := in.Report
	months := map[string]int64{}
	var labels []string
	for i := range 13 {
		m := spiker.AddMonths("2024-10", i)
		months[m], labels = 9, append(labels, m)
	}
	months["2025-10"], months["2025-03"] = 2, 3
	r.Trend = spiker.Table("bulan", months, labels, 104)
	r.Dashboard.Months = spiker.Table("bulan", map[string]int64{"2025-10": 2}, []string{"2025-10"}, 2)
	pdf, err := PDF(in)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := lettertest.Text(pdf)
	if strings.Contains(text, "Rata-rata per bulan") || !strings.Contains(text, "Kasus baru bulan ini <5") {
		t.Fatalf("hidden month:\n%s", text)
	}
}

// TestMonthlyXLSX reads the workbook back.
func TestMonthlyXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := XLSX(&b, input()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "Ringkasan,Tren,Rincian,Rujukan,Batas waktu,Tanggapan" {
		t.Fatalf("sheets %s", got)
	}
	rows, _ := f.GetRows("Rincian")
	var flat []string
	for _, r := range rows {
		flat = append(flat, strings.Join(r, "|"))
	}
	all := strings.Join(flat, "\n")
	for _, want := range []string{"Korban per jenis kelamin|Laki-laki|<5", "Kasus per kecamatan|Babat|6", "Layanan yang diberikan|Total|27"} {
		if !strings.Contains(all, want) {
			t.Errorf("Rincian lacks %q:\n%s", want, all)
		}
	}
	trend, _ := f.GetRows("Tren")
	if len(trend) != 14 || strings.Join(trend[13], "|") != "2025-10|Oktober 2025|21" {
		t.Fatalf("trend %v", trend)
	}
}
