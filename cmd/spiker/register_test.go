package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// simfoniReference reads the reference labels (testdata/simfoni-ppa.json):
// each list by its key, and status_usia's labels.
func simfoniReference(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/simfoni-ppa.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	ref := map[string][]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				ref[k] = append(ref[k], x.(string))
			}
		case map[string]any:
			for label := range v {
				ref[k] = append(ref[k], label)
			}
		}
	}
	return ref
}

// registerLabelColumns maps each category column of the register's sheets
// to its reference list. A cell may join several labels with "; ".
func registerLabelColumns(ref map[string][]string) map[string][]string {
	// The UPTD PPA's own functions are recorded as services too
	// (DESIGN.md §3).
	services := append(append([]string{}, ref["jenis_layanan"]...), "Penjangkauan", "Penampungan Sementara", "Mediasi", "Pendampingan")
	return map[string][]string{
		"Kanal Pengaduan": ref["kanal"], "Jenis Kelamin Korban": ref["jenis_kelamin"], "Kelompok Umur Korban": ref["kelompok_umur_korban"],
		"Status Usia Korban": ref["status_usia"], "Pendidikan Korban": ref["pendidikan"], "Pekerjaan Korban": ref["pekerjaan"],
		"Status Perkawinan Korban": ref["status_perkawinan"], "Disabilitas": {"Ya", "Tidak"}, "Jenis Disabilitas": ref["jenis_disabilitas"],
		"Jenis Kekerasan": ref["jenis_kekerasan"], "Bentuk Kekerasan Seksual": ref["bentuk_kekerasan_seksual_tpks"],
		"Kategori Trafficking": ref["kategori_trafficking"], "KDRT": {"Ya", "Tidak"}, "Tempat Kejadian": ref["tempat_kejadian"],
		"Jenis Kelamin Pelaku": ref["jenis_kelamin"], "Kelompok Umur Pelaku": ref["kelompok_umur_pelaku"],
		"Hubungan Pelaku dengan Korban": ref["hubungan_pelaku_korban"], "Jenis Layanan": services, "Proses Hukum Pelaku": ref["proses_hukum_pelaku"],
	}
}

// checkLabels fails on any category cell of a sheet that is not made of
// exact reference labels.
func checkLabels(t *testing.T, ref map[string][]string, sheet [][]string) {
	t.Helper()
	labels := registerLabelColumns(ref)
	for _, row := range sheet[1:] {
		for i, h := range sheet[0] {
			list, ok := labels[h]
			if !ok || i >= len(row) {
				continue
			}
			for _, part := range strings.Split(row[i], "; ") {
				if part != "" && !slices.Contains(list, part) {
					t.Errorf("%s: %q is not a SIMFONI label", h, part)
				}
			}
		}
	}
}

// cellOf returns a row's cell under a header.
func cellOf(t *testing.T, sheet [][]string, row int, name string) string {
	t.Helper()
	i := slices.Index(sheet[0], name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, sheet[0])
	}
	if i >= len(sheet[row]) {
		return ""
	}
	return sheet[row][i]
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	return recs
}

