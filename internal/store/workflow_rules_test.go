package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestWorkflowRules: the standard's rules hold in the store, whoever asks
// (both databases): steps in order unless a reason is given (and kept,
// sealed, on the case); sexual violence recorded on a victim makes the case
// TPKS; only a supervisor clears the mark, with a reason; a TPKS case
// closes only with its police report, or with an exception asked for with
// a reason and approved explicitly.
func TestWorkflowRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		cases := store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		c := openSampleCase(t, s, officer)
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		field := func(err error, name, key, what string) {
			t.Helper()
			if got := spiker.ErrorFields(err)[name]; got != key {
				t.Fatalf("%s: %v (fields %v), want %s=%s", what, err, spiker.ErrorFields(err), name, key)
			}
		}
		step := func() string {
			t.Helper()
			got, err := cases.FindCase(ctx, manager, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Step
		}

		// Steps: one forward at a time; a skip or a step back needs a reason.
		field(cases.SetStep(ctx, manager, c.ID, "rencana intervensi", ""), "step_reason", "case.err.step_reason", "a skip without a reason")
		field(cases.SetStep(ctx, manager, c.ID, "identifikasi", ""), "step", "case.err.same_step", "the same step")
		field(cases.SetStep(ctx, manager, c.ID, "terminasi", "selesai"), "step", "staff.err.step", "terminasi without approval")
		if err := cases.SetStep(ctx, manager, c.ID, "asesmen", ""); err != nil {
			t.Fatalf("the next step: %v", err)
		}
		field(cases.SetStep(ctx, manager, c.ID, "identifikasi", ""), "step_reason", "case.err.step_reason", "a step back without a reason")
		if err := cases.SetStep(ctx, manager, c.ID, "pelaksanaan", "Rencana disusun bersama RSUD saat visum."); err != nil {
			t.Fatalf("a skip with a reason: %v", err)
		}
		if st := step(); st != "pelaksanaan" {
			t.Fatalf("step %q", st)
		}
		got, _ := cases.FindCase(ctx, manager, c.ID)
		if !entryWith(got, "Rencana disusun bersama RSUD saat visum.") {
			t.Fatal("the reason for the skip is not on the case")
		}

		// A victim record with sexual violence makes the case TPKS.
		v := &spiker.CaseVictim{Sex: "Perempuan", Age: 24, ViolenceTypes: []string{"Seksual"}, SexualForms: []string{"Pelecehan seksual fisik"},
			Place: "Rumah Tangga", Education: "SLTA", Occupation: "Ibu Rumah Tangga", Marital: "Kawin Tercatat", Consent: spiker.ConsentByVictim}
		if err := cases.AddVictim(ctx, manager, c.ID, v); err != nil {
			t.Fatalf("%v %v", err, spiker.ErrorFields(err))
		}
		got, _ = cases.FindCase(ctx, manager, c.ID)
		if police, running := got.PoliceReportDeadline(spiker.DefaultTimeLimits); !got.TPKS || !running || police.Done {
			t.Fatalf("after a victim with sexual violence: tpks=%v clock running=%v", got.TPKS, running)
		}
		// Only a supervisor clears it, with a reason.
		wantCode(t, cases.SetTPKS(ctx, manager, c.ID, false, false, "salah catat"), spiker.EFORBIDDEN, "a manager clearing TPKS")
		field(cases.SetTPKS(ctx, sup, c.ID, false, false, " "), "tpks_reason", "case.err.tpks_reason", "clearing without a reason")
		if err := cases.SetTPKS(ctx, sup, c.ID, false, false, "Bentuk kekerasan salah pilih; diperbaiki di catatan korban."); err != nil {
			t.Fatalf("a supervisor clearing TPKS with a reason: %v", err)
		}
		got, _ = cases.FindCase(ctx, manager, c.ID)
		if got.TPKS || !entryWith(got, "Bentuk kekerasan salah pilih") {
			t.Fatalf("after clearing: tpks=%v", got.TPKS)
		}
		if err := cases.SetTPKS(ctx, manager, c.ID, true, false, ""); err != nil {
			t.Fatalf("the team raising TPKS again: %v", err)
		}

		// Closure of a TPKS case with no police report.
		field(cases.RequestClosure(ctx, manager, c.ID, "layanan selesai", ""), "police_exception", "case.err.police_exception", "closing TPKS without a police report")
		if err := cases.RequestClosure(ctx, manager, c.ID, "layanan selesai", "Korban dewasa menolak melapor setelah diberi penjelasan lengkap."); err != nil {
			t.Fatalf("closure with an exception: %v", err)
		}
		field(cases.ApproveClosure(ctx, sup, c.ID, "ok", false), "approve_exception", "case.err.approve_exception", "approval without approving the exception")
		if err := cases.ApproveClosure(ctx, sup, c.ID, "ok", true); err != nil {
			t.Fatalf("approval with the exception: %v", err)
		}
		got, _ = cases.FindCase(ctx, sup, c.ID)
		if got.Status != spiker.CaseClosed || !entryWith(got, "Korban dewasa menolak melapor") || !entryWith(got, "Pengecualian laporan polisi disetujui") {
			t.Fatalf("closed: %s", got.Status)
		}

		// With the police report recorded, no exception is asked for.
		// (Four eyes on closure: TestApprovalByRequesterRefused.)
		if err := cases.Reopen(ctx, sup, c.ID, "korban kembali"); err != nil {
			t.Fatal(err)
		}
		if err := cases.RecordPoliceReport(ctx, manager, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := cases.RequestClosure(ctx, manager, c.ID, "selesai", ""); err != nil {
			t.Fatalf("closure with the police report: %v", err)
		}
		if err := cases.ApproveClosure(ctx, sup, c.ID, "disetujui", false); err != nil {
			t.Fatalf("approval with the police report: %v", err)
		}
	})
}

// openSampleCase files a sample report and opens a case from it in kecamatan
// 35.24.22, as officer.
func openSampleCase(t *testing.T, s *store.Store, officer *spiker.Actor) *spiker.Case {
	t.Helper()
	ctx := context.Background()
	r := sampleReport()
	if _, err := (store.ReportService{Store: s}).CreateReport(ctx, r, ""); err != nil {
		t.Fatal(err)
	}
	c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}
	if err := (store.CaseService{Store: s}).OpenCase(ctx, officer, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func entryWith(c *spiker.Case, text string) bool {
	for _, e := range c.Entries {
		if strings.Contains(e.Body, text) {
			return true
		}
	}
	return false
}
