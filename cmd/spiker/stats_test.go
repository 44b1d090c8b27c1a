package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// simfoniHeader is the reference list of the register's columns, in
// SIMFONI-PPA's wording.
var simfoniHeader = []string{
	"No", "No Registrasi Kasus", "Tanggal Pelaporan", "Tanggal Kejadian", "Kanal Pengaduan",
	"Kode Provinsi", "Provinsi", "Kode Kabupaten/Kota", "Kabupaten/Kota", "Kode Kecamatan", "Kecamatan", "Kode Desa/Kelurahan", "Desa/Kelurahan",
	"Nama Korban", "NIK Korban", "Jenis Kelamin Korban", "Umur Korban", "Kelompok Umur Korban", "Status Usia Korban",
	"Pendidikan Korban", "Pekerjaan Korban", "Status Perkawinan Korban", "Disabilitas", "Jenis Disabilitas",
	"Jenis Kekerasan", "Bentuk Kekerasan Seksual", "Kategori Trafficking", "KDRT", "Tempat Kejadian",
	"Jumlah Pelaku", "Jenis Kelamin Pelaku", "Kelompok Umur Pelaku", "Hubungan Pelaku dengan Korban",
	"Jenis Layanan", "Proses Hukum Pelaku", "Kronologi Kejadian",
	"Kategori Lokal", "Kategori AMPK",
}

// statsFixture opens n cases of one desa, each with a victim and a
// perpetrator whose names are canaries.
func statsFixture(t *testing.T, m *Main, n int) {
	t.Helper()
	ctx := context.Background()
	officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
	sup := addStaff(t, m, "kepala.uptd", spiker.RoleSupervisor)
	cases := store.CaseService{Store: m.Store}
	for i := range n {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Seksual"}, VictimAge: 15, Consent: true, Content: spiker.ReportContent{Narrative: "kanari-statistik"}}
		if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: r.RegionCode, ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		sex := "Perempuan"
		if i == 0 {
			sex = "Laki-laki"
		}
		v := &spiker.CaseVictim{Sex: sex, Age: 15, ViolenceTypes: []string{"Seksual", "Psikis"}, SexualForms: []string{"Pelecehan seksual fisik"},
			Place: "Sekolah", Education: "SLTP", Occupation: "Pelajar", Marital: "Belum Kawin", Consent: spiker.ConsentByGuardian,
			Name: "=HYPERLINK(\"http://x\",\"Kanari Statistik\")", NIK: "3524010101010055", DesaCode: "35.24.22.1012", IncidentDate: "2026-11-01"}
		if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
			t.Fatal(err)
		}
		cases.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: v.ID, Sex: "Laki-laki", AgeGroup: "25-59", Relationship: "Guru", Name: "Pelaku Kanari"})
		cases.AddEntry(ctx, sup, c.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Kesehatan"})
	}
}

