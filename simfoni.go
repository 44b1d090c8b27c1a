package spiker

// SIMFONI-PPA's category labels (DESIGN.md §3), exactly as the national
// register uses them: stored data and exports use these strings. A test
// compares them with testdata/simfoni-ppa.json.
var (
	JenisKekerasan         = []string{"Fisik", "Psikis", "Seksual", "Eksploitasi", "Trafficking", "Penelantaran", "Lainnya"}
	KategoriTrafficking    = []string{"Eksploitasi Seksual", "Perbudakan", "Perdagangan Organ Tubuh", "Perdagangan Narkoba"}
	JenisKelamin           = []string{"Laki-laki", "Perempuan"}
	HubunganPelaku         = []string{"Orang Tua", "Keluarga/Saudara", "Suami/Istri", "Pacar/Teman", "Tetangga", "Guru", "Majikan", "Rekan Kerja", "Lainnya", "NA"}
	KelompokUmurKorban     = []string{"0-5", "6-12", "13-17", "18-24", "25-44", "45-59", "60+"}
	TempatKejadian         = []string{"Rumah Tangga", "Tempat Kerja", "Sekolah", "Fasilitas Umum", "Lembaga Pendidikan Kilat", "Lainnya"}
	KelompokUmurPelaku     = []string{"0-17", "18-24", "25-59", "60+"}
	Pendidikan             = []string{"Belum/Tidak Sekolah", "PAUD/TK", "SD", "SLTP", "SLTA", "Perguruan Tinggi", "NA"}
	Pekerjaan              = []string{"Pelajar", "Ibu Rumah Tangga", "Tidak Bekerja", "Swasta/Buruh", "Bekerja", "PNS/TNI/Polri", "Pedagang/Tani/Nelayan", "NA"}
	StatusPerkawinan       = []string{"Belum Kawin", "Kawin Tercatat", "Kawin Belum Tercatat", "Cerai Hidup", "Cerai Mati", "NA"}
	JenisDisabilitas       = []string{"Fisik", "Intelektual", "Mental", "Sensorik"}
	BentukKekerasanSeksual = []string{"Pelecehan seksual nonfisik", "Pelecehan seksual fisik", "Pemaksaan kontrasepsi", "Pemaksaan sterilisasi",
		"Pemaksaan perkawinan", "Penyiksaan seksual", "Eksploitasi seksual", "Perbudakan seksual", "Kekerasan seksual berbasis elektronik"}
	kelompokUmurBoundary = []int{5, 12, 17, 24, 44, 59}
)

// StatusUsia is SIMFONI's "Anak" (under 18) or "Dewasa" of an age group of
// the victim, or "" when the group is not known.
func StatusUsia(ageGroup string) string {
	switch ageGroup {
	case "":
		return ""
	case "0-5", "6-12", "13-17":
		return "Anak"
	}
	return "Dewasa"
}

// ReporterRole is who filed a report (DESIGN.md §2.1).
type ReporterRole string

const (
	ReporterKorban   ReporterRole = "korban"   // the victim
	ReporterKeluarga ReporterRole = "keluarga" // family
	ReporterSaksi    ReporterRole = "saksi"    // a witness
	ReporterLainnya  ReporterRole = "lainnya"  // someone else
)

// ReporterRoles lists the reporter roles in form order.
var ReporterRoles = []ReporterRole{ReporterKorban, ReporterKeluarga, ReporterSaksi, ReporterLainnya}

// AgeGroup returns the SIMFONI victim age group of an age in years.
func AgeGroup(age int) string {
	for i, max := range kelompokUmurBoundary {
		if age <= max {
			return KelompokUmurKorban[i]
		}
	}
	return KelompokUmurKorban[len(KelompokUmurKorban)-1]
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
