package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// statCell finds a table row of the dashboard's HTML: a label cell followed
// by its count.
func statCell(page, label string) string {
	i := strings.Index(page, "<td>"+label+"</td><td class=\"num\">")
	if i < 0 {
		return ""
	}
	rest := page[i+len("<td>"+label+"</td><td class=\"num\">"):]
	return rest[:strings.Index(rest, "</td>")]
}

// TestStatisticsInternalRule goes through the web pages on both databases:
// the data officer sees the regency's figures exactly (one boy among seven
// victims: "1", not "<5"), a supervisor's kecamatan view shows every desa
// with the small one suppressed, a desa's own dashboard is refused, the
// public page still suppresses; every table downloads as CSV and XLSX with
// the page's figures, audited, and a label that looks like a formula is
// made inert in the CSV.
func TestStatisticsInternalRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		statsFixture(t, m, 7) // desa 35.24.22.1012: one boy, six girls
		// Two more cases in another desa of the same kecamatan.
		var other string
		for _, d := range m.Regions.Children("35.24.22") {
			if d.Code != "35.24.22.1012" {
				other = d.Code
				break
			}
		}
		sup, err := m.Users.Authenticate(ctx, "kepala.uptd", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		officer, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		cases := store.CaseService{Store: m.Store}
		var caseID string
		for range 2 {
			r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: other, ReporterRole: spiker.ReporterKorban,
				ViolenceTypes: []string{"Fisik"}, VictimAge: 30, Consent: true, Content: spiker.ReportContent{Narrative: "dipukul"}}
			if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
			c := &spiker.Case{RegionCode: other, ReportIDs: []string{r.ID}}
			if err := cases.OpenCase(ctx, officer, c); err != nil {
				t.Fatal(err)
			}
			caseID = c.ID
			v := &spiker.CaseVictim{Sex: "Perempuan", Age: 15, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga",
				Consent: spiker.ConsentByGuardian, DesaCode: other}
			if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
				t.Fatal(err)
			}
		}
		// A referral to an agency whose name a spreadsheet would take for
		// a formula.
		admin := addStaff(t, m, "admin.it", spiker.RoleAdmin)
		network := store.NetworkService{Store: m.Store}
		evil := &spiker.Agency{Name: "=HYPERLINK(\"http://x\",\"klik\")", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := network.SaveAgency(ctx, admin, evil); err != nil {
			t.Fatal(err)
		}
		partner := &spiker.User{Username: "dokter.rsud", Roles: []spiker.Role{spiker.RoleMitra}, RegionCode: "35.24", AgencyID: evil.ID}
		storeUsers(m).NewCredentials(partner, "tubruk pasar sapi kabut")
		if err := storeUsers(m).CreateUser(ctx, partner); err != nil {
			t.Fatal(err)
		}
		if _, err := network.CreateReferral(ctx, sup, &spiker.ReferralRequest{CaseID: caseID, AgencyID: evil.ID, Service: "Kesehatan",
			DueDate: time.Now().Add(72 * time.Hour).Format(time.DateOnly), Needs: "visum", Consent: spiker.ConsentByGuardian}); err != nil {
			t.Fatal(err)
		}

		month := time.Now().In(spiker.TimeZone("35.24")).Format("2006-01")
		period := "dari=" + month + "&sampai=" + month
		data := newPortal(t, m)
		signIn(t, data, "tim.data", addStaffWithTOTP(t, m, "tim.data", spiker.RoleTimData, "35.24"), time.Now())
		resp, page := data.get("/staf/statistik?" + period)
		if resp.StatusCode != 200 {
			t.Fatalf("dashboard: %d", resp.StatusCode)
		}
		if got := statCell(page, "Laki-laki"); got != "1" {
			t.Fatalf("the regency's boy: %q, want the exact 1", got)
		}
		if got := statCell(page, "Lamongan"); got != "9" {
			t.Fatalf("kecamatan Lamongan: %q, want 9", got)
		}
		if !strings.Contains(page, "Di kantor ini angka tingkat kabupaten dan kecamatan ditampilkan tepat") {
			t.Fatal("the page does not state the rule")
		}

		// The supervisor's kecamatan view: every desa, the small one hidden.
		sp := newPortal(t, m)
		signIn(t, sp, "sup.kec", addStaffWithTOTP(t, m, "sup.kec", spiker.RoleSupervisor, "35.24"), time.Now())
		resp, page = sp.get("/staf/statistik?" + period + "&wilayah=35.24.22")
		desaName := func(code string) string { r, _ := m.Regions.Region(code); return r.Name + ", Lamongan" } // as the page names a desa
		if resp.StatusCode != 200 || statCell(page, desaName("35.24.22.1012")) != "7" || statCell(page, desaName(other)) != "&lt;5" {
			t.Fatalf("desa table: %d, %q %q", resp.StatusCode, statCell(page, desaName("35.24.22.1012")), statCell(page, desaName(other)))
		}
		if got := statCell(page, "Laki-laki"); got != "1" {
			t.Fatalf("the kecamatan's boy: %q", got)
		}
		if resp, page := sp.get("/staf/statistik?" + period + "&wilayah=" + other); resp.StatusCode != 200 || !strings.Contains(page, "Pilih seluruh kabupaten atau satu kecamatan") || strings.Contains(page, "<svg") {
			t.Fatalf("a desa's dashboard: %d", resp.StatusCode)
		}

		// Downloads: one table as CSV, the same figures as the page.
		resp, body := sp.get("/staf/statistik/tabel.csv?" + period + "&wilayah=35.24.22&tabel=wilayah")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d", resp.StatusCode)
		}
		rows := readCSV(t, body)
		found := map[string]string{}
		for _, r := range rows[1:] {
			if r[0] != "Kasus per wilayah" {
				t.Fatalf("another table in a one-table download: %q", r)
			}
			found[r[1]] = r[2]
		}
		if found[desaName("35.24.22.1012")] != "7" || found[desaName(other)] != "<5" || found["Total"] != "9" {
			t.Fatalf("desa csv: %v", found)
		}
		// Every table as CSV; the agency's name is inert.
		_, body = data.get("/staf/statistik/tabel.csv?" + period)
		var sawAgency, sawBoy bool
		tables := map[string]bool{}
		for _, r := range readCSV(t, body)[1:] {
			tables[r[0]] = true
			if strings.Contains(r[1], "HYPERLINK") {
				sawAgency = true
				if !strings.HasPrefix(r[1], "'=") {
					t.Fatalf("a formula in the CSV: %q", r[1])
				}
			}
			if r[0] == "Korban per jenis kelamin" && r[1] == "Laki-laki" {
				sawBoy = r[2] == "1"
			}
		}
		if !sawAgency || !sawBoy || len(tables) != 15 {
			t.Fatalf("all tables: agency %v, boy %v, %d tables", sawAgency, sawBoy, len(tables))
		}
		// Every table as XLSX: a sheet each.
		resp, body = data.get("/staf/statistik/tabel.xlsx?" + period)
		f, err := excelize.OpenReader(strings.NewReader(body))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("xlsx: %d %v", resp.StatusCode, err)
		}
		if n := len(f.GetSheetList()); n != 15 {
			t.Fatalf("%d sheets", n)
		}
		sex, _ := f.GetRows("jenis_kelamin")
		if len(sex) < 2 || sex[0][0] != "Korban per jenis kelamin" || !containsRow(sex, "Laki-laki", "1") {
			t.Fatalf("sex sheet: %q", sex)
		}
		// Counts are numbers a spreadsheet adds up.
		if typ, _ := f.GetCellType("jenis_kelamin", "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Fatalf("a count written as %v", typ)
		}
		if v, _ := f.CalcCellValue("jenis_kelamin", "B2"); v != "1" {
			t.Fatalf("the boy's count: %q", v)
		}
		refs, _ := f.GetRows("rujukan")
		for _, r := range refs {
			if strings.Contains(r[0], "HYPERLINK") && !strings.HasPrefix(r[0], "'=") {
				t.Fatalf("a formula in the workbook: %q", r[0])
			}
		}
		// Every kecamatan is listed, those without cases as 0.
		regions, _ := f.GetRows("wilayah")
		if want := len(m.Regions.Children("35.24")) + 2; len(regions) != want || !containsRow(regions, "Sukodadi", "0") {
			t.Fatalf("kecamatan sheet: %d rows, want %d: %q", len(regions), want, regions)
		}
		if resp, _ := data.get("/staf/statistik/tabel.csv?" + period + "&tabel=nama"); resp.StatusCode != 404 {
			t.Fatalf("an unknown table: %d", resp.StatusCode)
		}
		// Audited, each download.
		var n int
		var reason string
		m.DB.View(ctx, func(tx *sqldb.Tx) error {
			tx.Get(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'stats.export'`, nil, &n)
			return tx.Get(ctx, `SELECT reason FROM audit_log WHERE action = 'stats.export' ORDER BY seq LIMIT 1`, nil, &reason)
		})
		if n != 3 || reason != "wilayah.csv" {
			t.Fatalf("audit: %d entries, first %q", n, reason)
		}

		// The public page keeps suppressing.
		anon := newPortal(t, m)
		_, body = anon.get("/statistik.csv")
		if !strings.Contains(body, month+",kecamatan,Lamongan,x") {
			t.Fatalf("public csv: %.400s", body)
		}
		// Neither can sign-less visitors download the back office's tables.
		if resp, _ := anon.get("/staf/statistik/tabel.csv?" + period); resp.StatusCode == 200 {
			t.Fatal("an anonymous download")
		}
	})
}

func containsRow(rows [][]string, want ...string) bool {
	for _, r := range rows {
		if strings.Join(r, "|") == strings.Join(want, "|") {
			return true
		}
	}
	return false
}
