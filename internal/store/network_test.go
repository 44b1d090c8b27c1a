package store_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// partner creates a Mitra user of an agency.
func partner(t *testing.T, s *store.Store, name, agencyID string) *spiker.Actor {
	t.Helper()
	return createStaff(t, s, &spiker.User{Username: name, Roles: []spiker.Role{spiker.RoleMitra}, RegionCode: "35.24", AgencyID: agencyID})
}

// networkCase opens a case with a recorded victim and perpetrator whose
// names, NIK and story are canaries.
func networkCase(t *testing.T, s *store.Store, officer, sup *spiker.Actor) (*spiker.Case, *spiker.Report) {
	t.Helper()
	ctx := context.Background()
	reports, cases := store.ReportService{Store: s}, store.CaseService{Store: s}
	r := sampleReport()
	if _, err := reports.CreateReport(ctx, r, ""); err != nil {
		t.Fatal(err)
	}
	c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "Ringkasan Kanari Rahasia"}}
	if err := cases.OpenCase(ctx, officer, c); err != nil {
		t.Fatal(err)
	}
	v := &spiker.CaseVictim{Sex: "Perempuan", Age: 31, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Consent: spiker.ConsentByVictim,
		Name: "Korban Kanari", NIK: "3524010101010099", Disability: true, DisabilityTypes: []string{"Fisik"}, Accommodation: "kursi roda", IncidentDate: "2026-11-20", KDRT: true}
	if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
		t.Fatal(err)
	}
	if err := cases.AddPerpetrator(ctx, sup, c.ID, &spiker.CasePerpetrator{VictimID: v.ID, Sex: "Laki-laki", AgeGroup: "25-59", Relationship: "Suami/Istri", Name: "Pelaku Kanari"}); err != nil {
		t.Fatal(err)
	}
	return c, r
}

func TestReferralLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		net, cases := store.NetworkService{Store: s}, store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		c, _ := networkCase(t, s, officer, sup)
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}

		rsud := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}, Contact: "IGD 0322-321718"}
		wantCode(t, net.SaveAgency(ctx, manager, rsud), spiker.EFORBIDDEN, "a manager adding an agency")
		if err := net.SaveAgency(ctx, admin, rsud); err != nil {
			t.Fatal(err)
		}
		polres := &spiker.Agency{Name: "Unit PPA Polres Lamongan", Type: "Unit PPA Polres", RegionCode: "35.24", Services: []string{"Penegakan Hukum"}}
		if err := net.SaveAgency(ctx, admin, polres); err != nil {
			t.Fatal(err)
		}
		wantCode(t, net.SaveAgency(ctx, admin, &spiker.Agency{Name: "X", Type: "Bengkel", RegionCode: "35.24"}), spiker.EINVALID, "a bad agency")
		early := &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan", DueDate: time.Now().Add(48 * time.Hour).Format(time.DateOnly),
			Needs: "visum", Consent: spiker.ConsentByVictim}
		if _, err := net.CreateReferral(ctx, manager, early); spiker.ErrorFields(err)["agency"] != "referral.err.agency_no_user" {
			t.Fatalf("a referral to an agency whose key still waits under the bootstrap key: %v", err)
		}
		doctor := partner(t, s, "dokter.rsud", rsud.ID)
		nurse := partner(t, s, "perawat.rsud", rsud.ID)
		police := partner(t, s, "penyidik.polres", polres.ID)

		today := time.Now().UTC().Add(7 * time.Hour).Format(time.DateOnly)
		q := &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan", DueDate: today,
			Fields: spiker.PacketDefaults["Kesehatan"], Needs: "Visum et repertum dan perawatan luka", Consent: spiker.ConsentByVictim}
		wantCode(t, func() error { _, err := net.CreateReferral(ctx, doctor, q); return err }(), spiker.EFORBIDDEN, "a partner referring")
		bad := *q
		bad.Consent, bad.DueDate = "", "2020-01-01"
		_, err := net.CreateReferral(ctx, manager, &bad)
		if f := spiker.ErrorFields(err); f["consent"] == "" || f["due_date"] == "" {
			t.Fatalf("a referral without consent and with a past due date: %v", err)
		}
		ref, err := net.CreateReferral(ctx, manager, q)
		if err != nil {
			t.Fatal(err)
		}

		// Past its due date, it surfaces to the case's team and the
		// region's supervisor, not to others.
		now := s.DB.Now
		s.DB.Now = func() time.Time { return now().Add(48 * time.Hour) }
		if late, err := net.FindReferrals(ctx, manager, spiker.ReferralFilter{Overdue: true}); err != nil || len(late) != 1 || late[0].ID != ref.ID || late[0].CaseNumber != c.Number {
			t.Fatalf("overdue referrals for the case manager: %v %+v", err, late)
		}
		if late, _ := net.FindReferrals(ctx, sup, spiker.ReferralFilter{Overdue: true}); len(late) != 1 {
			t.Fatalf("overdue referrals for the supervisor: %+v", late)
		}
		if late, _ := net.FindReferrals(ctx, staff(t, s, "manajer.lain", spiker.RoleManajerKasus), spiker.ReferralFilter{Overdue: true}); len(late) != 0 {
			t.Fatalf("another manager sees overdue referrals: %+v", late)
		}
		s.DB.Now = now
		if late, _ := net.FindReferrals(ctx, manager, spiker.ReferralFilter{Overdue: true}); len(late) != 0 {
			t.Fatalf("a referral due today is overdue already: %+v", late)
		}

		// The agency's list and the packet: exactly the selected fields.
		list, err := net.FindReferrals(ctx, doctor, spiker.ReferralFilter{Agency: true})
		if err != nil || len(list) != 1 || list[0].ID != ref.ID || list[0].Packet != nil {
			t.Fatalf("agency list: %v %+v", err, list)
		}
		if l, _ := net.FindReferrals(ctx, police, spiker.ReferralFilter{Agency: true}); len(l) != 0 {
			t.Fatalf("another agency sees %d referrals", len(l))
		}
		got, err := net.Referral(ctx, doctor, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		text := packetText(got.Packet)
		for _, want := range []string{"Korban Kanari", "31 tahun", "Perempuan", "kursi roda", "Visum et repertum"} {
			if !strings.Contains(text, want) {
				t.Errorf("the packet lacks %q: %s", want, text)
			}
		}
		for _, never := range []string{"Pelaku Kanari", "3524010101010099", "Ringkasan Kanari", "Suami/Istri", "Siti Aminah", "Melati"} {
			if strings.Contains(text, never) {
				t.Errorf("the packet carries %q, which was not selected: %s", never, text)
			}
		}
		// The partner cannot reach the case, its reports, or another
		// agency's referral; a colleague waits for the agency key.
		wantCode(t, func() error { _, err := cases.FindCase(ctx, doctor, c.ID); return err }(), spiker.EFORBIDDEN, "a partner opening the case")
		wantCode(t, func() error { _, err := net.Referral(ctx, police, ref.ID); return err }(), spiker.EFORBIDDEN, "another agency opening the referral")
		wantCode(t, func() error { _, err := net.Referral(ctx, nurse, ref.ID); return err }(), spiker.EFORBIDDEN, "a colleague not yet given the key")
		wantCode(t, func() error { _, err := net.Referral(ctx, doctor, "aaaaaaaaaaaaaaaaaaaaaaaaaa"); return err }(), spiker.ENOTFOUND, "a guessed id")
		// A colleague who has not enrolled yet has no key to be given.
		pending := &spiker.User{Username: "bidan.rsud", Roles: []spiker.Role{spiker.RoleMitra}, RegionCode: "35.24", AgencyID: rsud.ID}
		if _, err := (store.UserService{Store: s}).AddUser(ctx, admin, pending); err != nil {
			t.Fatal(err)
		}
		wantCode(t, net.AdmitColleague(ctx, doctor, pending.ID), spiker.ENOTFOUND, "admitting a colleague before their enrolment")
		waiting, err := net.AgencyColleagues(ctx, doctor)
		if err != nil || len(waiting) != 1 || waiting[0].ID != nurse.UserID {
			t.Fatalf("waiting colleagues: %v %+v", err, waiting)
		}
		wantCode(t, net.AdmitColleague(ctx, doctor, police.UserID), spiker.EINVALID, "admitting another agency's user")
		if err := net.AdmitColleague(ctx, doctor, nurse.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := net.Referral(ctx, nurse, ref.ID); err != nil {
			t.Fatalf("an admitted colleague: %v", err)
		}

		// Accept, record the service, complete: the case shows the service.
		wantCode(t, net.CompleteReferral(ctx, doctor, ref.ID, today, "Visum selesai", nil), spiker.ECONFLICT, "completing before accepting")
		wantCode(t, net.RespondReferral(ctx, police, ref.ID, true, ""), spiker.EFORBIDDEN, "another agency accepting")
		wantCode(t, net.RespondReferral(ctx, manager, ref.ID, true, ""), spiker.EFORBIDDEN, "the manager accepting for the agency")
		if err := net.RespondReferral(ctx, doctor, ref.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		err = net.CompleteReferral(ctx, doctor, ref.ID, "2099-01-01", "", nil)
		if f := spiker.ErrorFields(err); f["service_date"] == "" || f["outcome"] == "" {
			t.Fatalf("a future service date and no outcome: %v", err)
		}
		// A result file that is too large or empty fails the completion as
		// a whole: nothing of it is stored.
		tooLarge := &spiker.Upload{Name: "visum.pdf", Kind: "application/pdf", Size: spiker.MaxFileSize + 1,
			Open: func() io.Reader { return bytes.NewReader(make([]byte, spiker.MaxFileSize+1)) }}
		for _, bad := range []*spiker.Upload{tooLarge, {Name: "kosong.pdf", Kind: "application/pdf"}} {
			err := net.CompleteReferral(ctx, doctor, ref.ID, today, "Visum dilakukan, luka dirawat.", bad)
			if spiker.ErrorFields(err)["result"] != "report.err.file_size" {
				t.Fatalf("a bad result file (%d bytes): %v", bad.Len(), err)
			}
		}
		if files, err := cases.CaseFiles(ctx, manager, c.ID); err != nil || len(files) != 0 {
			t.Fatalf("a failed completion stored files: %+v %v", files, err)
		}
		if got, _ := net.Referral(ctx, doctor, ref.ID); got.Status != spiker.ReferralAccepted || got.Outcome != "" || got.Result != nil {
			t.Fatalf("a failed completion changed the referral: %+v", got)
		}
		visum := &spiker.Upload{Name: "visum et repertum.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 hasil visum")}
		if err := net.CompleteReferral(ctx, doctor, ref.ID, today, "Visum dilakukan, luka dirawat.", visum); err != nil {
			t.Fatal(err)
		}
		mine, err := net.FindReferrals(ctx, manager, spiker.ReferralFilter{CaseID: c.ID})
		if err != nil || len(mine) != 1 || mine[0].Status != spiker.ReferralDone || mine[0].Outcome != "Visum dilakukan, luka dirawat." || mine[0].ServiceDate != today ||
			mine[0].Result == nil || mine[0].Result.Name != "visum et repertum.pdf" {
			t.Fatalf("case referrals: %v %+v", err, mine)
		}
		// The result is a file of the case, linked to the referral, that the
		// team opens; the partner sees its name but cannot open the case's files.
		files, err := cases.CaseFiles(ctx, manager, c.ID)
		if err != nil || len(files) != 1 || files[0].ReferralID != ref.ID || files[0].Name != "visum et repertum.pdf" || files[0].ID != mine[0].Result.ID {
			t.Fatalf("case files: %+v %v", files, err)
		}
		var content bytes.Buffer
		if _, err := cases.ReadCaseFile(ctx, manager, c.ID, files[0].ID, &content); err != nil || content.String() != "%PDF-1.4 hasil visum" {
			t.Fatalf("the team reads the result: %q %v", content.String(), err)
		}
		if got, err := net.Referral(ctx, doctor, ref.ID); err != nil || got.Result == nil || got.Result.Name != "visum et repertum.pdf" {
			t.Fatalf("the partner's view of the result: %+v %v", got, err)
		}
		if _, err := cases.ReadCaseFile(ctx, doctor, c.ID, files[0].ID, &bytes.Buffer{}); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("the partner opens the case's file: %v", err)
		}
		full, _ := cases.FindCase(ctx, manager, c.ID)
		delivered := false
		for _, e := range full.Entries {
			delivered = delivered || e.Kind == "layanan" && e.Category == "Kesehatan" && e.ReferralID == ref.ID
		}
		if !delivered {
			t.Fatalf("the completed referral is not a delivered service on the case: %+v", full.Entries)
		}

		// Decline with a reason; withdraw.
		q2 := *q
		q2.AgencyID, q2.Service, q2.Fields = polres.ID, "Penegakan Hukum", spiker.PacketDefaults["Penegakan Hukum"]
		ref2, err := net.CreateReferral(ctx, manager, &q2)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, net.RespondReferral(ctx, police, ref2.ID, false, ""), spiker.EINVALID, "declining without a reason")
		if err := net.RespondReferral(ctx, police, ref2.ID, false, "Bukan wilayah hukum kami"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, net.WithdrawReferral(ctx, manager, ref2.ID, "tidak perlu lagi"), spiker.ECONFLICT, "withdrawing a declined referral")
		ref3, err := net.CreateReferral(ctx, manager, &q2)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, net.WithdrawReferral(ctx, police, ref3.ID, "tidak perlu lagi"), spiker.EFORBIDDEN, "a partner withdrawing")
		if err := net.WithdrawReferral(ctx, manager, ref3.ID, "Korban memilih melapor sendiri"); err != nil {
			t.Fatal(err)
		}
		got3, err := net.Referral(ctx, police, ref3.ID)
		if err != nil || got3.Status != spiker.ReferralWithdrawn || got3.Response != "Korban memilih melapor sendiri" {
			t.Fatalf("withdrawn referral as the partner sees it: %v %+v", err, got3)
		}

		// Transfer: only a supervisor; the case is closed with it.
		tq := &spiker.ReferralRequest{CaseID: c.ID, Destination: "UPTD PPA Provinsi Jawa Timur", Fields: []string{spiker.PacketVictimName},
			Needs: "Kewenangan provinsi: korban dan pelaku lintas kabupaten.", Consent: spiker.ConsentByVictim}
		wantCode(t, func() error { _, err := net.TransferCase(ctx, manager, tq); return err }(), spiker.EFORBIDDEN, "a manager transferring")
		tr, err := net.TransferCase(ctx, sup, tq)
		if err != nil || tr.Status != spiker.ReferralTransfer {
			t.Fatalf("transfer: %v %+v", err, tr)
		}
		if after, _ := cases.FindCase(ctx, sup, c.ID); after.Status != spiker.CaseClosed {
			t.Fatalf("the transferred case is %q", after.Status)
		}
		wantCode(t, func() error { _, err := net.CreateReferral(ctx, manager, q); return err }(), spiker.ECONFLICT, "referring from a closed case")
	})
}

