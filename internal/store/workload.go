package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Work management reads counts and dates only: the categorical columns of
// cases, plan items and referrals, the arrival and first-response times of
// reports, who holds a lasting grant to a case, and (to know who answered
// a report first) the audit log's actor of the answer. No protected
// column is read and nothing is decrypted.

// openCase is the SQL condition of a case that is not closed, written as
// a list so that the (status, created_at) index can serve it.
const openCase = `c.status IN ('terbuka', 'penutupan diminta') AND c.purged_at IS NULL`

// overduePlan is the condition of a plan item p past its due date (before
// today where the office is) with no service of its category since, as
// the plan clock (clockRunning) and Case.PlanDeadline decide.
const overduePlan = `p.kind = 'rencana' AND p.due_date <> '' AND p.due_date < $1
	AND NOT EXISTS (SELECT 1 FROM case_entries s WHERE s.case_id = p.case_id AND s.kind = 'layanan' AND s.category = p.category AND s.created_at >= p.created_at)`

// eachRow runs fn on every row, then closes them.
func eachRow(rows *sql.Rows, err error, fn func(*sql.Rows) error) error {
	_, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (struct{}, error) { return struct{}{}, fn(rows) })
	return err
}

// overdueReferral is the condition of a referral f still waiting past its
// due date, as the home page's overdue list (overdueReferrals) decides.
const overdueReferral = `f.kind = 'rujukan' AND f.status IN ('dikirim', 'diterima') AND f.due_date <> '' AND f.due_date < $1`

// Workload gives the figures of region's officers and teams.
func (s CaseService) Workload(ctx context.Context, actor *spiker.Actor, region string) (*spiker.Workload, error) {
	if actor != nil && region == "" {
		region = actor.RegionCode
	}
	if err := spiker.Authorize(actor, spiker.PermCaseAssign, spiker.Scope{RegionCode: region}); err != nil {
		return nil, err
	}
	if s.Regions != nil && region != actor.RegionCode {
		if _, err := s.Regions.Region(region); err != nil {
			return nil, &spiker.Error{Code: spiker.EINVALID, Message: fmt.Sprintf("region %q is not in the region directory", region),
				Fields: map[string]string{"wilayah": "work.err.region"}}
		}
	}
	w := &spiker.Workload{RegionCode: region}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		p := s.workPeriod(tx.Now())
		w.From, w.To = p.from, p.to
		officers, err := workloadOfficers(ctx, tx, region, 0)
		if err != nil {
			return err
		}
		if err := p.officerFigures(ctx, tx, officers); err != nil {
			return err
		}
		teams := map[string]*spiker.TeamLoad{}
		team := func(code string) *spiker.TeamLoad {
			k := kecamatanOf(code)
			if teams[k] == nil {
				teams[k] = &spiker.TeamLoad{RegionCode: k, WorkFigures: spiker.WorkFigures{Steps: map[string]int{}}}
			}
			return teams[k]
		}
		for _, o := range officers {
			team(o.RegionCode).Officers++
		}
		if err := p.teamFigures(ctx, tx, region, team); err != nil {
			return err
		}
		took, err := p.responses(ctx, tx, region, func(code string) { team(code).Waiting++ })
		if err != nil {
			return err
		}
		byTeam := map[string][]time.Duration{}
		var all []time.Duration
		for _, r := range took {
			byTeam[kecamatanOf(r.region)] = append(byTeam[kecamatanOf(r.region)], r.took)
			all = append(all, r.took)
		}
		byOfficer := responsesBy(took)
		for _, o := range officers {
			o.ResponseFigures(byOfficer[o.UserID])
			w.Officers = append(w.Officers, *o)
		}
		w.Total = spiker.TeamLoad{RegionCode: region, Officers: len(officers), WorkFigures: spiker.WorkFigures{Steps: map[string]int{}}}
		for _, t := range teams {
			t.ResponseFigures(byTeam[t.RegionCode])
			w.Total.OpenCases += t.OpenCases
			w.Total.Unmanaged += t.Unmanaged
			w.Total.OverduePlan += t.OverduePlan
			w.Total.OverdueReferrals += t.OverdueReferrals
			w.Total.Waiting += t.Waiting
			for step, n := range t.Steps {
				w.Total.Steps[step] += n
			}
			w.Teams = append(w.Teams, *t)
		}
		w.Total.ResponseFigures(all)
		slices.SortFunc(w.Teams, func(a, b spiker.TeamLoad) int { return strings.Compare(a.RegionCode, b.RegionCode) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	w.SortWorkload()
	return w, nil
}

// MyWorkload gives the actor's own figures: their open cases, overdue
// items and the reports they answered first in the period.
func (s CaseService) MyWorkload(ctx context.Context, actor *spiker.Actor) (*spiker.OfficerLoad, error) {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out *spiker.OfficerLoad
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		p := s.workPeriod(tx.Now())
		officers, err := workloadOfficers(ctx, tx, actor.RegionCode, actor.UserID)
		if err != nil || len(officers) == 0 {
			return err
		}
		if err := p.officerFigures(ctx, tx, officers); err != nil {
			return err
		}
		// The reports they could answer are those of their region.
		took, err := p.responses(ctx, tx, actor.RegionCode, nil)
		if err != nil {
			return err
		}
		out = officers[0]
		out.ResponseFigures(responsesBy(took)[actor.UserID])
		return nil
	})
	return out, err
}

