package main

import (
	"bytes"
	"context"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestStaffCaseCorrections walks the "Ubah" forms of the case page: every
// correction needs a reason and becomes a version in the history that the
// case team reads; name and NIK are on a form only after "show identity"
// (a masked value is never prefilled); the location moves with the
// kecamatan rules and the counts follow; no old value is left in the clear.
func TestStaffCaseCorrections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		dir := t.TempDir()
		m, logs := startMain(t, dir, dbURL)
		kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
		mSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
		oSecret := addStaffWithTOTP(t, m, "manajer.dua", spiker.RoleManajerKasus, "35.24")
		reporter := newPortal(t, m)
		_, form := reporter.get("/")
		reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)

		officer, sup, manager, other := newPortal(t, m), newPortal(t, m), newPortal(t, m), newPortal(t, m)
		oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
		sc := signIn(t, sup, "kepala.uptd", sSecret, time.Now())
		mc := signIn(t, manager, "manajer.satu", mSecret, time.Now())
		signIn(t, other, "manajer.dua", oSecret, time.Now())
		_, inbox := officer.get("/staf/")
		link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
		resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {"Ringkasan awal kanari"}}, nil)
		casePath := resp.Header.Get("Location")
		if resp, _ := sup.post(casePath+"/tim", url.Values{"csrf": {sc}, "user": {userIDOf(t, m, "manajer.satu")}}, nil); resp.StatusCode != 303 {
			t.Fatalf("assign: %d", resp.StatusCode)
		}
		victim := url.Values{"csrf": {mc}, "name": {"Melati Lamakanari"}, "nik": {"3524017777770001"}, "sex": {"Perempuan"}, "age": {"30"},
			"violence_types": {"Fisik"}, "place": {"Rumah Tangga"}, "consent": {"korban"}}
		if resp, _ := manager.post(casePath+"/korban", victim, nil); resp.StatusCode != 303 {
			t.Fatalf("victim: %d", resp.StatusCode)
		}
		_, cp := manager.get(casePath)
		victimID := regexp.MustCompile(`name="victim" required><option value="([a-z0-9]+)"`).FindStringSubmatch(cp)[1]
		if resp, _ := manager.post(casePath+"/pelaku", url.Values{"csrf": {mc}, "victim": {victimID}, "p_name": {"Pelaku Lamakanari"}, "p_sex": {"Laki-laki"},
			"p_age_group": {"25-59"}, "p_relationship": {"Suami/Istri"}}, nil); resp.StatusCode != 303 {
			t.Fatalf("perpetrator: %d", resp.StatusCode)
		}

		// Masked: the edit form has no name or NIK field, and says why.
		_, cp = manager.get(casePath)
		if strings.Contains(cp, `name="nik" inputmode="numeric" maxlength="40" value=`) || strings.Contains(cp, `value="M. L."`) ||
			!strings.Contains(cp, "pilih &#34;Tampilkan identitas&#34; terlebih dahulu") || !strings.Contains(cp, `value="Rumah Tangga" selected`) &&
			!strings.Contains(cp, `<option selected>Rumah Tangga</option>`) {
			t.Fatalf("the masked edit form: %.2000s", cp[strings.Index(cp, "Ubah data korban"):])
		}
		correct := func(p *portal, path string, v url.Values) (int, string) {
			resp, page := p.post(casePath+path, v, nil)
			return resp.StatusCode, page
		}
		fixed := url.Values{"csrf": {mc}, "target": {victimID}, "sex": {"Perempuan"}, "age": {"30"}, "violence_types": {"Fisik", "Seksual"},
			"sexual_forms": {"Pelecehan seksual fisik"}, "place": {"Rumah Tangga"}, "consent": {"korban"}}
		if code, page := correct(manager, "/ubah/korban", fixed); code != 422 || !strings.Contains(page, "Tulis alasan perubahan") {
			t.Fatalf("a correction without a reason: %d", code)
		}
		fixed.Set("correction_reason", "Alasan kanari: korban juga dilecehkan")
		if code, _ := correct(other, "/ubah/korban", fixed); code != 403 {
			t.Fatalf("a correction from off the team: %d", code)
		}
		if code, page := correct(manager, "/ubah/korban", fixed); code != 303 {
			t.Fatalf("the categories' correction: %d %.300s", code, page)
		}
		// The identity: only after the reveal, prefilled with the real
		// values.
		resp, revealed := manager.post(casePath+"/identitas", url.Values{"csrf": {mc}}, nil)
		if resp.StatusCode != 200 || !strings.Contains(revealed, `name="name" maxlength="500" value="Melati Lamakanari"`) ||
			!strings.Contains(revealed, `name="identity" value="ya"`) || !strings.Contains(revealed, `value="3524017777770001"`) {
			t.Fatalf("the revealed edit form: %d", resp.StatusCode)
		}
		fixed.Set("identity", "ya")
		fixed.Set("name", "Melati Barukanari")
		fixed.Set("nik", "3524016666660002")
		fixed.Set("correction_reason", "Nama sesuai KTP")
		if code, _ := correct(manager, "/ubah/korban", fixed); code != 303 {
			t.Fatalf("the identity's correction: %d", code)
		}
		perp := regexp.MustCompile(`action="` + regexp.QuoteMeta(casePath) + `/ubah/pelaku">\s*<input type="hidden" name="csrf" value="[^"]+"><input type="hidden" name="target" value="([a-z0-9]+)"`).FindStringSubmatch(cp)
		if perp == nil {
			t.Fatal("no perpetrator edit form")
		}
		if code, _ := correct(manager, "/ubah/pelaku", url.Values{"csrf": {mc}, "target": {perp[1]}, "victim": {victimID}, "p_sex": {"Laki-laki"},
			"p_age_group": {"25-59"}, "p_relationship": {"Orang Tua"}, "correction_reason": {"Pelaku ayah tiri"}}); code != 303 {
			t.Fatalf("the perpetrator's correction: %d", code)
		}
		if code, _ := correct(manager, "/ubah/ringkasan", url.Values{"csrf": {mc}, "summary": {"Ringkasan baru"}, "correction_reason": {"Kronologi diperbaiki"}}); code != 303 {
			t.Fatalf("the summary's correction: %d", code)
		}
		report := strings.TrimPrefix(link, "/staf/laporan/")
		if code, _ := correct(manager, "/ubah/kategori", url.Values{"csrf": {mc}, "target": {report}, "report_types": {"Seksual"}, "correction_reason": {"Kategori laporan salah"}}); code != 303 {
			t.Fatalf("the report categories' correction: %d", code)
		}

		// The location: the case manager places the case at its kecamatan
		// but may not move it to another; the regency's supervisor may,
		// and the counts follow.
		cases := func(region string) int64 {
			var n int64
			m.DB.Get(ctx, `SELECT COALESCE(SUM(n), 0) FROM stats_counts WHERE region_code = $1 AND dimension = 'kasus'`, []any{region}, &n)
			return n
		}
		if cases("35.24.22") != 1 || cases("35.24.04") != 0 {
			t.Fatalf("cases before the move: %d %d", cases("35.24.22"), cases("35.24.04"))
		}
		if code, page := correct(manager, "/ubah/lokasi", url.Values{"csrf": {mc}, "kecamatan": {"35.24.22"}, "desa": {"35.24.04.2001"}, "correction_reason": {"Desa salah"}}); code != 422 ||
			!strings.Contains(page, "Desa tidak ada") && !strings.Contains(page, `class="err"`) {
			t.Fatalf("a desa of another kecamatan: %d", code)
		}
		if code, _ := correct(manager, "/ubah/lokasi", url.Values{"csrf": {mc}, "kecamatan": {"35.24.22"}, "correction_reason": {"Desa belum pasti"}}); code != 303 {
			t.Fatalf("placing the case at its kecamatan: %d", code)
		}
		desa := m.Regions.Children("35.24.04")[0]
		kec, _ := m.Regions.Region("35.24.04")
		move := url.Values{"kecamatan": {"35.24.04"}, "desa": {desa.Code}, "correction_reason": {"Kejadian di kecamatan lain"}}
		move.Set("csrf", mc)
		if code, _ := correct(manager, "/ubah/lokasi", move); code != 403 {
			t.Fatalf("the case manager moving the case to another kecamatan: %d", code)
		}
		move.Set("csrf", sc)
		if code, _ := correct(sup, "/ubah/lokasi", move); code != 303 {
			t.Fatalf("the supervisor moving the case: %d", code)
		}
		if cases("35.24.22") != 0 || cases("35.24.04") != 1 || cases(desa.Code) != 1 {
			t.Fatalf("cases after the move: %d %d %d", cases("35.24.22"), cases("35.24.04"), cases(desa.Code))
		}

		// The history, for the team: who, when, why and what; masked
		// until revealed.
		_, cp = manager.get(casePath)
		history := html.UnescapeString(cp[strings.Index(cp, "Riwayat perubahan"):])
		for _, want := range []string{"Alasan: Alasan kanari: korban juga dilecehkan", "Jenis kekerasan: Fisik → Fisik, Seksual", "manajer.satu", "kepala.uptd",
			"Hubungan dengan korban: Suami/Istri → Orang Tua", "Ringkasan: Ringkasan awal kanari → Ringkasan baru", "Kategori laporan", "Kejadian di kecamatan lain",
			"Wilayah: Lamongan → " + desa.Name + ", " + kec.Name, "Nama: M. L. → M. B."} {
			if !strings.Contains(history, want) {
				t.Errorf("the history lacks %q", want)
			}
		}
		if strings.Contains(history, "Lamakanari") || strings.Contains(history, "3524017777770001") {
			t.Error("the masked history shows the old identity")
		}
		if !strings.Contains(cp, "TPKS") || !strings.Contains(cp, "Ringkasan baru") {
			t.Error("the case page does not show the current values")
		}
		_, revealed = manager.post(casePath+"/identitas", url.Values{"csrf": {mc}}, nil)
		if !strings.Contains(revealed, "Melati Lamakanari → Melati Barukanari") {
			t.Error("the revealed history lacks the name's change")
		}
		if resp, page := other.get(casePath); resp.StatusCode != 403 || strings.Contains(page, "Riwayat perubahan") {
			t.Fatalf("the history for someone off the team: %d", resp.StatusCode)
		}

		// Nowhere in the clear: the log, the data directory (SQLite file
		// and WAL) or a dump of PostgreSQL.
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		haystacks := map[string][]byte{"log": []byte(logs.String())}
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				b, _ := os.ReadFile(p)
				haystacks[p] = b
			}
			return nil
		})
		if pg := postgresOnly(dbURL); pg != "" {
			haystacks["pg_dump"] = pgDump(t, pg)
		}
		for _, needle := range []string{"Melati Lamakanari", "Melati Barukanari", "3524017777770001", "Pelaku Lamakanari", "Ringkasan awal kanari", "Alasan kanari"} {
			for where, hay := range haystacks {
				if bytes.Contains(hay, []byte(needle)) {
					t.Errorf("%q in plaintext in %s", needle, where)
				}
			}
		}
	})
}
