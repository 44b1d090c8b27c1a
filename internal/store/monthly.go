package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// JobMonthlyReport generates the previous month's regency report on the
// first working day of a month, at monthlyHour local time; each run queues
// the next month's.
const JobMonthlyReport = "stats.monthly_report"

// monthlyHour: the start of the office's day, so the report is waiting.
const monthlyHour = 7

// kindMonthly is the record kind of a monthly report's alert.
const kindMonthly = "monthly_report"

type monthlyJob struct {
	Month  string // the month reported on, YYYY-MM
	Region string
}

// monthlyActor is who the automatic report is taken as: the head of the
// Dinas of the regency, so the stored figures are those the head's own
// dashboard shows (never more than a role entitled to statistics sees).
// Its UserID is -1, no user's: the policy wants someone signed in, and the
// audit log records it without a user.
func monthlyActor(region string) *spiker.Actor {
	return &spiker.Actor{UserID: -1, Username: "laporan-bulanan", Roles: []spiker.Role{spiker.RolePimpinan}, RegionCode: region}
}

// MonthlyReport returns the report of a month and a region (the regency or
// one of its kecamatan): the one generated on the first working day when
// there is one, otherwise taken now from the dashboard. Either way the
// figures are the dashboard's; the download is audited.
func (s StatsService) MonthlyReport(ctx context.Context, actor *spiker.Actor, month, region string) (*spiker.MonthlyReport, error) {
	if err := spiker.Authorize(actor, spiker.PermStats, spiker.Scope{}); err != nil {
		return nil, err
	}
	if err := spiker.ValidMonth(month); err != nil {
		return nil, err
	}
	if region == "" {
		region = actor.RegionCode
	}
	if strings.Count(region, ".") > 2 || !spiker.ValidRegionCodeSyntax(region) {
		return nil, &spiker.Error{Code: spiker.EINVALID, Message: "choose the regency or a kecamatan", Fields: map[string]string{"region": "staff.err.choose"}}
	}
	if err := spiker.Authorize(actor, spiker.PermStats, spiker.Scope{RegionCode: region}); err != nil {
		return nil, err
	}
	r, err := s.storedMonthly(ctx, month, region)
	if err != nil {
		return nil, err
	}
	if r == nil {
		dash := func(ctx context.Context, f spiker.StatsFilter) (*spiker.Dashboard, error) {
			return s.Dashboard(ctx, actor, f)
		}
		if r, err = spiker.BuildMonthlyReport(ctx, dash, month, region); err != nil {
			return nil, err
		}
		r.GeneratedAt = s.DB.Now()
	}
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		return s.audit(ctx, tx, actor, "stats.monthly_report", "monthly_report", month+" "+region, "")
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// storedMonthly returns the generated report of a month and region, or nil.
func (s *Store) storedMonthly(ctx context.Context, month, region string) (*spiker.MonthlyReport, error) {
	var figures string
	var at time.Time
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT figures, generated_at FROM monthly_reports WHERE month = $1 AND region_code = $2`, []any{month, region}, &figures, &at)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var r spiker.MonthlyReport
	if err := json.Unmarshal([]byte(figures), &r); err != nil {
		return nil, err
	}
	restoreReport(&r)
	r.GeneratedAt, r.Stored = at.UTC(), true
	return &r, nil
}

// restoreReport puts back the raw counts JSON leaves out of a stored report
// (StatCell.Count is not in its JSON, for the public files), from the shown
// figures: the charts draw only cells that are shown, and a shown cell's
// count is its text.
func restoreReport(r *spiker.MonthlyReport) {
	fix := func(t *spiker.StatTable) {
		for i := range t.Cells {
			restoreCell(&t.Cells[i])
		}
		restoreCell(&t.Total)
	}
	d := r.Dashboard
	for i := range d.Tables {
		fix(&d.Tables[i])
	}
	for _, t := range []*spiker.StatTable{&d.Months, &d.Regions, &d.Breaches, &d.Status, &r.Trend} {
		fix(t)
	}
	for i := range d.Referral {
		fix(&d.Referral[i].Table)
	}
	for i := range d.Response {
		for _, c := range []*spiker.StatCell{&d.Response[i].Responses, &d.Response[i].Within, &d.Response[i].Late} {
			restoreCell(c)
		}
	}
}

func restoreCell(c *spiker.StatCell) {
	var n int64
	for _, ch := range c.Shown {
		if ch < '0' || ch > '9' {
			c.Hidden, c.Count = true, 0
			return
		}
		n = n*10 + int64(ch-'0')
	}
	c.Count, c.Hidden = n, c.Shown == ""
}

// ScheduleMonthlyReport makes sure the next monthly report is queued;
// several nodes may call it. Without a regency configured it does nothing.
func (s *Store) ScheduleMonthlyReport(ctx context.Context) error {
	if s.Regency == "" {
		return nil
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error { return s.enqueueMonthly(ctx, tx, tx.Now()) })
}

// monthlyDue is when the report of the month before t's month is due: the
// first working day of t's month at monthlyHour.
func (s *Store) monthlyDue(ctx context.Context, tx *sqldb.Tx, t time.Time) (time.Time, error) {
	l := t.In(s.zone())
	first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, s.zone())
	hol, err := holidaySet(ctx, tx, first)
	if err != nil {
		return time.Time{}, err
	}
	d := spiker.FirstWorkingDay(first, s.zone(), hol)
	return time.Date(d.Year(), d.Month(), d.Day(), monthlyHour, 0, 0, 0, s.zone()), nil
}

// enqueueMonthly queues the next report: last month's at this month's due
// time if that is still ahead, else this month's at next month's. A node
// down at the due time runs the queued job when it is back (the queue is
// durable); a fresh installation starts with the next due time, not with
// a report of a month it did not see.
func (s *Store) enqueueMonthly(ctx context.Context, tx *sqldb.Tx, now time.Time) error {
	l := now.In(s.zone())
	m := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, s.zone())
	due, err := s.monthlyDue(ctx, tx, m)
	if err != nil {
		return err
	}
	if !due.After(now) {
		m = m.AddDate(0, 1, 0)
		if due, err = s.monthlyDue(ctx, tx, m); err != nil {
			return err
		}
	}
	reported := m.AddDate(0, -1, 0).Format("2006-01")
	return EnqueueIn(ctx, tx, JobMonthlyReport, JobMonthlyReport+":"+s.Regency+":"+reported, due, monthlyJob{Month: reported, Region: s.Regency})
}

// MonthlyReportJob generates the month's report once: a holiday added
// since it was queued moves it to the next working day; a report already
// there (another node, a retry) is left alone and raises no second alert.
func (s *Store) MonthlyReportJob(ctx context.Context, j spiker.Job) error {
	var p monthlyJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return err
	}
	if err := spiker.ValidMonth(p.Month); err != nil || p.Region == "" {
		return nil // nothing to do with a malformed payload
	}
	early := false
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		reportMonth, _ := time.ParseInLocation("2006-01", p.Month, s.zone())
		due, err := s.monthlyDue(ctx, tx, reportMonth.AddDate(0, 1, 0))
		if err != nil {
			return err
		}
		if early = tx.Now().Before(due); early {
			return EnqueueIn(ctx, tx, JobMonthlyReport, JobMonthlyReport+":"+p.Region+":"+p.Month+":"+due.Format(time.DateOnly), due, p)
		}
		return s.enqueueMonthly(ctx, tx, tx.Now())
	})
	if err != nil || early {
		return err
	}
	actor := monthlyActor(p.Region)
	dash := func(ctx context.Context, f spiker.StatsFilter) (*spiker.Dashboard, error) {
		return StatsService{Store: s}.Dashboard(ctx, actor, f)
	}
	r, err := spiker.BuildMonthlyReport(ctx, dash, p.Month, p.Region)
	if err != nil {
		return err
	}
	figures, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO monthly_reports (month, region_code, figures, generated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (month, region_code) DO NOTHING`, p.Month, p.Region, string(figures), tx.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // generated before
		}
		system := *actor
		system.UserID = 0
		if err := s.audit(ctx, tx, &system, "stats.monthly_report.generate", "monthly_report", p.Month+" "+p.Region, ""); err != nil {
			return err
		}
		return raiseMonthly(ctx, tx, p)
	})
}