// workPeriod is the window of the response figures ending at now, and the
// office's date today (a due date before it has passed).
type workPeriod struct {
	from, to time.Time
	today    string
}

func (s *Store) workPeriod(now time.Time) workPeriod {
	local := now.In(s.zone())
	from := time.Date(local.Year(), local.Month(), local.Day()-(spiker.WorkloadPeriod-1), 0, 0, 0, 0, s.zone())
	return workPeriod{from: from.UTC(), to: now, today: local.Format(time.DateOnly)}
}

// kecamatanOf is the team a region code belongs to: its kecamatan (the
// first three parts of the code), or the code itself above that level.
func kecamatanOf(code string) string {
	if k := spiker.KecamatanOf(code); k != "" {
		return k
	}
	return code
}

// workloadOfficers lists the enabled, enrolled users of region (only id
// when not 0) who answer reports or work cases.
func workloadOfficers(ctx context.Context, tx *sqldb.Tx, region string, id int64) ([]*spiker.OfficerLoad, error) {
	q := `SELECT u.id, u.username, u.region_code, r.role FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE NOT u.disabled AND u.public_key IS NOT NULL AND (u.region_code = $1 OR u.region_code LIKE $2)`
	args := []any{region, region + ".%"}
	if id != 0 {
		q += ` AND u.id = $3`
		args = append(args, id)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY u.id, r.role`, args...)
	type row struct {
		id             int64
		name, reg, rol string
	}
	all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (r row, err error) {
		return r, rows.Scan(&r.id, &r.name, &r.reg, &r.rol)
	})
	if err != nil {
		return nil, err
	}
	var out []*spiker.OfficerLoad
	for _, r := range all {
		if len(out) == 0 || out[len(out)-1].UserID != r.id {
			out = append(out, &spiker.OfficerLoad{UserID: r.id, Username: r.name, RegionCode: r.reg, WorkFigures: spiker.WorkFigures{Steps: map[string]int{}}})
		}
		o := out[len(out)-1]
		o.Roles = append(o.Roles, spiker.Role(r.rol))
	}
	return slices.DeleteFunc(out, func(o *spiker.OfficerLoad) bool {
		return !slices.ContainsFunc(o.Roles, func(r spiker.Role) bool { return slices.Contains(spiker.WorkloadRoles, r) })
	}), nil
}

// perCase sums over a group of open cases c: how many, and their overdue
// plan items and referrals by correlated subqueries on the (case_id,
// created_at) indexes, $1 being today. One walk over the open cases reads
// everything the figures need.
const perCase = `COUNT(*), SUM((SELECT COUNT(*) FROM case_entries p WHERE p.case_id = c.id AND ` + overduePlan + `)),
	SUM((SELECT COUNT(*) FROM referrals f WHERE f.case_id = c.id AND ` + overdueReferral + `))`

// officerFigures counts the officers' open cases per step, those they
// manage, and the overdue plan items and referrals of those cases: the
// cases they hold a lasting grant to (a break-glass opening is no
// assignment).
func (p workPeriod) officerFigures(ctx context.Context, tx *sqldb.Tx, officers []*spiker.OfficerLoad) error {
	if len(officers) == 0 {
		return nil
	}
	byID := map[string]*spiker.OfficerLoad{}
	args := []any{p.today}
	var in []string
	for _, o := range officers {
		h := strconv.FormatInt(o.UserID, 10)
		byID[h] = o
		args = append(args, h)
		in = append(in, fmt.Sprintf("$%d", len(args)))
	}
	managed := `CASE WHEN CAST(c.manager_id AS TEXT) = g.holder_id THEN 1 ELSE 0 END`
	rows, err := tx.Query(ctx, `SELECT g.holder_id, c.step, `+managed+`, `+perCase+`
		FROM key_grants g JOIN cases c ON c.id = g.record_id
		WHERE g.record_kind = 'case' AND g.holder_kind = 'user' AND g.expires_at IS NULL AND g.holder_id IN (`+strings.Join(in, ", ")+`)
		AND `+openCase+` GROUP BY g.holder_id, c.step, `+managed, args...)
	return eachRow(rows, err, func(rows *sql.Rows) error {
		var h, step string
		var mgr, n, plan, refs int
		if err := rows.Scan(&h, &step, &mgr, &n, &plan, &refs); err != nil {
			return err
		}
		o := byID[h]
		o.OpenCases += n
		o.Steps[step] += n
		o.Managed += mgr * n
		o.OverduePlan += plan
		o.OverdueReferrals += refs
		return nil
	})
}

// teamFigures counts the open cases of region per step and those with no
// manager, and their overdue plan items and referrals; team gives the
// figures a case's region code adds to.
func (p workPeriod) teamFigures(ctx context.Context, tx *sqldb.Tx, region string, team func(string) *spiker.TeamLoad) error {
	unmanaged := `CASE WHEN c.manager_id IS NULL THEN 1 ELSE 0 END`
	rows, err := tx.Query(ctx, `SELECT c.region_code, c.step, `+unmanaged+`, `+perCase+`
		FROM cases c WHERE (c.region_code = $2 OR c.region_code LIKE $3) AND `+openCase+`
		GROUP BY c.region_code, c.step, `+unmanaged, p.today, region, region+".%")
	return eachRow(rows, err, func(rows *sql.Rows) error {
		var code, step string
		var none, n, plan, refs int
		if err := rows.Scan(&code, &step, &none, &n, &plan, &refs); err != nil {
			return err
		}
		t := team(code)
		t.OpenCases += n
		t.Steps[step] += n
		t.Unmanaged += none * n
		t.OverduePlan += plan
		t.OverdueReferrals += refs
		return nil
	})
}

// response is one answered report of the period: its region, how long the
// first response took and who gave it (0 when not known).
type response struct {
	region string
	took   time.Duration
	by     int64
}

// responses reads the reports of region that arrived in the period, on
// the (region_code, created_at) index, and returns the answered ones;
// waiting (when not nil) is told the region of each still new and
// unanswered. Who
// answered first is the actor of the audited action that set the first
// response in its transaction: a reply, an identification or a closing of
// the report, or the opening of a case from it.
func (p workPeriod) responses(ctx context.Context, tx *sqldb.Tx, region string, waiting func(region string)) ([]response, error) {
	rows, err := tx.Query(ctx, `SELECT r.region_code, r.status, r.created_at, r.first_response_at,
		COALESCE((SELECT a.actor_id FROM audit_log a WHERE a.record_kind = 'report' AND a.record_id = r.id
			AND a.action IN ('report.reply', 'report.identify', 'report.close') AND a.at = r.first_response_at ORDER BY a.seq LIMIT 1),
			(SELECT c.opened_by FROM cases c WHERE c.id = r.case_id AND c.created_at = r.first_response_at))
		FROM reports r WHERE (r.region_code = $1 OR r.region_code LIKE $2) AND r.created_at >= $3 AND r.created_at < $4 AND r.purged_at IS NULL`,
		region, region+".%", p.from, p.to)
	var out []response
	err = eachRow(rows, err, func(rows *sql.Rows) error {
		var code, status string
		var created time.Time
		var first *time.Time
		var by sql.NullInt64
		if err := rows.Scan(&code, &status, &created, &first, &by); err != nil {
			return err
		}
		if first == nil {
			if status == string(spiker.ReportNew) && waiting != nil {
				waiting(code)
			}
			return nil
		}
		out = append(out, response{region: code, took: max(first.Sub(created), 0), by: by.Int64})
		return nil
	})
	return out, err
}

// responsesBy groups response times by who answered.
func responsesBy(rs []response) map[int64][]time.Duration {
	out := map[int64][]time.Duration{}
	for _, r := range rs {
		if r.by != 0 {
			out[r.by] = append(out[r.by], r.took)
		}
	}
	return out
}
