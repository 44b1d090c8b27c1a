package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// auditSince returns the actions logged after seq on cases, oldest first;
// the entries on other records must be the listings of report files.
func auditSince(t *testing.T, s *store.Store, seq int64) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action, record_kind FROM audit_log WHERE seq > $1 ORDER BY seq`, seq)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, kind string
			if err := rows.Scan(&a, &kind); err != nil {
				return err
			}
			if kind == "case" {
				out = append(out, a)
			} else if a != "report.files_read" {
				t.Errorf("a case view logged %s on a %s", a, kind)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func auditHead(t *testing.T, s *store.Store) int64 {
	t.Helper()
	var seq int64
	if err := s.DB.Get(context.Background(), `SELECT seq FROM audit_head WHERE id = 1`, nil, &seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// The case page is one read: one audit entry (a reveal one more), and the
// same parts as the separate reads return.
func TestCaseView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		net, cases, reports := store.NetworkService{Store: s}, store.CaseService{Store: s}, store.ReportService{Store: s}
		audit := store.AuditService{Store: s}
		follow := store.FollowupService{Store: s, Reports: reports}
		officer := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		sup := staff(t, s, "kepala.uptd", spiker.RoleSupervisor)
		manager := staff(t, s, "manajer.satu", spiker.RoleManajerKasus)
		admin := staff(t, s, "admin.it", spiker.RoleAdmin)
		outsider := staff(t, s, "manajer.lain", spiker.RoleManajerKasus)
		field := staffIn(t, s, "petugas.lapangan", "35.24.22", spiker.RolePetugasLapangan)

		// A case with a bit of everything the page shows.
		r := sampleReport()
		r.Files = []spiker.Upload{{Name: "foto-luka.jpg", Kind: "image/jpeg", Data: []byte{0xFF, 0xD8, 0xFF, 0xE0}}}
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
		c := &spiker.Case{RegionCode: "35.24.22", ReportIDs: []string{r.ID}, Content: spiker.CaseContent{Summary: "Ringkasan Kanari"}}
		if err := cases.OpenCase(ctx, officer, c); err != nil {
			t.Fatal(err)
		}
		if err := cases.Assign(ctx, sup, c.ID, manager.UserID); err != nil {
			t.Fatal(err)
		}
		v := &spiker.CaseVictim{Sex: "Perempuan", Age: 31, ViolenceTypes: []string{"Fisik"}, Place: "Rumah Tangga", Consent: spiker.ConsentByVictim,
			Name: "Korban Kanari", NIK: "3524010101010099", IncidentDate: "2026-11-20"}
		if err := cases.AddVictim(ctx, sup, c.ID, v); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddCaseFiles(ctx, manager, c.ID, []spiker.Upload{{Name: "visum-kanari.pdf", Kind: "application/pdf", Data: []byte("%PDF-1.4 isi")}}); err != nil {
			t.Fatal(err)
		}
		rsud := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
		if err := net.SaveAgency(ctx, admin, rsud); err != nil {
			t.Fatal(err)
		}
		partner(t, s, "dokter.rsud", rsud.ID)
		today := time.Now().UTC().Add(7 * time.Hour).Format(time.DateOnly)
		if _, err := net.CreateReferral(ctx, manager, &spiker.ReferralRequest{CaseID: c.ID, AgencyID: rsud.ID, Service: "Kesehatan", DueDate: today,
			Fields: spiker.PacketDefaults["Kesehatan"], Needs: "Visum", Consent: spiker.ConsentByVictim}); err != nil {
			t.Fatal(err)
		}
		visit := &spiker.Visit{CaseID: c.ID, Kind: spiker.VisitMeeting, At: time.Now().Add(48 * time.Hour).Truncate(time.Minute).UTC(), PlaceKind: "tempat_aman",
			RegionCode: "35.24.22.2001", Team: []int64{field.UserID, manager.UserID}, ReportID: r.ID, ReporterStatus: spiker.ReporterConfirmed,
			Details: spiker.VisitDetails{Place: "Warung Bu Kanari", AskFor: "Ibu berkerudung biru"}}
		if err := net.ScheduleVisit(ctx, manager, visit); err != nil {
			t.Fatal(err)
		}

		// One view, one entry; the supervisor's includes the access log.
		for _, a := range []*spiker.Actor{manager, sup} {
			before := auditHead(t, s)
			view, err := cases.CaseView(ctx, a, c.ID, false)
			if err != nil {
				t.Fatalf("%s: %v", a.Username, err)
			}
			if got := auditSince(t, s, before); !reflect.DeepEqual(got, []string{"case.view"}) {
				t.Fatalf("%s: a case view logged %q, want one case.view", a.Username, got)
			}
			if len(view.Files) != 1 || len(view.ReportFiles[r.ID]) != 1 || len(view.Referrals) != 1 || len(view.Visits) != 1 || len(view.Requests) != 1 || len(view.Team) != 2 {
				t.Fatalf("%s: the view misses parts: %+v", a.Username, view)
			}
			if view.Usernames[field.UserID] != "petugas.lapangan" || view.Usernames[manager.UserID] != "manajer.satu" {
				t.Fatalf("%s: visit officers' names: %v", a.Username, view.Usernames)
			}
			if (a == sup) != (view.Access != nil) || (a == sup) != (view.Eligible != nil) {
				t.Fatalf("%s: access log %d entries, eligible %d", a.Username, len(view.Access), len(view.Eligible))
			}
			if len(view.Officers) != 1 || view.Officers[0].ID != field.UserID {
				t.Fatalf("%s: field officers %+v", a.Username, view.Officers)
			}
		}

		// The parts equal the separate reads.
		access, err := audit.FindAudit(ctx, sup, spiker.AuditFilter{RecordKind: "case", RecordID: c.ID, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		view, err := cases.CaseView(ctx, sup, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		found, err := cases.FindCase(ctx, sup, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		files, err1 := cases.CaseFiles(ctx, sup, c.ID)
		refs, err2 := net.FindReferrals(ctx, sup, spiker.ReferralFilter{CaseID: c.ID})
		visits, err3 := net.FindVisits(ctx, sup, spiker.VisitFilter{CaseID: c.ID})
		reqs, err4 := net.MeetingRequests(ctx, sup, c.ID)
		team, err5 := cases.CaseTeam(ctx, sup, c.ID)
		eligible, err6 := cases.EligibleMembers(ctx, sup, c.ID)
		officers, err7 := net.FieldOfficers(ctx, sup, c.RegionCode)
		reporterFiles, _, err8 := reports.ReportFiles(ctx, sup, r.ID)
		for _, err := range []error{err1, err2, err3, err4, err5, err6, err7, err8} {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []struct {
			name      string
			got, want any
		}{
			{"case", view.Case, found}, {"files", view.Files, files}, {"referrals", view.Referrals, refs}, {"visits", view.Visits, visits},
			{"requests", view.Requests, reqs}, {"team", view.Team, team}, {"eligible", view.Eligible, eligible}, {"officers", view.Officers, officers},
			{"report files", view.ReportFiles, map[string][]spiker.Attachment{r.ID: reporterFiles}},
			// The view reads the log before its own entry: newest is the search.
			{"access log", view.Access[1:], access[:len(view.Access)-1]},
		} {
			if !reflect.DeepEqual(p.got, p.want) {
				t.Errorf("%s: the view has %+v, the separate read %+v", p.name, p.got, p.want)
			}
		}
		if view.Access[0].Action != "audit.read" {
			t.Errorf("the view's newest log entry is %q, want the search before it", view.Access[0].Action)
		}

		// A reveal is one entry more, its own, before the view's.
		before := auditHead(t, s)
		if _, err := cases.CaseView(ctx, manager, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := auditSince(t, s, before); !reflect.DeepEqual(got, []string{"case.reveal_identity", "case.view"}) {
			t.Fatalf("a reveal view logged %q", got)
		}

		// Someone off the case is refused, and nothing is logged as read.
		for _, a := range []*spiker.Actor{outsider, field} {
			before = auditHead(t, s)
			view, err := cases.CaseView(ctx, a, c.ID, true)
			wantCode(t, err, spiker.EFORBIDDEN, a.Username+" viewing the case")
			if view != nil {
				t.Fatalf("%s: a refusal returned %+v", a.Username, view)
			}
			if got := auditSince(t, s, before); !reflect.DeepEqual(got, []string{"case.view_denied"}) {
				t.Fatalf("%s: a refused view logged %q", a.Username, got)
			}
		}
		_, err = cases.CaseView(ctx, manager, "no-such-case", false)
		wantCode(t, err, spiker.ENOTFOUND, "a missing case")
	})
}