// MonthlyReportLink is where a monthly report's alert leads.
func MonthlyReportLink(month, region string) string {
	return "/staf/statistik/bulanan?" + url.Values{"bulan": {month}, "wilayah": {region}}.Encode()
}

// raiseMonthly tells the head of the Dinas and the supervisors of the
// region that the report is ready: the alert names the month and links to
// the report, never a figure. It is informational: no escalation is
// queued for it.
func raiseMonthly(ctx context.Context, tx *sqldb.Tx, p monthlyJob) error {
	id := spiker.AlertMonthlyReport + "-" + p.Region + "-" + p.Month
	if _, err := tx.Exec(ctx, `INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at)
		VALUES ($1, $2, $3, $4, '', FALSE, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
		id, kindMonthly, p.Month, spiker.AlertMonthlyReport, spiker.LevelDuty, p.Region, MonthlyReportLink(p.Month, p.Region), tx.Now()); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE r.role IN ('pimpinan', 'supervisor') AND NOT u.disabled AND ($1 = u.region_code OR $1 LIKE u.region_code || '.%') ORDER BY u.id`, p.Region)
	ids, err := sqldb.Collect(rows, err, scanID)
	if err != nil {
		return err
	}
	return notifyUsers(ctx, tx, id, spiker.LevelDuty, ids)
}
