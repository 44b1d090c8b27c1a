package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestOfficeCategories keeps the office's categories: Lamongan's default
// set is there from the migration, each under its SIMFONI label; the
// administrator adds, renames, re-labels and deactivates (audited, the
// name never in the log); names are unique to a reader; only the settings
// permission saves.
func TestOfficeCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		net := store.NetworkService{Store: s}
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)

		list, err := net.OfficeCategories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defaults := map[string]string{}
		for _, c := range list {
			if !c.Active {
				t.Errorf("default %q is inactive", c.Name)
			}
			defaults[c.Name] = c.SimfoniType
		}
		want := map[string]string{
			"Anak Berhadapan dengan Hukum (ABH)": "Lainnya", "Hak Asuh Anak": "Lainnya", "Nafkah Anak": "Penelantaran",
			"Perundungan (bullying)": "Psikis", "Kekerasan Berbasis Gender Online (KBGO)": "Seksual", "Perkawinan Anak / Dispensasi Kawin": "Lainnya",
		}
		if len(defaults) != len(want) {
			t.Fatalf("default set: %v", defaults)
		}
		for name, label := range want {
			if defaults[name] != label || !slices.Contains(spiker.JenisKekerasan, label) {
				t.Errorf("default %q counts as %q, want %q", name, defaults[name], label)
			}
		}

		c := &spiker.OfficeCategory{Name: "  Kekerasan   dalam Pacaran ", SimfoniType: "Psikis"}
		if err := net.SaveOfficeCategory(ctx, sup, c); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("a supervisor saving a category: %v", err)
		}
		if err := net.SaveOfficeCategory(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		if c.ID == "" || !c.Active || c.Name != "Kekerasan dalam Pacaran" {
			t.Fatalf("the new category: %+v", c)
		}
		for _, bad := range []struct {
			c     spiker.OfficeCategory
			field string
		}{
			{spiker.OfficeCategory{Name: "kekerasan DALAM pacaran", SimfoniType: "Fisik"}, "name"},
			{spiker.OfficeCategory{Name: "Nafkah anak", SimfoniType: "Penelantaran"}, "name"},
			{spiker.OfficeCategory{Name: "KD", SimfoniType: "Fisik"}, "name"},
			{spiker.OfficeCategory{Name: "Kategori baru", SimfoniType: "Kekerasan"}, "simfoni"},
			{spiker.OfficeCategory{ID: c.ID, Name: "Hak Asuh Anak", SimfoniType: "Psikis", Active: true}, "name"},
		} {
			err := net.SaveOfficeCategory(ctx, admin, &bad.c)
			if spiker.ErrorFields(err)[bad.field] == "" {
				t.Errorf("%+v: %v %v", bad.c, err, spiker.ErrorFields(err))
			}
		}
		if err := net.SaveOfficeCategory(ctx, admin, &spiker.OfficeCategory{ID: "tidak-ada", Name: "Tidak ada", SimfoniType: "Psikis"}); spiker.ErrorCode(err) != spiker.ENOTFOUND {
			t.Fatalf("changing an unknown category: %v", err)
		}
		// Renamed under its own name in another case, re-labelled and
		// deactivated: the list shows active ones first.
		c.Name, c.SimfoniType, c.Active = "KEKERASAN DALAM PACARAN (KDP)", "Fisik", false
		if err := net.SaveOfficeCategory(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		list, _ = net.OfficeCategories(ctx)
		last := list[len(list)-1]
		if last.ID != c.ID || last.Active || last.Name != "KEKERASAN DALAM PACARAN (KDP)" || last.SimfoniType != "Fisik" {
			t.Fatalf("the deactivated category: %+v", last)
		}
		var actions, reasons []string
		if err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT action, reason FROM audit_log WHERE record_kind = 'category' ORDER BY seq`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a, r string
				if err := rows.Scan(&a, &r); err != nil {
					return err
				}
				actions, reasons = append(actions, a), append(reasons, r)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(actions, []string{"category.create", "category.update"}) || !strings.Contains(reasons[1], "nonaktif") ||
			!strings.Contains(reasons[1], "Psikis -> Fisik") || strings.Contains(strings.Join(reasons, " "), "Pacaran") {
			t.Fatalf("audit: %q %q", actions, reasons)
		}
	})
}

// TestVictimOfficeCategories records a child victim under office
// categories, an AMPK category and a desa, and corrects them: the values
// round-trip, a deactivated category is not chosen anew but stays on the
// record that has it (under its new name), and the history keeps the old
// values.
func TestVictimOfficeCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		net, cases := store.NetworkService{Store: s}, store.CaseService{Store: s}
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		r := sampleReport()
		if _, err := (store.ReportService{Store: s}).CreateReport(ctx, r, ""); err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: "35.24.22.2001", ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		school := &spiker.OfficeCategory{Name: "Kekerasan di Sekolah", SimfoniType: "Psikis"}
		if err := net.SaveOfficeCategory(ctx, admin, school); err != nil {
			t.Fatal(err)
		}
		v := &spiker.CaseVictim{Sex: "Laki-laki", Age: 13, ViolenceTypes: []string{"Psikis"}, Consent: spiker.ConsentByGuardian,
			OfficeCategories: []string{school.ID, "perundungan"}, AMPK: spiker.AMPKCategories[8], DesaCode: "35.24.22.2005"}
		if err := cases.AddVictim(ctx, manager, c.ID, v); err != nil {
			t.Fatal(err)
		}
		// Another kecamatan's desa, an adult's AMPK, an unknown category:
		// refused.
		for _, bad := range []func(*spiker.CaseVictim){
			func(x *spiker.CaseVictim) { x.DesaCode = "35.24.04.2001" },
			func(x *spiker.CaseVictim) { x.Age, x.Consent = 40, spiker.ConsentByVictim },
			func(x *spiker.CaseVictim) { x.OfficeCategories = []string{"tidak-ada"} },
		} {
			x := *v
			x.ID = ""
			bad(&x)
			if err := cases.AddVictim(ctx, manager, c.ID, &x); spiker.ErrorCode(err) != spiker.EINVALID {
				t.Errorf("a wrong victim was added: %v", err)
			}
		}
		found, err := cases.FindCase(ctx, manager, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := found.Victims[0]
		if len(found.Victims) != 1 || !slices.Equal(got.OfficeCategories, []string{school.ID, "perundungan"}) && !slices.Equal(got.OfficeCategories, []string{"perundungan", school.ID}) ||
			got.AMPK != spiker.AMPKCategories[8] || got.DesaCode != "35.24.22.2005" {
			t.Fatalf("the victim read back: %d victims, %+v", len(found.Victims), got)
		}

		// Deactivated and renamed: not chosen for a new victim, kept on
		// this one through a correction of another field.
		school.Name, school.Active = "Kekerasan di Lingkungan Sekolah", false
		if err := net.SaveOfficeCategory(ctx, admin, school); err != nil {
			t.Fatal(err)
		}
		second := &spiker.CaseVictim{Sex: "Perempuan", Age: 12, ViolenceTypes: []string{"Psikis"}, Consent: spiker.ConsentByGuardian, OfficeCategories: []string{school.ID}}
		if err := cases.AddVictim(ctx, manager, c.ID, second); spiker.ErrorFields(err)["office_categories"] == "" {
			t.Fatalf("a deactivated category chosen for a new victim: %v", err)
		}
		fixed := got
		fixed.AMPK, fixed.DesaCode = spiker.AMPKCategories[9], "35.24.22.2001"
		fixed.OfficeCategories = []string{school.ID, "kbgo"}
		if err := cases.CorrectVictim(ctx, manager, c.ID, &fixed, false, "Kategori dan desa diperbaiki"); err != nil {
			t.Fatal(err)
		}
		found, err = cases.FindCase(ctx, manager, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got = found.Victims[0]
		if !slices.Contains(got.OfficeCategories, school.ID) || !slices.Contains(got.OfficeCategories, "kbgo") || slices.Contains(got.OfficeCategories, "perundungan") ||
			got.AMPK != spiker.AMPKCategories[9] || got.DesaCode != "35.24.22.2001" {
			t.Fatalf("after the correction: %+v", got)
		}
		if len(found.Corrections) != 1 {
			t.Fatalf("%d corrections", len(found.Corrections))
		}
		changes := map[string]spiker.FieldChange{}
		for _, ch := range found.Corrections[0].Changes {
			changes[ch.Field] = ch
		}
		if ch := changes["ampk"]; ch.Before != spiker.AMPKCategories[8] || ch.After != spiker.AMPKCategories[9] {
			t.Errorf("AMPK history: %+v", ch)
		}
		if ch := changes["desa"]; ch.Before != "35.24.22.2005" || ch.After != "35.24.22.2001" {
			t.Errorf("desa history: %+v", ch)
		}
		if ch := changes["office_categories"]; !strings.Contains(ch.Before, "perundungan") || !strings.Contains(ch.After, "kbgo") || !strings.Contains(ch.After, school.ID) {
			t.Errorf("categories history: %+v", ch)
		}
		// The categorical values are in the clear for statistics.
		var oc, ampk string
		if err := s.DB.Get(ctx, `SELECT office_categories, ampk FROM case_victims WHERE id = $1`, []any{got.ID}, &oc, &ampk); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(oc, "kbgo") || ampk != spiker.AMPKCategories[9] {
			t.Fatalf("stored: %q %q", oc, ampk)
		}
	})
}