// TestStatisticsExportAndPublicPage: the dashboard for the data officer,
// the SIMFONI register (its header, its labels, no identities for the data
// officer, logged with its row count), refused to others, and the public
// page with its CSV and JSON, suppressed.
func TestStatisticsExportAndPublicPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		statsFixture(t, m, 7)
		month := time.Now().In(spiker.TimeZone("35.24")).Format("2006-01")
		secret := addStaffWithTOTP(t, m, "tim.data", spiker.RoleTimData, "35.24")
		p := newPortal(t, m)
		signIn(t, p, "tim.data", secret, time.Now())

		resp, page := p.get("/staf/statistik?dari=" + month + "&sampai=" + month)
		if resp.StatusCode != 200 || !strings.Contains(page, "Korban per jenis kekerasan") || !strings.Contains(page, "<svg") {
			t.Fatalf("dashboard: %d", resp.StatusCode)
		}
		if strings.Contains(page, "Kanari") || strings.Contains(page, "kanari") {
			t.Fatal("the dashboard shows case content")
		}
		if resp, _ := p.get("/staf/statistik?dari=2026-12&sampai=2020-01"); resp.StatusCode != 200 {
			t.Fatalf("a backwards period: %d", resp.StatusCode)
		}

		resp, body := p.get("/staf/statistik/simfoni.csv?dari=" + month + "&sampai=" + month)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 8 {
			t.Fatalf("register: %v, %d lines", err, len(recs))
		}
		if strings.Join(recs[0], "|") != strings.Join(simfoniHeader, "|") {
			t.Fatalf("header:\n%q\nwant\n%q", recs[0], simfoniHeader)
		}
		col := func(name string) int {
			for i, h := range simfoniHeader {
				if h == name {
					return i
				}
			}
			t.Fatalf("no column %s", name)
			return -1
		}
		for _, r := range recs[1:] {
			if r[col("Nama Korban")] != "" || r[col("NIK Korban")] != "" || strings.Contains(strings.Join(r, "|"), "Kanari") {
				t.Fatalf("identities in the data officer's register: %q", r)
			}
			for name, list := range map[string][]string{"Jenis Kelamin Korban": spiker.JenisKelamin, "Kelompok Umur Korban": spiker.KelompokUmurKorban,
				"Pendidikan Korban": spiker.Pendidikan, "Pekerjaan Korban": spiker.Pekerjaan, "Tempat Kejadian": spiker.TempatKejadian,
				"Hubungan Pelaku dengan Korban": spiker.HubunganPelaku, "Jenis Layanan": spiker.JenisLayanan} {
				if v := r[col(name)]; !contains(list, v) {
					t.Fatalf("%s %q is not a SIMFONI label", name, v)
				}
			}
			if r[col("Kecamatan")] != "Lamongan" || r[col("Kabupaten/Kota")] == "" || r[col("Jenis Kekerasan")] != "Seksual; Psikis" {
				t.Fatalf("row: %q", r)
			}
		}
		resp, body = p.get("/staf/statistik/simfoni.xlsx?dari=" + month + "&sampai=" + month)
		f, err := excelize.OpenReader(strings.NewReader(body))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("xlsx: %d %v", resp.StatusCode, err)
		}
		xrows, _ := f.GetRows("Register")
		if len(xrows) != 8 || strings.Join(xrows[0], "|") != strings.Join(simfoniHeader, "|") {
			t.Fatalf("xlsx rows: %d", len(xrows))
		}
		var logged string
		m.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT reason FROM audit_log WHERE action = 'simfoni.export' ORDER BY seq DESC LIMIT 1`, nil, &logged)
		})
		if logged != "rows 7, identities false" {
			t.Fatalf("audit: %q", logged)
		}
		// The head of the Dinas has no export.
		hSecret := addStaffWithTOTP(t, m, "kepala.dinas", spiker.RolePimpinan, "35.24")
		hp := newPortal(t, m)
		signIn(t, hp, "kepala.dinas", hSecret, time.Now())
		if resp, _ := hp.get("/staf/statistik/simfoni.csv"); resp.StatusCode != 403 {
			t.Fatalf("the head of the Dinas's export: %d", resp.StatusCode)
		}

		// The public page: no sign-in, the same suppression.
		anon := newPortal(t, m)
		resp, page = anon.get("/statistik")
		if resp.StatusCode != 200 || !strings.Contains(page, "7 kasus") || strings.Contains(page, "kanari") {
			t.Fatalf("public page: %d", resp.StatusCode)
		}
		_, body = anon.get("/statistik.json")
		var pub spiker.PublicStats
		if err := json.Unmarshal([]byte(body), &pub); err != nil || len(pub.Months) != 12 {
			t.Fatalf("json: %v", err)
		}
		last := pub.Months[len(pub.Months)-1]
		if last.Cases.Shown != "7" || !bytes.Contains([]byte(body), []byte(`"count": "<5"`)) {
			t.Fatalf("json month: %+v", last.Cases)
		}
		resp, body = anon.get("/statistik.csv")
		if resp.StatusCode != 200 || !strings.Contains(body, month+",kasus,Total,7") || !strings.Contains(body, ",<5") {
			t.Fatalf("public csv: %d %.300s", resp.StatusCode, body)
		}
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