func packetText(p []spiker.PacketItem) string {
	var b strings.Builder
	for _, it := range p {
		b.WriteString(it.Field + "=" + it.Value + "\n")
	}
	return b.String()
}

func TestVisitsAndMeetings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		net, cases, reports := store.NetworkService{Store: s}, store.CaseService{Store: s}, store.ReportService{Store: s}
		follow := store.FollowupService{Store: s, Reports: reports}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		field := staffIn(t, s, "petugas.lapangan", "35.24.22", spiker.RolePetugasLapangan)
		other := staffIn(t, s, "petugas.lain", "35.24.01", spiker.RolePetugasLapangan)
		satgas := staffIn(t, s, "satgas.kec", "35.24.22", spiker.RoleSatgasKecamatan)
		satgasElsewhere := staffIn(t, s, "satgas.lain", "35.24.01", spiker.RoleSatgasKecamatan)
		fokal := staffIn(t, s, "fokal.desa", "35.24.22.2001", spiker.RoleFokalDesa)

		// The reporter asks to meet, on follow-up.
		r := sampleReport()
		receipt, err := reports.CreateReport(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		token, err := follow.StartFollowup(ctx, receipt, "client")
		if err != nil {
			t.Fatal(err)
		}
		if err := follow.AddMessage(ctx, token, spiker.MessageMeeting, "Di warung Bu Kanari, Kamis jam 10"); err != nil {
			t.Fatal(err)
		}
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		reqs, err := net.MeetingRequests(ctx, manager, c.ID)
		if err != nil || len(reqs) != 1 || reqs[0].Body != "Di warung Bu Kanari, Kamis jam 10" || reqs[0].ReportID != r.ID {
			t.Fatalf("meeting requests reaching the case manager: %v %+v", err, reqs)
		}

		at := time.Now().Add(48 * time.Hour).Truncate(time.Minute).UTC()
		v := &spiker.Visit{CaseID: c.ID, Kind: spiker.VisitMeeting, At: at, PlaceKind: "tempat_aman", RegionCode: "35.24.22.2001",
			Team: []int64{field.UserID, manager.UserID}, ReportID: r.ID, ReporterStatus: spiker.ReporterConfirmed,
			Details: spiker.VisitDetails{Place: "Warung Bu Kanari", AskFor: "Ibu berkerudung biru", SafetyNotes: "Suami pulang jam 12", Accommodation: "-"}}
		wantCode(t, net.ScheduleVisit(ctx, field, v), spiker.EFORBIDDEN, "a field officer scheduling")
		badTeam := *v
		badTeam.Team = []int64{fokal.UserID}
		wantCode(t, net.ScheduleVisit(ctx, manager, &badTeam), spiker.EINVALID, "a Fokal Desa on a visit team")
		if err := net.ScheduleVisit(ctx, manager, v); err != nil {
			t.Fatal(err)
		}

		// The reporter sees the confirmed meeting, without names.
		f, err := follow.Followup(ctx, token)
		if err != nil || len(f.Meetings) != 1 || !f.Meetings[0].At.Equal(at) || f.Meetings[0].Status != spiker.ReporterConfirmed || f.Meetings[0].PlaceKind != "tempat_aman" {
			t.Fatalf("follow-up meetings: %v %+v", err, f)
		}

		// The field officer's list and visit: only what the visit needs.
		mine, err := net.FindVisits(ctx, field, spiker.VisitFilter{})
		if err != nil || len(mine) != 1 || mine[0].Details.Place != "" {
			t.Fatalf("field officer's list: %v %+v", err, mine)
		}
		got, err := net.Visit(ctx, field, v.ID)
		if err != nil || got.Details.AskFor != "Ibu berkerudung biru" || got.Details.SafetyNotes != "Suami pulang jam 12" {
			t.Fatalf("field officer's visit: %v %+v", err, got)
		}
		wantCode(t, func() error { _, err := cases.FindCase(ctx, field, c.ID); return err }(), spiker.EFORBIDDEN, "the field officer opening the case")
		wantCode(t, func() error { _, err := net.Visit(ctx, other, v.ID); return err }(), spiker.EFORBIDDEN, "another officer opening the visit")
		wantCode(t, func() error { _, err := net.Visit(ctx, satgas, v.ID); return err }(), spiker.EFORBIDDEN, "the satgas opening a visit they are not on")
		if l, _ := net.FindVisits(ctx, other, spiker.VisitFilter{}); len(l) != 0 {
			t.Fatalf("another officer lists %d visits", len(l))
		}
		if l, _ := net.FindVisits(ctx, satgas, spiker.VisitFilter{}); len(l) != 1 {
			t.Fatalf("the kecamatan's satgas lists %d visits, want 1", len(l))
		}
		if l, _ := net.FindVisits(ctx, satgasElsewhere, spiker.VisitFilter{}); len(l) != 0 {
			t.Fatalf("another kecamatan's satgas lists %d visits", len(l))
		}

		// The outcome, from the officer; the case team reads it.
		err = net.RecordOutcome(ctx, field, v.ID, spiker.OutcomeMet, spiker.VisitResult{})
		if spiker.ErrorFields(err)["findings"] == "" {
			t.Fatalf("met without findings: %v", err)
		}
		if err := net.RecordOutcome(ctx, field, v.ID, spiker.OutcomeMet, spiker.VisitResult{Findings: "Korban aman, butuh visum", NextStep: "Rujuk ke RSUD"}); err != nil {
			t.Fatal(err)
		}
		all, err := net.FindVisits(ctx, manager, spiker.VisitFilter{CaseID: c.ID})
		if err != nil || len(all) != 1 || all[0].Outcome != spiker.OutcomeMet || all[0].Result.Findings != "Korban aman, butuh visum" || all[0].Details.Place != "Warung Bu Kanari" {
			t.Fatalf("case visits: %v %+v", err, all)
		}
		if f, _ := follow.Followup(ctx, token); len(f.Meetings) != 0 {
			t.Fatalf("a finished meeting still shows to the reporter: %+v", f.Meetings)
		}

		// A Fokal Desa files a walk-in report and sees its status only.
		walkin := sampleReport()
		walkin.Channel = spiker.ChannelLangsung
		rc, err := reports.FileReport(ctx, fokal, walkin, "")
		if err != nil || len(rc) != 16 {
			t.Fatalf("walk-in: %v %q", err, rc)
		}
		web := sampleReport()
		wantCode(t, func() error { _, err := reports.FileReport(ctx, fokal, web, ""); return err }(), spiker.EINVALID, "a walk-in on the web channel")
		wantCode(t, func() error { _, err := reports.FileReport(ctx, field, walkin, ""); return err }(), spiker.EFORBIDDEN, "a field officer filing")
		filed, err := reports.FiledReports(ctx, fokal)
		if err != nil || len(filed) != 1 || filed[0].ID != walkin.ID || filed[0].Status != spiker.ReportNew || filed[0].Channel != spiker.ChannelLangsung {
			t.Fatalf("filed reports: %v %+v", err, filed)
		}
		wantCode(t, func() error { _, err := reports.FindReport(ctx, fokal, walkin.ID); return err }(), spiker.EFORBIDDEN, "the Fokal Desa reading the report")
	})
}

func staffIn(t *testing.T, s *store.Store, name, region string, roles ...spiker.Role) *spiker.Actor {
	t.Helper()
	return createStaff(t, s, &spiker.User{Username: name, Roles: roles, RegionCode: region})
}
