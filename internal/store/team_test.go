package store_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	"github.com/spikerperak/spiker/internal/vault"
)

// opensWith reports whether k, or for a referral's or visit's content the
// record key in subs, opens a stored ciphertext.
func opensWith(k vault.DataKey, subs map[string]vault.DataKey, c store.SealedCell) bool {
	if c.Sub != "" {
		sk, ok := subs[c.Sub]
		if !ok {
			return false
		}
		k = sk
	}
	if c.Stream {
		_, err := vault.DecryptStream(&bytes.Buffer{}, bytes.NewReader(c.Value), k, c.Field)
		return err == nil
	}
	_, err := k.Open(c.Field, c.Value)
	return err == nil
}

// Removing a member re-keys the case: the removed member's saved key opens
// none of its ciphertexts afterwards (old content re-sealed, new content
// written after), and every kind of content still opens for the rest.
func TestRemoveMemberRekeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		if _, err := s.InitEscrow(ctx, []string{"a", "b", "c"}); err != nil {
			t.Fatal(err)
		}
		net, cases, reports := store.NetworkService{Store: s}, store.CaseService{Store: s}, store.ReportService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		pendamping := staff(t, s, "pendamping.satu", spiker.RolePendamping)
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		field := staff(t, s, "petugas.lapangan", spiker.RolePetugasLapangan)
		elsewhere := createStaff(t, s, &spiker.User{Username: "manajer.gresik", Roles: []spiker.Role{spiker.RoleManajerKasus}, RegionCode: "35.25"})
		c, r := networkCase(t, s, officer, sup)

		eligible, err := cases.EligibleMembers(ctx, sup, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range eligible {
			names = append(names, m.Username)
		}
		if !slices.Contains(names, "manajer.satu") || !slices.Contains(names, "pendamping.satu") ||
			slices.Contains(names, "manajer.gresik") || slices.Contains(names, "petugas.lapangan") || slices.Contains(names, "admin.it") {
			t.Fatalf("eligible colleagues: %v", names)
		}
		wantCode(t, cases.Assign(ctx, sup, c.ID, elsewhere.UserID), spiker.EINVALID, "a colleague of another regency")
		wantCode(t, cases.Assign(ctx, sup, c.ID, field.UserID), spiker.EINVALID, "a role that does not work cases")
		for _, a := range []*spiker.Actor{manager, pendamping} {
			if err := cases.Assign(ctx, sup, c.ID, a.UserID); err != nil {
				t.Fatal(err)
			}
		}
		if err := cases.SetManager(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.SetManager(ctx, sup, c.ID, field.UserID), spiker.EINVALID, "a manager off the team")
		wantCode(t, cases.SetManager(ctx, manager, c.ID, manager.UserID), spiker.EFORBIDDEN, "a manager naming themselves")

		// Every kind of content under the case key.
		if err := cases.AddEntry(ctx, manager, c.ID, &spiker.CaseEntry{Kind: "rencana", Category: "Kesehatan", DueDate: time.Now().Add(72 * time.Hour).Format(time.DateOnly), Body: "Rencana Kanari"}); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddCaseFiles(ctx, manager, c.ID, []spiker.Upload{{Name: "visum-kanari.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 isi kanari")}}); err != nil {
			t.Fatal(err)
		}
		rsud := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := net.SaveAgency(ctx, admin, rsud); err != nil {
			t.Fatal(err)
		}
		doctor := partner(t, s, "dokter.rsud", rsud.ID)
		ref, err := net.CreateReferral(ctx, manager, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan",
			DueDate: time.Now().Add(48 * time.Hour).Format(time.DateOnly), Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim})
		if err != nil {
			t.Fatal(err)
		}
		// A second referral the partner completed with a result file before
		// the removal: the file is sealed under that referral's own key.
		done, err := net.CreateReferral(ctx, manager, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan",
			DueDate: time.Now().Add(48 * time.Hour).Format(time.DateOnly), Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim})
		if err != nil {
			t.Fatal(err)
		}
		if err := net.RespondReferral(ctx, doctor, done.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if err := net.CompleteReferral(ctx, doctor, done.ID, time.Now().Format(time.DateOnly), "Visum pertama",
			&spiker.Upload{Name: "visum-pertama-kanari.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 hasil pertama kanari")}); err != nil {
			t.Fatal(err)
		}
		v := &spiker.Visit{CaseID: c.ID, Kind: spiker.VisitMeeting, At: time.Now().Add(48 * time.Hour).Truncate(time.Minute).UTC(), PlaceKind: "tempat_aman",
			RegionCode: "35.24.22.2001", Team: []int64{field.UserID}, ReportID: r.ID, ReporterStatus: spiker.ReporterConfirmed,
			Details: spiker.VisitDetails{Place: "Warung Bu Kanari", AskFor: "Ibu berkerudung biru", SafetyNotes: "-", Accommodation: "-"}}
		if err := net.ScheduleVisit(ctx, manager, v); err != nil {
			t.Fatal(err)
		}

		// Two corrections: their history is sealed under the case key too.
		for _, summary := range []string{"Ringkasan sementara", "Ringkasan Kanari Rahasia"} {
			if err := cases.CorrectSummary(ctx, manager, c.ID, summary, "salah ketik di ringkasan"); err != nil {
				t.Fatal(err)
			}
		}
		// The legal protections, a risk assessment and a safety plan.
		if err := cases.SaveRestitution(ctx, manager, c.ID, &spiker.Restitution{RequestedOn: "2026-11-20", AmountRequested: 5_000_000, Notes: "Restitusi kanari"}); err != nil {
			t.Fatal(err)
		}
		order := &spiker.ProtectionOrder{Kind: spiker.OrderRestriction, Issuer: "pengadilan", StartsOn: "2026-11-20", EndsOn: "2027-02-20", Status: spiker.OrderActive, Notes: "Perintah kanari"}
		if err := cases.SaveProtectionOrder(ctx, manager, c.ID, order); err != nil {
			t.Fatal(err)
		}
		answers := map[string]bool{}
		for _, q := range spiker.RiskQuestions {
			answers[q.ID] = q.ID == "cekik"
		}
		if err := cases.AssessRisk(ctx, manager, c.ID, &spiker.RiskAssessment{Answers: answers, Chosen: "tinggi"}); err != nil {
			t.Fatal(err)
		}
		if err := cases.SaveSafetyPlan(ctx, manager, c.ID, &spiker.SafetyPlan{SafePlace: "Rumah aman kanari", CodeWord: "payung kanari"}); err != nil {
			t.Fatal(err)
		}
		// A KSBE takedown item and a request (takedown.go).
		item := &spiker.Takedown{Platform: "x", URL: "https://kanari.example/v", Status: spiker.TakedownOpen}
		if err := cases.SaveTakedown(ctx, manager, c.ID, item); err != nil {
			t.Fatal(err)
		}
		if err := cases.SaveTakedownRequest(ctx, manager, c.ID, &spiker.TakedownRequest{TakedownID: item.ID, To: spiker.TakedownToPlatform,
			SentAt: time.Now().Add(-time.Hour), Reference: "TIKET-KANARI", Status: spiker.RequestSent}); err != nil {
			t.Fatal(err)
		}
		saved, err := store.CaseKeyOf(s, manager, c.ID) // the member keeps a copy
		if err != nil {
			t.Fatal(err)
		}
		savedSubs, err := store.SubKeys(s, c.ID, saved) // and of the referral's and visit's keys
		if err != nil || len(savedSubs) != 3 {
			t.Fatalf("sub-keys: %v %v", savedSubs, err)
		}
		before, _ := store.CaseSealedCells(s, c.ID)
		kinds := map[string]bool{}
		resultCells := 0
		for _, cell := range before {
			if cell.Field.Table == "case_files" && cell.Sub == done.ID {
				resultCells++
			}
			kinds[cell.Field.Table+"."+cell.Field.Column] = true
			if !opensWith(saved, savedSubs, cell) {
				t.Fatalf("%+v does not open with the case key before removal", cell.Field)
			}
		}
		if resultCells != 2 {
			t.Fatalf("the result file's name and content under its referral's key: %d cells", resultCells)
		}
		if len(kinds) < 19 {
			t.Fatalf("the fixture covers %d sealed columns: %v", len(kinds), kinds)
		}

		wantCode(t, cases.RemoveMember(ctx, manager, c.ID, pendamping.UserID, "bukan supervisor"), spiker.EFORBIDDEN, "a manager removing")
		wantCode(t, cases.RemoveMember(ctx, sup, c.ID, manager.UserID, ""), spiker.EINVALID, "removal without a reason")
		if err := cases.RemoveMember(ctx, sup, c.ID, manager.UserID, "dipindah ke kasus lain"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cases.RemoveMember(ctx, sup, c.ID, manager.UserID, "sekali lagi"), spiker.ENOTFOUND, "removing twice")
		if _, err := cases.FindCase(ctx, manager, c.ID); err == nil {
			t.Fatal("the removed member still opens the case")
		}
		if _, err := reports.FindReport(ctx, manager, r.ID); spiker.ErrorCode(err) != spiker.EFORBIDDEN {
			t.Fatalf("the removed member still opens the case's report: %v", err)
		}
		if _, err := store.CaseKeyOf(s, manager, c.ID); err == nil {
			t.Fatal("the removed member still holds a grant")
		}
		// Content written after the removal.
		if err := cases.AddEntry(ctx, pendamping, c.ID, &spiker.CaseEntry{Kind: "catatan", Category: "Catatan", Body: "Sesudah pencabutan"}); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddCaseFiles(ctx, pendamping, c.ID, []spiker.Upload{{Name: "baru.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 baru")}}); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddVictim(ctx, sup, c.ID, &spiker.CaseVictim{Sex: "Perempuan", Age: 9, ViolenceTypes: []string{"Psikis"}, Place: "Rumah Tangga",
			Consent: spiker.ConsentByGuardian, Name: "Anak Kanari", NIK: "3524010101010098", IncidentDate: "2026-11-20"}); err != nil {
			t.Fatal(err)
		}
		// The partner answers and the officer records the visit afterwards.
		if err := net.RespondReferral(ctx, doctor, ref.ID, true, "diterima, jadwal Senin"); err != nil {
			t.Fatal(err)
		}
		if err := net.CompleteReferral(ctx, doctor, ref.ID, time.Now().Format(time.DateOnly), "Hasil visum kanari",
			&spiker.Upload{Name: "visum-kedua-kanari.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 hasil kedua kanari")}); err != nil {
			t.Fatal(err)
		}
		after, _ := store.CaseSealedCells(s, c.ID)
		if len(after) <= len(before) {
			t.Fatalf("ciphertexts: %d before, %d after", len(before), len(after))
		}
		for _, cell := range after {
			kinds[cell.Field.Table+"."+cell.Field.Column] = true
			if opensWith(saved, savedSubs, cell) {
				t.Fatalf("the removed member's saved key opens %+v", cell.Field)
			}
		}
		if !kinds["referrals.response"] || !kinds["referrals.outcome"] {
			t.Fatalf("content written after the removal: %v", kinds)
		}
		newKey, err := store.CaseKeyOf(s, pendamping, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		newSubs, err := store.SubKeys(s, c.ID, newKey)
		if err != nil || len(newSubs) != 3 {
			t.Fatalf("new sub-keys: %v %v", newSubs, err)
		}
		for _, cell := range after {
			if !opensWith(newKey, newSubs, cell) {
				t.Fatalf("%+v does not open for the team after the re-key", cell.Field)
			}
		}

		// Every kind reads back through the services, for each remaining holder.
		for _, a := range []*spiker.Actor{officer, pendamping, sup} {
			got, err := cases.FindCase(ctx, a, c.ID)
			if err != nil {
				t.Fatalf("%s: %v", a.Username, err)
			}
			if got.Content.Summary != "Ringkasan Kanari Rahasia" || len(got.Victims) != 2 || got.Victims[0].Name != "Korban Kanari" ||
				got.Victims[0].NIK != "3524010101010099" || got.Victims[0].Accommodation != "kursi roda" || len(got.Perpetrators) != 1 ||
				got.Perpetrators[0].Name != "Pelaku Kanari" || len(got.Entries) < 2 || len(got.Corrections) != 2 {
				t.Fatalf("%s reads %+v", a.Username, got)
			}
			if len(got.Restitutions) != 1 || got.Restitutions[0].Notes != "Restitusi kanari" || len(got.ProtectionOrders) != 1 || got.ProtectionOrders[0].Notes != "Perintah kanari" ||
				len(got.RiskAssessments) != 1 || !got.RiskAssessments[0].Answers["cekik"] || got.Risk != "tinggi" ||
				len(got.SafetyPlans) != 1 || got.SafetyPlans[0].CodeWord != "payung kanari" {
				t.Fatalf("%s reads the protections %+v %+v %+v %+v", a.Username, got.Restitutions, got.ProtectionOrders, got.RiskAssessments, got.SafetyPlans)
			}
			files, err := cases.CaseFiles(ctx, a, c.ID)
			if err != nil || len(files) != 4 {
				t.Fatalf("%s files: %v %v", a.Username, files, err)
			}
			want := map[string]string{"visum-kanari.pdf": "%PDF-1.4 isi kanari", "baru.pdf": "%PDF-1.4 baru",
				"visum-pertama-kanari.pdf": "%PDF-1.4 hasil pertama kanari", "visum-kedua-kanari.pdf": "%PDF-1.4 hasil kedua kanari"}
			for _, f := range files {
				var buf bytes.Buffer
				if _, err := cases.ReadCaseFile(ctx, a, c.ID, f.ID, &buf); err != nil || buf.String() != want[f.Name] {
					t.Fatalf("%s file %s: %q %v", a.Username, f.Name, buf.String(), err)
				}
				if isResult := strings.Contains(f.Name, "pertama") || strings.Contains(f.Name, "kedua"); isResult != (f.ReferralID != "") {
					t.Fatalf("%s: file %s linked to referral %q", a.Username, f.Name, f.ReferralID)
				}
			}
			if got, err := net.Referral(ctx, a, ref.ID); err != nil || len(got.Packet) == 0 {
				t.Fatalf("%s referral: %+v %v", a.Username, got, err)
			}
		}
		for _, a := range []*spiker.Actor{sup, field} {
			if got, err := net.Visit(ctx, a, v.ID); err != nil || got.Details.Place != "Warung Bu Kanari" {
				t.Fatalf("%s: visit after the re-key: %+v %v", a.Username, got, err)
			}
		}
		if got, err := net.Referral(ctx, doctor, ref.ID); err != nil || len(got.Packet) == 0 || got.Outcome != "Hasil visum kanari" ||
			got.Result == nil || got.Result.Name != "visum-kedua-kanari.pdf" {
			t.Fatalf("the partner's referral after the re-key: %+v %v", got, err)
		}
		if got, err := net.Referral(ctx, doctor, done.ID); err != nil || got.Result == nil || got.Result.Name != "visum-pertama-kanari.pdf" {
			t.Fatalf("the partner's completed referral after the re-key: %+v %v", got, err)
		}
		team, err := cases.CaseTeam(ctx, sup, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range team {
			if m.UserID == manager.UserID || m.Manager {
				t.Fatalf("team after removal: %+v", team)
			}
		}
	})
}

