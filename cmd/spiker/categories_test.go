package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestStaffOfficeCategories walks the administrator's page of local
// categories (only the settings permission reaches it; errors in
// Indonesian beside the field) and their use on a child victim's record:
// chosen with an AMPK category and the victim's desa by name, shown on the
// case page by their current names and translated labels, a deactivated
// category offered only on the record that has it, and a correction's
// history keeping the old values.
func TestStaffOfficeCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		m, _ := startMain(t, t.TempDir(), dbURL)
		aSecret := addStaffWithTOTP(t, m, "admin.it", spiker.RoleAdmin, "35.24")
		kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
		mSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
		admin, officer, sup, manager := newPortal(t, m), newPortal(t, m), newPortal(t, m), newPortal(t, m)
		ac := signIn(t, admin, "admin.it", aSecret, time.Now())
		oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
		sc := signIn(t, sup, "kepala.uptd", sSecret, time.Now())
		mc := signIn(t, manager, "manajer.satu", mSecret, time.Now())

		// The page: the default set, reached from the navigation.
		resp, page := admin.get("/staf/kategori")
		if resp.StatusCode != 200 || !strings.Contains(page, `<a href="/staf/kategori">Kategori lokal</a>`) {
			t.Fatalf("the categories page: %d", resp.StatusCode)
		}
		for _, name := range []string{"Anak Berhadapan dengan Hukum (ABH)", "Hak Asuh Anak", "Nafkah Anak", "Perundungan (bullying)",
			"Kekerasan Berbasis Gender Online (KBGO)", "Perkawinan Anak / Dispensasi Kawin"} {
			if !strings.Contains(page, html.EscapeString(name)) {
				t.Errorf("the default %q is not listed", name)
			}
		}
		if _, settings := admin.get("/staf/pengaturan"); !strings.Contains(settings, `href="/staf/kategori"`) {
			t.Error("the settings page does not link the categories")
		}
		// Nobody else: not the supervisor, not for a change.
		if resp, _ := sup.get("/staf/kategori"); resp.StatusCode != 403 {
			t.Fatalf("a supervisor opening the categories: %d", resp.StatusCode)
		}
		if resp, _ := sup.post("/staf/kategori", url.Values{"csrf": {sc}, "name": {"Kategori liar"}, "simfoni": {"Psikis"}}, nil); resp.StatusCode != 403 {
			t.Fatalf("a supervisor adding a category: %d", resp.StatusCode)
		}
		if resp, _ := sup.post("/staf/kategori/kbgo", url.Values{"csrf": {sc}, "name": {"KBGO"}, "simfoni": {"Psikis"}, "active": {"tidak"}}, nil); resp.StatusCode != 403 {
			t.Fatalf("a supervisor changing a category: %d", resp.StatusCode)
		}
		for _, bad := range []struct {
			v    url.Values
			want string
		}{
			{url.Values{"name": {"x"}, "simfoni": {"Psikis"}}, "Tulis nama kategori (3 sampai 100 huruf)."},
			{url.Values{"name": {"Kekerasan di Sekolah"}, "simfoni": {"Bullying"}}, "Pilih jenis kekerasan SIMFONI tempat kategori ini dihitung."},
			{url.Values{"name": {"hak asuh ANAK"}, "simfoni": {"Psikis"}}, "Sudah ada kategori dengan nama ini."},
		} {
			bad.v.Set("csrf", ac)
			resp, page := admin.post("/staf/kategori", bad.v, nil)
			if resp.StatusCode != 422 || !strings.Contains(page, bad.want) || !strings.Contains(page, `value="`+html.EscapeString(bad.v.Get("name"))+`"`) {
				t.Errorf("%v: %d, want the message %q and the answer kept", bad.v, resp.StatusCode, bad.want)
			}
		}
		resp, _ = admin.post("/staf/kategori", url.Values{"csrf": {ac}, "name": {"Kekerasan di Sekolah"}, "simfoni": {"Psikis"}}, nil)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/staf/kategori?disimpan=ya" {
			t.Fatalf("adding a category: %d", resp.StatusCode)
		}
		_, page = admin.get("/staf/kategori?disimpan=ya")
		school := regexp.MustCompile(`action="/staf/kategori/([a-z0-9]+)">(?s:.){0,200}value="Kekerasan di Sekolah"`).FindStringSubmatch(page)
		if school == nil || !strings.Contains(page, "Kategori tersimpan.") {
			t.Fatal("the new category is not listed")
		}

		// A child victim under it and Perundungan, with an AMPK category
		// and a desa of the case's kecamatan chosen by name.
		reporter := newPortal(t, m)
		_, form := reporter.get("/")
		reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
		_, inbox := officer.get("/staf/")
		link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
		resp, _ = officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {"Perundungan di sekolah"}}, nil)
		casePath := resp.Header.Get("Location")
		if resp, _ := sup.post(casePath+"/tim", url.Values{"csrf": {sc}, "user": {userIDOf(t, m, "manajer.satu")}}, nil); resp.StatusCode != 303 {
			t.Fatalf("assign: %d", resp.StatusCode)
		}
		_, cp := manager.get(casePath)
		desa := m.Regions.Children("35.24.22")
		desaField := cp[strings.Index(cp, `name="victim_desa"`):]
		desaField = desaField[:strings.Index(desaField, "</select>")]
		if !strings.Contains(desaField, `<option value="`+desa[1].Code+`">`+desa[1].Name+`</option>`) ||
			strings.Contains(desaField, `value="`+m.Regions.Children("35.24.04")[0].Code+`"`) {
			t.Fatalf("the victim form does not offer the kecamatan's desa by name, and only those: %.600s", desaField)
		}
		victim := url.Values{"csrf": {mc}, "sex": {"Laki-laki"}, "age": {"13"}, "violence_types": {"Psikis"}, "consent": {"wali"},
			"office_categories": {school[1], "perundungan"}, "ampk": {spiker.AMPKCategories[8]}, "victim_desa": {desa[1].Code}}
		adult := url.Values{}
		for k, v := range victim {
			adult[k] = v
		}
		adult.Set("age", "30")
		adult.Set("consent", "korban")
		if resp, page := manager.post(casePath+"/korban", adult, nil); resp.StatusCode != 422 || !strings.Contains(page, "Kategori AMPK hanya untuk korban anak.") {
			t.Fatalf("an adult's AMPK category: %d", resp.StatusCode)
		}
		wrongDesa := url.Values{}
		for k, v := range victim {
			wrongDesa[k] = v
		}
		wrongDesa.Set("victim_desa", "35.24.22.9999")
		if resp, page := manager.post(casePath+"/korban", wrongDesa, nil); resp.StatusCode != 422 || !strings.Contains(page, "Pilih desa di kecamatan kasus") {
			t.Fatalf("an unknown desa: %d", resp.StatusCode)
		}
		if resp, page := manager.post(casePath+"/korban", victim, nil); resp.StatusCode != 303 {
			t.Fatalf("the victim: %d %.500s", resp.StatusCode, page)
		}
		_, cp = manager.get(casePath)
		table := cp[strings.Index(cp, "<table"):strings.Index(cp, "</table>")]
		for _, want := range []string{"Kekerasan di Sekolah", "Perundungan (bullying)", "Anak korban kekerasan fisik dan/atau psikis", desa[1].Name} {
			if !strings.Contains(html.UnescapeString(table), want) {
				t.Errorf("the victim table lacks %q", want)
			}
		}

		// Renamed and deactivated: the record shows the new name; the add
		// form no longer offers it; the victim's correction form keeps it.
		if resp, _ := admin.post("/staf/kategori/"+school[1], url.Values{"csrf": {ac}, "name": {"Kekerasan di Lingkungan Sekolah"}, "simfoni": {"Psikis"}, "active": {"tidak"}}, nil); resp.StatusCode != 303 {
			t.Fatalf("deactivating: %d", resp.StatusCode)
		}
		_, cp = manager.get(casePath)
		addForm := cp[strings.Index(cp, `action="`+casePath+`/korban"`):]
		addForm = addForm[:strings.Index(addForm, "</form>")]
		fixForm := cp[strings.Index(cp, `action="`+casePath+`/ubah/korban"`):]
		fixForm = fixForm[:strings.Index(fixForm, "</form>")]
		if !strings.Contains(cp, "Kekerasan di Lingkungan Sekolah") || strings.Contains(addForm, school[1]) ||
			!strings.Contains(fixForm, `value="`+school[1]+`" checked`) || !strings.Contains(fixForm, `value="perundungan" checked`) {
			t.Fatal("the deactivated category on the case page")
		}
		victimID := regexp.MustCompile(`name="target" value="([a-z0-9]+)"`).FindStringSubmatch(fixForm)[1]
		fix := url.Values{"csrf": {mc}, "target": {victimID}, "sex": {"Laki-laki"}, "age": {"13"}, "violence_types": {"Psikis"}, "consent": {"wali"},
			"office_categories": {school[1]}, "ampk": {spiker.AMPKCategories[12]}, "victim_desa": {desa[2].Code}, "correction_reason": {"Kategori dan desa diperbaiki"}}
		if resp, page := manager.post(casePath+"/ubah/korban", fix, nil); resp.StatusCode != 303 {
			t.Fatalf("the correction: %d %.500s", resp.StatusCode, page)
		}
		_, cp = manager.get(casePath)
		history := html.UnescapeString(cp[strings.Index(cp, "Riwayat perubahan"):])
		for _, want := range []string{
			"Kategori lokal: Kekerasan di Lingkungan Sekolah, Perundungan (bullying) → Kekerasan di Lingkungan Sekolah",
			"Kategori AMPK: Anak korban kekerasan fisik dan/atau psikis → Anak korban perlakuan salah dan penelantaran",
			"Desa: " + desa[1].Name,
		} {
			if !strings.Contains(history, want) && !strings.Contains(history, strings.Replace(want, "Kekerasan di Lingkungan Sekolah, Perundungan (bullying)", "Perundungan (bullying), Kekerasan di Lingkungan Sekolah", 1)) {
				t.Errorf("the history lacks %q", want)
			}
		}
		// In English the AMPK category is translated.
		req, _ := http.NewRequest("GET", manager.base+casePath, nil)
		req.Header.Set("Accept-Language", "en")
		if _, en := manager.do(req); !strings.Contains(html.UnescapeString(en), "A child who is a victim of mistreatment and neglect") {
			t.Error("the English case page does not translate the AMPK category")
		}
	})
}
