package spiker_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/spikerperak/spiker"
)

func TestSimfoniLabelsExact(t *testing.T) {
	b, err := os.ReadFile("testdata/simfoni-ppa.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]any
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	list := func(k string) []string {
		var out []string
		for _, v := range ref[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	var channels []string
	for _, c := range spiker.ReportChannels {
		channels = append(channels, string(c))
	}
	for name, got := range map[string][]string{
		"jenis_kekerasan":               spiker.JenisKekerasan,
		"jenis_kelamin":                 spiker.JenisKelamin,
		"kategori_trafficking":          spiker.KategoriTrafficking,
		"hubungan_pelaku_korban":        spiker.HubunganPelaku,
		"kelompok_umur_korban":          spiker.KelompokUmurKorban,
		"tempat_kejadian":               spiker.TempatKejadian,
		"kelompok_umur_pelaku":          spiker.KelompokUmurPelaku,
		"pendidikan":                    spiker.Pendidikan,
		"pekerjaan":                     spiker.Pekerjaan,
		"status_perkawinan":             spiker.StatusPerkawinan,
		"jenis_disabilitas":             spiker.JenisDisabilitas,
		"bentuk_kekerasan_seksual_tpks": spiker.BentukKekerasanSeksual,
		"jenis_layanan":                 spiker.JenisLayanan,
		"proses_hukum_pelaku":           spiker.ProsesHukum,
		"kanal":                         channels,
	} {
		if !slices.Equal(got, list(name)) {
			t.Errorf("%s = %q, SIMFONI says %q", name, got, list(name))
		}
	}
}

func TestStatusUsia(t *testing.T) {
	b, err := os.ReadFile("testdata/simfoni-ppa.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		StatusUsia map[string]string `json:"status_usia"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, g := range spiker.KelompokUmurKorban {
		want := "Dewasa"
		if g == "0-5" || g == "6-12" || g == "13-17" {
			want = "Anak"
		}
		got := spiker.StatusUsia(g)
		if got != want {
			t.Errorf("StatusUsia(%q) = %q, want %q", g, got, want)
		}
		if _, ok := ref.StatusUsia[got]; !ok {
			t.Errorf("StatusUsia(%q) = %q: not a SIMFONI label", g, got)
		}
	}
	if got := spiker.StatusUsia(""); got != "" {
		t.Errorf("StatusUsia of an unknown group = %q", got)
	}
}

func TestAgeGroup(t *testing.T) {
	for age, want := range map[int]string{0: "0-5", 5: "0-5", 6: "6-12", 12: "6-12", 13: "13-17", 17: "13-17", 18: "18-24", 24: "18-24", 25: "25-44", 44: "25-44", 45: "45-59", 59: "45-59", 60: "60+", 99: "60+"} {
		if got := spiker.AgeGroup(age); got != want {
			t.Errorf("AgeGroup(%d) = %q, want %q", age, got, want)
		}
	}
}
