package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

func TestCaseWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		cases := store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		open := func() *spiker.Case { return openSampleCase(t, s, officer) }
		c1, c2 := open(), open()
		year := time.Now().Year()
		if !regexp.MustCompile(`^3524/\d{4}/\d{5}$`).MatchString(c1.Number) || c1.Number == c2.Number {
			t.Fatalf("case numbers %q, %q", c1.Number, c2.Number)
		}
		if want := "3524/" + time.Now().In(spiker.TimeZone("35.24")).Format("2006") + "/00002"; c2.Number != want || year == 0 {
			t.Fatalf("second case number %q, want %q", c2.Number, want)
		}

		// Assignment by the supervisor gives the manager the key.
		wantCode(t, cases.Assign(ctx, manager, c1.ID, manager.UserID), spiker.EFORBIDDEN, "manager assigning")
		if err := cases.Assign(ctx, sup, c1.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddEntry(ctx, manager, c1.ID, &spiker.CaseEntry{Kind: "asesmen", Category: "Biopsikososial", Body: "Korban cemas, tidur terganggu."}); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddEntry(ctx, manager, c1.ID, &spiker.CaseEntry{Kind: "rencana", Category: "Kesehatan", DueDate: "2026-12-01", Body: "Visum di RSUD."}); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddEntry(ctx, manager, c1.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Kesehatan", Body: "Visum selesai."}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.AddEntry(ctx, manager, c1.ID, &spiker.CaseEntry{Kind: "layanan", Category: "Pijat"}), spiker.EINVALID, "unknown service")

		// TPKS: the police-report clock runs, and Mediasi is refused unless
		// the perpetrator is a child.
		if err := cases.SetTPKS(ctx, manager, c1.ID, true, false, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := cases.FindCase(ctx, manager, c1.ID)
		police, running := got.PoliceReportDeadline(spiker.DefaultTimeLimits)
		if !running || police.Done || police.Due.Sub(got.ReportedAt) != 72*time.Hour {
			t.Fatalf("TPKS clock: running=%v %+v", running, police)
		}
		err := cases.AddEntry(ctx, manager, c1.ID, &spiker.CaseEntry{Kind: "rencana", Category: "Mediasi", Body: "Mediasi keluarga."})
		if spiker.ErrorFields(err)["category"] != "staff.err.mediation_tpks" {
			t.Fatalf("Mediasi in a TPKS case: %v", err)
		}
		cases.SetTPKS(ctx, manager, c1.ID, true, true, "")
		if err := cases.AddEntry(ctx, manager, c1.ID, &spiker.CaseEntry{Kind: "rencana", Category: "Mediasi", Body: "Diversi, pelaku anak."}); err != nil {
			t.Fatalf("Mediasi with a child perpetrator: %v", err)
		}
		if err := cases.RecordPoliceReport(ctx, manager, c1.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = cases.FindCase(ctx, manager, c1.ID)
		if police, _ := got.PoliceReportDeadline(spiker.DefaultTimeLimits); !police.Done {
			t.Fatal("the police-report clock still runs after the report")
		}

		// Steps, closure request by the manager, approval by the supervisor.
		wantCode(t, cases.SetStep(ctx, manager, c1.ID, "terminasi", ""), spiker.EINVALID, "terminasi without approval")
		if err := cases.SetStep(ctx, manager, c1.ID, "pelaksanaan", "asesmen dan rencana sudah di rumah sakit"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.ApproveClosure(ctx, sup, c1.ID, "selesai", false), spiker.ECONFLICT, "approval before request")
		if err := cases.RequestClosure(ctx, manager, c1.ID, "layanan selesai", ""); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.ApproveClosure(ctx, manager, c1.ID, "saya setuju", false), spiker.EFORBIDDEN, "manager approving")
		if err := cases.ApproveClosure(ctx, sup, c1.ID, "disetujui", false); err != nil {
			t.Fatal(err)
		}
		got, _ = cases.FindCase(ctx, sup, c1.ID)
		if got.Status != spiker.CaseClosed || got.Step != "terminasi" || len(got.Entries) < 6 {
			t.Fatalf("closed case: %s %s, %d entries", got.Status, got.Step, len(got.Entries))
		}
		wantCode(t, cases.AddEntry(ctx, manager, c1.ID, &spiker.CaseEntry{Kind: "catatan", Category: "Catatan", Body: "x"}), spiker.ECONFLICT, "entry on a closed case")
		if err := cases.Reopen(ctx, sup, c1.ID, "korban kembali melapor"); err != nil {
			t.Fatal(err)
		}
		got, _ = cases.FindCase(ctx, manager, c1.ID)
		if got.Status != spiker.CaseOpen {
			t.Fatalf("reopened case: %s", got.Status)
		}
		// Someone off the team cannot write, even with the role.
		other := staff(t, s, "manajer.dua", spiker.RoleManajerKasus)
		if err := cases.AddEntry(ctx, other, c1.ID, &spiker.CaseEntry{Kind: "catatan", Category: "Catatan", Body: "x"}); err != spiker.ErrBreakGlass {
			t.Fatalf("off-team write: %v", err)
		}
	})
}