// A break-glass approval never shortens a team member's lasting grant, and
// a case leaves the lists once a temporary grant has expired.
func TestBreakGlassKeepsTeamGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Now().UTC()}
		s.DB.Now = clk.Now
		cases, lists := store.CaseService{Store: s}, store.CaseService{Store: s}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		visitor := staff(t, s, "manajer.dua", spiker.RoleManajerKasus)
		c, _ := networkCase(t, s, officer, sup)
		reason := "Korban datang ke kantor malam ini, petugas kasus tidak bisa dihubungi."
		for _, a := range []*spiker.Actor{manager, visitor} {
			if err := cases.RequestBreakGlass(ctx, a, c.ID, reason); err != nil {
				t.Fatal(err)
			}
		}
		// The manager joins the team while their request waits.
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		reqs, err := cases.BreakGlassRequests(ctx, sup)
		if err != nil || len(reqs) != 2 {
			t.Fatalf("requests: %+v %v", reqs, err)
		}
		for _, q := range reqs {
			if err := cases.ApproveBreakGlass(ctx, sup, c.ID, q.ID); err != nil {
				t.Fatal(err)
			}
		}
		mine := func(a *spiker.Actor) int {
			items, err := lists.FindCases(ctx, a, spiker.CaseFilter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}
		if mine(visitor) != 1 || mine(manager) != 1 {
			t.Fatal("the case is not listed during the opening")
		}
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		net := store.NetworkService{Store: s}
		rsud := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := net.SaveAgency(ctx, admin, rsud); err != nil {
			t.Fatal(err)
		}
		partner(t, s, "dokter.rsud", rsud.ID)
		if _, err := net.CreateReferral(ctx, manager, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan",
			DueDate: clk.Now().In(spiker.TimeZone("")).Format(time.DateOnly), Fields: spiker.PacketDefaults["Kesehatan"], Needs: "visum", Consent: spiker.ConsentByVictim}); err != nil {
			t.Fatal(err)
		}
		clk.Add(48 * time.Hour)
		overdue := func(a *spiker.Actor) int {
			refs, err := net.FindReferrals(ctx, a, spiker.ReferralFilter{Overdue: true})
			if err != nil {
				t.Fatal(err)
			}
			return len(refs)
		}
		if n := overdue(visitor); n != 0 {
			t.Fatalf("an expired opening still lists %d overdue referrals", n)
		}
		if n := overdue(manager); n != 1 {
			t.Fatalf("the team member's overdue referrals: %d", n)
		}
		if _, err := cases.FindCase(ctx, manager, c.ID); err != nil {
			t.Fatalf("the team member's grant was shortened by a break-glass approval: %v", err)
		}
		if _, err := cases.FindCase(ctx, visitor, c.ID); err == nil {
			t.Fatal("the opening did not end")
		}
		if mine(visitor) != 0 || mine(manager) != 1 {
			t.Fatalf("lists after the opening: visitor %d, manager %d", mine(visitor), mine(manager))
		}
		team, err := cases.CaseTeam(ctx, sup, c.ID)
		if err != nil || len(team) != 2 {
			t.Fatalf("team after the opening: %+v %v", team, err)
		}

		// A second opening, now that the referral is overdue: every list of
		// the visitor's (all cases, "kasus saya", overdue referrals, the
		// case's referrals) holds the case until the program clock passes
		// the expiry, and drops it right after. An approval during an
		// opening extends it from then, never cutting it short.
		myOwn := func(a *spiker.Actor) int {
			items, err := lists.FindCases(ctx, a, spiker.CaseFilter{Mine: true, Status: spiker.CaseOpen, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}
		caseRefs := func(a *spiker.Actor) int {
			refs, err := net.FindReferrals(ctx, a, spiker.ReferralFilter{CaseID: c.ID})
			if err != nil {
				return 0
			}
			return len(refs)
		}
		approve := func() {
			t.Helper()
			if err := cases.RequestBreakGlass(ctx, visitor, c.ID, reason); err != nil {
				t.Fatal(err)
			}
			reqs, err := cases.BreakGlassRequests(ctx, sup)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range reqs {
				if q.Status == "diminta" {
					if err := cases.ApproveBreakGlass(ctx, sup, c.ID, q.ID); err != nil {
						t.Fatal(err)
					}
					return
				}
			}
			t.Fatal("no pending request")
		}
		listed := func(when string, want int) {
			t.Helper()
			if got := []int{mine(visitor), myOwn(visitor), overdue(visitor), caseRefs(visitor)}; !slices.Equal(got, []int{want, want, want, want}) {
				t.Fatalf("%s: the visitor's case list, kasus saya, overdue and case referrals: %v, want %d each", when, got, want)
			}
			if got := []int{mine(manager), myOwn(manager), overdue(manager), caseRefs(manager)}; !slices.Equal(got, []int{1, 1, 1, 1}) {
				t.Fatalf("%s: the team member's lists: %v", when, got)
			}
		}
		approve()
		listed("at the opening", 1)
		clk.Add(4 * time.Hour)
		approve() // extends the opening to 4h + BreakGlassOpen from the first
		clk.Add(store.BreakGlassOpen - time.Minute)
		listed("a minute before the extended opening ends", 1)
		clk.Add(2 * time.Minute)
		listed("a minute after it ended", 0)
	})
}
