package spiker_test

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

type intakeRegions struct{}

func (intakeRegions) Region(code string) (spiker.Region, error) {
	switch code {
	case "35.24.22", "35.24.22.2001":
		return spiker.Region{Code: code}, nil
	}
	return spiker.Region{}, spiker.Errorf(spiker.ENOTFOUND, "no region")
}
func (intakeRegions) Children(string) []spiker.Region            { return nil }
func (intakeRegions) Search(string, string, int) []spiker.Region { return nil }

// intakeStore records what reached the limits and the store.
type intakeStore struct {
	spiker.Reports // the methods intake does not call: nil, so a call would fail the test
	allowed        []string
	refuse         string // the action to refuse
	created        []*spiker.Report
	filedBy        []*spiker.Actor
}

func (s *intakeStore) Allow(_ context.Context, action, client string) error {
	if action == s.refuse {
		return spiker.Errorf(spiker.ETOOMANY, "wait")
	}
	s.allowed = append(s.allowed, action+":"+client)
	return nil
}
func (s *intakeStore) CreateReport(_ context.Context, r *spiker.Report, _ string) (string, error) {
	s.created = append(s.created, r)
	return "1234567890123456", nil
}
func (s *intakeStore) FindReport(context.Context, *spiker.Actor, string) (*spiker.Report, error) {
	return nil, nil
}
func (s *intakeStore) FindReportByReceipt(context.Context, string, string) (*spiker.Report, error) {
	return nil, nil
}
func (s *intakeStore) FileReport(_ context.Context, a *spiker.Actor, r *spiker.Report, _ string) (string, error) {
	s.filedBy = append(s.filedBy, a)
	s.created = append(s.created, r)
	return "1234567890123456", nil
}
func (s *intakeStore) FiledReports(context.Context, *spiker.Actor) ([]spiker.FiledReport, error) {
	return nil, nil
}

func newIntake(st *intakeStore, now time.Time) *spiker.ReportIntake {
	return &spiker.ReportIntake{Reports: st, Limiter: st, Regions: intakeRegions{}, RegionCode: "35.24",
		Clock: spiker.NewClock(func() time.Time { return now }, nil)}
}

// The intake resolves the region, judges "today" on the regency's clock,
// keeps the channel's own errors first, and spends the public's limits only
// on a complete report; staff filing on someone's behalf are not limited.
func TestReportIntake(t *testing.T) {
	ctx := context.Background()
	// 26 November 2026, 00:30 WIB: still the 25th in UTC.
	now := time.Date(2026, 11, 25, 17, 30, 0, 0, time.UTC)
	st := &intakeStore{}
	in := newIntake(st, now)
	rep := validReport()
	rep.IncidentDate = "2026-11-26"
	receipt, err := in.Submit(ctx, spiker.Submission{Report: rep, Kecamatan: "35.24.22", Desa: "35.24.22.2001", Client: "c1"})
	if err != nil || receipt == "" {
		t.Fatalf("today in WIB refused: %v", err)
	}
	if rep.RegionCode != "35.24.22.2001" || len(st.created) != 1 {
		t.Errorf("region %q, created %d", rep.RegionCode, len(st.created))
	}
	if len(st.allowed) != 1 || st.allowed[0] != "report:c1" {
		t.Errorf("limits spent: %v", st.allowed)
	}

	// Wrong fields: the channel's own message wins, every field is named,
	// and neither the limits nor the store are reached.
	st = &intakeStore{}
	in = newIntake(st, now)
	bad := validReport()
	bad.IncidentDate = "2026-11-27"
	_, err = in.Submit(ctx, spiker.Submission{Report: bad, Kecamatan: "35.25.01", Client: "c1",
		Fields: map[string]string{"kecamatan": "form.own"}})
	fields := spiker.ErrorFields(err)
	if spiker.ErrorCode(err) != spiker.EINVALID || fields["kecamatan"] != "form.own" || fields["incident_date"] != "report.err.incident_date" {
		t.Errorf("got %v %v", err, fields)
	}
	if len(st.allowed) != 0 || len(st.created) != 0 {
		t.Errorf("an incomplete report reached the limits or the store: %v %d", st.allowed, len(st.created))
	}

	// Over the limit: nothing is stored. A file is a file attempt each.
	st = &intakeStore{refuse: spiker.ActionFile}
	in = newIntake(st, now)
	rep = validReport()
	rep.Files = []spiker.Upload{{Name: "a.jpg", Kind: "image/jpeg", Data: []byte{1}}}
	if _, err := in.Submit(ctx, spiker.Submission{Report: rep, Kecamatan: "35.24.22", Client: "c1"}); spiker.ErrorCode(err) != spiker.ETOOMANY || len(st.created) != 0 {
		t.Errorf("over the file limit: %v, created %d", err, len(st.created))
	}

	// Staff filing: no limits, the filer is passed on.
	st = &intakeStore{refuse: spiker.ActionReport}
	in = newIntake(st, now)
	rep = validReport()
	rep.Channel = spiker.ChannelLangsung
	filer := &spiker.Actor{UserID: 7}
	if _, err := in.Submit(ctx, spiker.Submission{Report: rep, Kecamatan: "35.24.22", Filer: filer}); err != nil || len(st.filedBy) != 1 || st.filedBy[0] != filer {
		t.Errorf("walk-in: %v %v", err, st.filedBy)
	}
}