func TestBreakGlass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		data := staff(t, s, "data.satu", spiker.RoleTimData)
		r := sampleReport()
		reports.CreateReport(ctx, r, "")
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if _, err := cases.FindCase(ctx, manager, c.ID); err != spiker.ErrBreakGlass {
			t.Fatalf("manager off the team: %v", err)
		}
		wantCode(t, cases.RequestBreakGlass(ctx, manager, c.ID, "x"), spiker.EINVALID, "no real reason")
		wantCode(t, cases.RequestBreakGlass(ctx, data, c.ID, "saya ingin melihat kasus ini"), spiker.EFORBIDDEN, "data officer")
		reason := "Korban datang ke kantor malam ini, petugas kasus tidak bisa dihubungi."
		if err := cases.RequestBreakGlass(ctx, manager, c.ID, reason); err != nil {
			t.Fatal(err)
		}
		list, err := cases.BreakGlassRequests(ctx, sup)
		if err != nil || len(list) != 1 || list[0].Reason != reason || list[0].Username != "manajer.satu" || list[0].Status != "diminta" {
			t.Fatalf("supervisor's list: %+v %v", list, err)
		}
		// A supervisor the group has not admitted holds no key to the
		// reason: the request is listed, its reason is not.
		outsider := staff(t, s, "kepala.dua", spiker.RoleSupervisor)
		if list, err := cases.BreakGlassRequests(ctx, outsider); err != nil || len(list) != 1 || list[0].Reason != "" {
			t.Fatalf("a supervisor without the group key: %+v %v", list, err)
		}
		if _, err := cases.BreakGlassRequests(ctx, manager); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("manager listing requests: %v", err)
		}
		wantCode(t, cases.ApproveBreakGlass(ctx, manager, c.ID, list[0].ID), spiker.EFORBIDDEN, "self-approval")
		if err := cases.ApproveBreakGlass(ctx, sup, c.ID, list[0].ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.ApproveBreakGlass(ctx, sup, c.ID, list[0].ID), spiker.ECONFLICT, "approving twice")
		if _, err := cases.FindCase(ctx, manager, c.ID); err != nil {
			t.Fatalf("manager during the opening: %v", err)
		}
		// The opening ends by itself.
		s.DB.Now = func() time.Time { return time.Now().UTC().Add(store.BreakGlassOpen + time.Minute) }
		if _, err := cases.FindCase(ctx, manager, c.ID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("manager after the opening: %v", err)
		}
		// Assigning them afterwards replaces the expired grant with a
		// lasting one.
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := cases.FindCase(ctx, manager, c.ID); err != nil {
			t.Fatalf("manager assigned after the opening: %v", err)
		}
		s.DB.Now = func() time.Time { return time.Now().UTC() }
		entries, _ := store.AuditService{Store: s}.ListAudit(ctx, 1, 1000)
		found := 0
		for _, e := range entries {
			if e.Action == "case.break_glass_request" || e.Action == "case.break_glass_open" {
				found++
			}
			// The log keeps the action, never the reason's text.
			if strings.Contains(e.Reason, "Korban datang") {
				t.Fatalf("the break-glass reason is in the audit log: %+v", e)
			}
		}
		if found != 2 {
			t.Fatalf("break-glass request and opening in the audit log: %d", found)
		}
	})
}

func TestListCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		admin := staff(t, s, "admin", spiker.RoleAdmin)
		var ids []string
		for i, region := range []string{"35.24.22", "35.24.01", "35.24.22.2001"} {
			r := sampleReport()
			r.RegionCode = region
			reports.CreateReport(ctx, r, "")
			c := &spiker.Case{RegionCode: region, ReportIDs: []string{r.ID}}
			if err := cases.OpenCase(ctx, officer, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
			if i == 0 {
				if err := cases.SetTPKS(ctx, sup, c.ID, true, false, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		cases.Assign(ctx, sup, ids[1], manager.UserID)
		all, err := cases.FindCases(ctx, sup, spiker.CaseFilter{})
		if err != nil || len(all) != 3 || all[0].ID != ids[2] {
			t.Fatalf("supervisor's list: %+v %v", all, err)
		}
		mine, _ := cases.FindCases(ctx, manager, spiker.CaseFilter{})
		if len(mine) != 1 || mine[0].ID != ids[1] {
			t.Fatalf("manager sees %+v, want only the case they are on", mine)
		}
		kec, _ := cases.FindCases(ctx, sup, spiker.CaseFilter{Region: "35.24.22"})
		if len(kec) != 2 {
			t.Fatalf("region filter: %d", len(kec))
		}
		if _, err := cases.FindCases(ctx, manager, spiker.CaseFilter{Region: "35.25"}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("a region outside: %v", err)
		}
		byNumber, _ := cases.FindCases(ctx, sup, spiker.CaseFilter{Number: all[2].Number})
		if len(byNumber) != 1 || byNumber[0].ID != all[2].ID {
			t.Fatalf("by number: %+v", byNumber)
		}
		page2, _ := cases.FindCases(ctx, sup, spiker.CaseFilter{Before: all[0].CreatedAt, BeforeID: all[0].ID, Limit: 1})
		if len(page2) != 1 || page2[0].ID != all[1].ID {
			t.Fatalf("keyset page: %+v", page2)
		}
		s.DB.Now = func() time.Time { return time.Now().UTC().Add(73 * time.Hour) }
		overdue, _ := cases.FindCases(ctx, sup, spiker.CaseFilter{Overdue: true})
		s.DB.Now = func() time.Time { return time.Now().UTC() }
		if len(overdue) != 1 || overdue[0].ID != ids[0] {
			t.Fatalf("overdue TPKS: %+v", overdue)
		}
		if _, err := cases.FindCases(ctx, admin, spiker.CaseFilter{}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("admin list: %v", err)
		}
	})
}

func TestCaseRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		r := sampleReport()
		reports.CreateReport(ctx, r, "")
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		child := &spiker.CaseVictim{Sex: "Perempuan", Age: 14, ViolenceTypes: []string{"Seksual"}, SexualForms: []string{"Pelecehan seksual fisik"},
			Place: "Rumah Tangga", Education: "SLTP", Occupation: "Pelajar", Marital: "Belum Kawin", Consent: spiker.ConsentByVictim,
			Name: "Anak Kanari", NIK: "3524 0101 0101 0001", Disability: true, DisabilityTypes: []string{"Sensorik"}, Accommodation: "juru bahasa isyarat"}
		err := cases.AddVictim(ctx, sup, c.ID, child)
		if spiker.ErrorFields(err)["consent"] != "staff.err.consent_child" {
			t.Fatalf("a child consenting alone: %v", err)
		}
		child.Consent = spiker.ConsentOverride
		err = cases.AddVictim(ctx, sup, c.ID, child)
		if spiker.ErrorFields(err)["consent_override"] != "staff.err.consent_override" {
			t.Fatalf("an override without a reason: %v", err)
		}
		child.ConsentOverride = "Wali (ayah) adalah terduga pelaku."
		if err := cases.AddVictim(ctx, sup, c.ID, child); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.AddVictim(ctx, sup, c.ID, &spiker.CaseVictim{Sex: "perempuan", Age: -1, Consent: "wali"}), spiker.EINVALID, "bad labels")
		wantCode(t, cases.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: "nobody", Sex: "Laki-laki", Relationship: "Orang Tua"}), spiker.EINVALID, "unknown victim")
		if err := cases.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: child.ID, Sex: "Laki-laki", AgeGroup: "25-59", Relationship: "Orang Tua", Name: "Pelaku Kanari"}); err != nil {
			t.Fatal(err)
		}
		got, err := cases.FindCase(ctx, sup, c.ID)
		if err != nil || len(got.Victims) != 1 || len(got.Perpetrators) != 1 {
			t.Fatalf("record: %v", err)
		}
		v := got.Victims[0]
		if v.Name != "Anak Kanari" || v.AgeGroup != "13-17" || !v.Child() || v.Accommodation != "juru bahasa isyarat" || got.Perpetrators[0].Name != "Pelaku Kanari" || got.Perpetrators[0].VictimID != v.ID {
			t.Fatalf("decrypted record: %+v %+v", v, got.Perpetrators)
		}
		if got.PerpetratorChild {
			t.Fatal("an adult perpetrator marked the case as having a child perpetrator")
		}
		cases.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: v.ID, Sex: "Laki-laki", AgeGroup: "0-17", Relationship: "Tetangga"})
		if got, _ = cases.FindCase(ctx, sup, c.ID); !got.PerpetratorChild {
			t.Fatal("a child perpetrator did not mark the case")
		}
	})
}