// TestSimfoniRegisterFromForms fills a case through the staff forms (a
// trafficking victim, two perpetrators, a service, a legal step, a
// referral) and reads the register back with encoding/csv and excelize:
// every header, every category cell an exact reference label, the values
// of the record, the first report's date two days before the case was
// opened, identities blank for the data officer and present for the
// supervisor, formula-like input inert. Then the data officer's identity
// grant: refused to its requester, blank without it, filled once after a
// supervisor's approval, expired after 24 hours, audited.
func TestSimfoniRegisterFromForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		clock := clockAt(time.Now())
		m, _ := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.Clock = clock.Now })
		ref := simfoniReference(t)
		kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
		mSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
		dSecret := addStaffWithTOTP(t, m, "tim.data", spiker.RoleTimData, "35.24")

		reporter := newPortal(t, m)
		_, form := reporter.get("/")
		reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
		reportedOn := m.Clock.Local().Format(time.DateOnly)
		fromMonth := m.Clock.Local().Format("2006-01")
		// The case is opened two days after the report arrived.
		clock.Add(50 * time.Hour)
		toMonth := m.Clock.Local().Format("2006-01")

		officer, sup, manager, data := newPortal(t, m), newPortal(t, m), newPortal(t, m), newPortal(t, m)
		oc := signIn(t, officer, "konselor.satu", kSecret, clock.Now())
		sc := signIn(t, sup, "kepala.uptd", sSecret, clock.Now())
		mc := signIn(t, manager, "manajer.satu", mSecret, clock.Now())
		dc := signIn(t, data, "tim.data", dSecret, clock.Now())
		_, inbox := officer.get("/staf/")
		link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
		chronology := "  =HYPERLINK(\"http://evil.example\",\"kronologi\")"
		resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {chronology}}, nil)
		casePath := resp.Header.Get("Location")
		if resp, _ := sup.post(casePath+"/tim", url.Values{"csrf": {sc}, "user": {userIDOf(t, m, "manajer.satu")}}, nil); resp.StatusCode != 303 {
			t.Fatalf("assign: %d", resp.StatusCode)
		}

		name, nik := "\n+SUM(1,2)", "＝3524017777770001"
		victim := url.Values{"csrf": {mc}, "name": {name}, "nik": {nik}, "sex": {"Perempuan"}, "age": {"16"},
			"education": {"SLTP"}, "occupation": {"Pelajar"}, "marital": {"Belum Kawin"}, "place": {"Rumah Tangga"}, "incident_date": {"2026-11-20"},
			"violence_types": {"Fisik", "Trafficking", "Seksual"}, "sexual_forms": {"Eksploitasi seksual"}, "kdrt": {"ya"},
			"disability_types": {"Sensorik"}, "consent": {"wali"},
			"office_categories": {"perundungan"}, "ampk": {spiker.AMPKCategories[8]}}
		// Trafficking needs its category; a category needs Trafficking.
		if resp, page := manager.post(casePath+"/korban", victim, nil); resp.StatusCode != 422 || !strings.Contains(page, "pilih sedikitnya satu Kategori Trafficking") {
			t.Fatalf("trafficking without its category: %d", resp.StatusCode)
		}
		noTrafficking := url.Values{}
		for k, v := range victim {
			noTrafficking[k] = v
		}
		noTrafficking["violence_types"] = []string{"Fisik"}
		noTrafficking["trafficking_categories"] = []string{"Perbudakan"}
		if resp, page := manager.post(casePath+"/korban", noTrafficking, nil); resp.StatusCode != 422 || !strings.Contains(page, "centang Trafficking") {
			t.Fatalf("a category without trafficking: %d", resp.StatusCode)
		}
		victim["trafficking_categories"] = []string{"Eksploitasi Seksual", "Perbudakan"}
		if resp, _ := manager.post(casePath+"/korban", victim, nil); resp.StatusCode != 303 {
			t.Fatalf("victim: %d", resp.StatusCode)
		}
		_, cp := manager.get(casePath)
		victimID := regexp.MustCompile(`name="victim" required><option value="([a-z0-9]+)"`).FindStringSubmatch(cp)[1]
		for _, p := range []url.Values{
			{"csrf": {mc}, "victim": {victimID}, "p_name": {"＝1+1"}, "p_sex": {"Laki-laki"}, "p_age_group": {"25-59"}, "p_relationship": {"Orang Tua"}},
			{"csrf": {mc}, "victim": {victimID}, "p_sex": {"Perempuan"}, "p_relationship": {"Keluarga/Saudara"}},
		} {
			if resp, _ := manager.post(casePath+"/pelaku", p, nil); resp.StatusCode != 303 {
				t.Fatalf("perpetrator: %d", resp.StatusCode)
			}
		}
		for _, e := range [][2]string{{"layanan", "Kesehatan"}, {"proses_hukum", "Pelaporan"}} {
			if resp, _ := manager.post(casePath+"/catatan", url.Values{"csrf": {mc}, "kind": {e[0]}, "category": {e[1]}, "body": {"dicatat"}}, nil); resp.StatusCode != 303 {
				t.Fatalf("entry %s: %d", e[0], resp.StatusCode)
			}
		}
		// The correction form keeps the categories ticked.
		if _, cp = manager.get(casePath); !strings.Contains(cp, `name="trafficking_categories" value="Perbudakan" checked`) {
			t.Fatal("the correction form does not show the trafficking category")
		}
		network := store.NetworkService{Store: m.Store}
		admin := createMatrixAdmin(t, m)
		agency := &spiker.Agency{Name: "RSUD Lamongan", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := network.SaveAgency(ctx, admin, agency); err != nil {
			t.Fatal(err)
		}
		partner := &spiker.User{Username: "mitra.rsud", Roles: []spiker.Role{spiker.RoleMitra}, RegionCode: "35.24", AgencyID: agency.ID}
		storeUsers(m).NewCredentials(partner, "tubruk pasar sapi kabut")
		if err := storeUsers(m).CreateUser(ctx, partner); err != nil {
			t.Fatal(err)
		}
		supActor, err := m.Users.Authenticate(ctx, "kepala.uptd", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		caseID := strings.TrimPrefix(casePath, "/staf/kasus/")
		due := m.Clock.Local().Add(72 * time.Hour).Format(time.DateOnly)
		if _, err := network.CreateReferral(ctx, supActor, &spiker.ReferralRequest{CaseID: caseID, AgencyID: agency.ID, Service: "Kesehatan",
			DueDate: due, Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByGuardian}); err != nil {
			t.Fatal(err)
		}

		period := "?dari=" + fromMonth + "&sampai=" + toMonth
		today := m.Clock.Local().Format(time.DateOnly)
		checkRecord := func(sheet [][]string) {
			t.Helper()
			if !slices.Equal(sheet[0], simfoniHeader) {
				t.Fatalf("header:\n%q\nwant\n%q", sheet[0], simfoniHeader)
			}
			if len(sheet) != 2 {
				t.Fatalf("%d rows", len(sheet))
			}
			checkLabels(t, ref, sheet)
			for col, want := range map[string]string{
				"No": "1", "Tanggal Pelaporan": reportedOn, "Tanggal Kejadian": "2026-11-20", "Kanal Pengaduan": "web",
				"Kode Provinsi": "35", "Kode Kabupaten/Kota": "35.24", "Kode Kecamatan": "35.24.22", "Kecamatan": "Lamongan",
				"Kode Desa/Kelurahan": "35.24.22.1012", "Jenis Kelamin Korban": "Perempuan", "Umur Korban": "16", "Kelompok Umur Korban": "13-17",
				"Status Usia Korban": "Anak", "Pendidikan Korban": "SLTP", "Pekerjaan Korban": "Pelajar", "Status Perkawinan Korban": "Belum Kawin",
				"Disabilitas": "Ya", "Jenis Disabilitas": "Sensorik", "Jenis Kekerasan": "Fisik; Trafficking; Seksual",
				"Bentuk Kekerasan Seksual": "Eksploitasi seksual", "Kategori Trafficking": "Eksploitasi Seksual; Perbudakan", "KDRT": "Ya",
				"Tempat Kejadian": "Rumah Tangga", "Jumlah Pelaku": "2", "Jenis Kelamin Pelaku": "Laki-laki; Perempuan",
				"Kelompok Umur Pelaku": "25-59; ", "Hubungan Pelaku dengan Korban": "Orang Tua; Keluarga/Saudara",
				"Jenis Layanan": "Kesehatan", "Proses Hukum Pelaku": "Pelaporan",
				"Kategori Lokal": "Perundungan (bullying)", "Kategori AMPK": spiker.AMPKCategories[8],
			} {
				if got := cellOf(t, sheet, 1, col); got != want {
					t.Errorf("%s = %q, want %q", col, got, want)
				}
			}
			for _, col := range []string{"No Registrasi Kasus", "Provinsi", "Kabupaten/Kota", "Desa/Kelurahan"} {
				if cellOf(t, sheet, 1, col) == "" {
					t.Errorf("%s is empty", col)
				}
			}
		}
		blank := func(sheet [][]string, who string) {
			t.Helper()
			for _, col := range []string{"Nama Korban", "NIK Korban", "Kronologi Kejadian"} {
				if v := cellOf(t, sheet, 1, col); v != "" {
					t.Fatalf("%s: %s = %q", who, col, v)
				}
			}
		}
		filled := func(sheet [][]string, who string) {
			t.Helper()
			for col, want := range map[string]string{"Nama Korban": name, "NIK Korban": nik, "Kronologi Kejadian": chronology} {
				if v := cellOf(t, sheet, 1, col); v != "'"+want {
					t.Fatalf("%s: %s = %q, want the inert %q", who, col, v, "'"+want)
				}
			}
		}

		// The data officer: everything but identities, in CSV and XLSX.
		resp, body := data.get("/staf/statistik/simfoni.csv" + period)
		if resp.StatusCode != 200 {
			t.Fatalf("csv: %d", resp.StatusCode)
		}
		sheet := readCSV(t, body)
		checkRecord(sheet)
		blank(sheet, "the data officer's csv")
		resp, body = data.get("/staf/statistik/simfoni.xlsx" + period)
		f, err := excelize.OpenReader(strings.NewReader(body))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("xlsx: %d %v", resp.StatusCode, err)
		}
		xsheet, _ := f.GetRows("Register")
		checkRecord(xsheet)
		blank(xsheet, "the data officer's xlsx")
		number := cellOf(t, xsheet, 1, "No Registrasi Kasus")
		services, _ := f.GetRows("Layanan")
		if !slices.Equal(services[0], []string{"No Registrasi Kasus", "Jenis Layanan", "Tanggal Layanan", "Pemberi Layanan", "Lembaga Pemberi Layanan"}) ||
			len(services) != 2 || !slices.Equal(services[1], []string{number, "Kesehatan", today, "manajer.satu", "UPTD PPA"}) {
			t.Fatalf("Layanan: %q", services)
		}
		checkLabels(t, ref, services)
		referrals, _ := f.GetRows("Rujukan")
		if !slices.Equal(referrals[0], []string{"No Registrasi Kasus", "Lembaga Tujuan Rujukan", "Jenis Layanan", "Tanggal Rujukan", "Batas Waktu",
			"Status Rujukan", "Tanggal Tanggapan", "Tanggal Layanan", "Tanggal Selesai"}) || len(referrals) != 2 ||
			!slices.Equal(referrals[1][:6], []string{number, "RSUD Lamongan", "Kesehatan", today, due, "Terkirim, menunggu jawaban"}) {
			t.Fatalf("Rujukan: %q", referrals)
		}
		checkLabels(t, ref, referrals)
		f.Close()

		// The supervisor, who holds the case's key: identities, inert.
		_, body = sup.get("/staf/statistik/simfoni.xlsx" + period)
		f, err = excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		xsheet, _ = f.GetRows("Register")
		checkRecord(xsheet)
		filled(xsheet, "the supervisor's xlsx")
		for i, h := range xsheet[0] {
			cell, _ := excelize.CoordinatesToCellName(i+1, 2)
			if formula, _ := f.GetCellFormula("Register", cell); formula != "" {
				t.Errorf("%s holds a formula %q", h, formula)
			}
		}
		f.Close()
		_, body = sup.get("/staf/statistik/simfoni.csv" + period)
		filled(readCSV(t, body), "the supervisor's csv")

		// The data officer asks for identities; a reason is needed.
		grantPeriod := url.Values{"csrf": {dc}, "dari": {fromMonth}, "sampai": {toMonth}}
		grantPeriod.Set("reason", "x")
		if resp, page := data.post("/staf/statistik/identitas", grantPeriod, nil); resp.StatusCode != 422 || !strings.Contains(page, "Tulis alasannya") {
			t.Fatalf("a request without a reason: %d", resp.StatusCode)
		}
		grantPeriod.Set("reason", "Verifikasi data oleh KemenPPPA untuk triwulan ini")
		if resp, _ := data.post("/staf/statistik/identitas", grantPeriod, nil); resp.StatusCode != 303 {
			t.Fatalf("request: %d", resp.StatusCode)
		}
		var grantID string
		m.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT id FROM register_grants WHERE status = 'diminta'`, nil, &grantID)
		})
		// The region's supervisors are alerted to decide; the requester
		// is not (the job may have run already: raising is idempotent).
		duty := store.DutyService{Store: m.Store}
		var alertPayload string
		if m.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT payload FROM jobs WHERE kind = $1 AND dedupe_key LIKE 'raise:export_request:%'`, []any{store.JobAlertRaise}, &alertPayload)
		}) == nil {
			if err := duty.RaiseAlert(ctx, spiker.Job{Kind: store.JobAlertRaise, Payload: alertPayload}); err != nil {
				t.Fatal(err)
			}
		}
		exportAlerts := func(a *spiker.Actor) (n int) {
			t.Helper()
			notes, err := duty.Notifications(ctx, a, 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range notes {
				if x.Alert.Reason == spiker.AlertExportRequest {
					if x.Alert.Link != "/staf/statistik#identitas" {
						t.Errorf("the export alert links to %q", x.Alert.Link)
					}
					n++
				}
			}
			return n
		}
		dataOfficer, err := m.Users.Authenticate(ctx, "tim.data", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		if exportAlerts(supActor) != 1 || exportAlerts(dataOfficer) != 0 {
			t.Fatalf("export-request alerts: supervisor %d, data officer %d; want 1, 0", exportAlerts(supActor), exportAlerts(dataOfficer))
		}
		withGrant := period + "&wilayah=35.24&izin=" + grantID
		if resp, _ := data.get("/staf/statistik/simfoni.csv" + withGrant); resp.StatusCode != 409 {
			t.Fatalf("a download before approval: %d", resp.StatusCode)
		}
		if resp, _ := data.post("/staf/statistik/identitas/"+grantID+"/putuskan", url.Values{"csrf": {dc}, "keputusan": {"setujui"}}, nil); resp.StatusCode != 403 {
			t.Fatalf("the data officer approving: %d", resp.StatusCode)
		}
		_, page := sup.get("/staf/statistik")
		if !strings.Contains(page, "Verifikasi data oleh KemenPPPA") || !strings.Contains(page, "/staf/statistik/identitas/"+grantID+"/putuskan") {
			t.Fatal("the supervisor does not see the request")
		}
		if resp, _ := sup.post("/staf/statistik/identitas/"+grantID+"/putuskan", url.Values{"csrf": {sc}, "keputusan": {"setujui"}}, nil); resp.StatusCode != 303 {
			t.Fatalf("approval: %d", resp.StatusCode)
		}
		if _, page := data.get("/staf/statistik"); !strings.Contains(page, `simfoni.xlsx?dari=`+fromMonth+`&amp;izin=`+grantID) {
			t.Fatal("the data officer has no download link")
		}
		// Without the grant, still blank; with it, identities, once.
		_, body = data.get("/staf/statistik/simfoni.csv" + period)
		blank(readCSV(t, body), "the data officer without the grant")
		resp, body = data.get("/staf/statistik/simfoni.csv" + withGrant)
		if resp.StatusCode != 200 {
			t.Fatalf("download with the grant: %d", resp.StatusCode)
		}
		sheet = readCSV(t, body)
		checkRecord(sheet)
		filled(sheet, "the data officer with the grant")
		if resp, _ := data.get("/staf/statistik/simfoni.xlsx" + withGrant); resp.StatusCode != 409 {
			t.Fatalf("a second download: %d", resp.StatusCode)
		}
		var wiped int
		m.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT COUNT(*) FROM register_grants WHERE id = $1 AND status = 'dipakai' AND sealed_key IS NULL AND identities IS NULL`, []any{grantID}, &wiped)
		})
		if wiped != 1 {
			t.Fatal("the used grant keeps its sealed identities")
		}

		// A supervisor's own request needs another supervisor.
		stats := store.StatsService{Store: m.Store}
		own, err := stats.RequestIdentityExport(ctx, supActor, spiker.StatsFilter{From: fromMonth, To: toMonth}, "Pemeriksaan internal oleh inspektorat")
		if err != nil {
			t.Fatal(err)
		}
		if err := stats.DecideIdentityExport(ctx, supActor, own.ID, true); err != spiker.ErrOwnApproval {
			t.Fatalf("self-approval: %v", err)
		}
		// An administrator who is also a data officer never gets one.
		adminData := &spiker.User{Username: "admin.data", Roles: []spiker.Role{spiker.RoleAdmin, spiker.RoleTimData}, RegionCode: "35.24"}
		storeUsers(m).NewCredentials(adminData, "tubruk pasar sapi kabut")
		if err := storeUsers(m).CreateUser(ctx, adminData); err != nil {
			t.Fatal(err)
		}
		if _, err := stats.RequestIdentityExport(ctx, adminData.Actor(nil), spiker.StatsFilter{From: fromMonth, To: toMonth}, "Verifikasi data oleh KemenPPPA"); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("an administrator's request: %v", err)
		}
		// An approved grant expires after 24 hours, its identities wiped.
		dataActor, err := m.Users.Authenticate(ctx, "tim.data", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		filter := spiker.StatsFilter{From: fromMonth, To: toMonth, Region: "35.24"}
		late, err := stats.RequestIdentityExport(ctx, dataActor, filter, "Verifikasi data oleh KemenPPPA, permintaan kedua")
		if err != nil {
			t.Fatal(err)
		}
		if err := stats.DecideIdentityExport(ctx, supActor, late.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := stats.Register(ctx, dataActor, spiker.StatsFilter{From: "2025-01", To: toMonth, Region: "35.24"}, late.ID); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("the grant used for another period: %v", err)
		}
		clock.Add(spiker.GrantWindow + time.Minute)
		if _, err := stats.Register(ctx, dataActor, filter, late.ID); spiker.ErrorCode(err) != spiker.ECONFLICT {
			t.Fatalf("an expired grant: %v", err)
		}
		m.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT COUNT(*) FROM register_grants WHERE id = $1 AND status = 'kedaluwarsa' AND sealed_key IS NULL AND identities IS NULL`, []any{late.ID}, &wiped)
		})
		if wiped != 1 {
			t.Fatal("the expired grant keeps its sealed identities")
		}

		// Audited: request, approval, download; no identity in the log.
		var actions []string
		m.DB.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT action, reason FROM audit_log WHERE record_kind IN ('register_grant', 'register') ORDER BY seq`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a, r string
				rows.Scan(&a, &r)
				if strings.Contains(r, "SUM") || strings.Contains(r, "3524017777770001") {
					t.Errorf("the audit log holds an identity: %q", r)
				}
				actions = append(actions, a+": "+r)
			}
			return rows.Err()
		})
		log := strings.Join(actions, "\n")
		for _, want := range []string{"simfoni.grant.request: " + fromMonth, "simfoni.grant.approve: cases 1", "simfoni.grant.use: cases 1",
			"simfoni.export: rows 1, identities true, grant " + grantID, "simfoni.export: rows 1, identities false"} {
			if !strings.Contains(log, want) {
				t.Errorf("audit log lacks %q:\n%s", want, log)
			}
		}
	})
}
