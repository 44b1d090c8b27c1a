package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// caseNumber matches a complete case number, searched by equality.
var caseNumber = regexp.MustCompile(`^\d{4}/\d{4}/\d{5,}$`)

// FindCases returns up to f.Limit cases, newest first, after the keyset
// cursor. Only categorical columns are read; the query stays on the
// (region_code, created_at) and (status, created_at) indexes.
func (s CaseService) FindCases(ctx context.Context, actor *spiker.Actor, f spiker.CaseFilter) ([]spiker.CaseListItem, error) {
	if err := spiker.Authorize(actor, spiker.PermCaseList, spiker.Scope{}); err != nil {
		return nil, err
	}
	region := actor.RegionCode
	if f.Region != "" {
		if !spiker.RegionContains(actor.RegionCode, f.Region) {
			return nil, spiker.Errorf(spiker.EFORBIDDEN, "this region is outside yours")
		}
		region = f.Region
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Before.IsZero() {
		f.Before = s.DB.Now().Add(time.Hour)
	}
	var out []spiker.CaseListItem
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		// A purged case stays as a tombstone for the statistics; no list
		// shows it.
		where := []string{"(c.region_code = $1 OR c.region_code LIKE $2) AND c.purged_at IS NULL", "(c.created_at < $3 OR c.created_at = $3 AND c.id < $4)"}
		args := []any{region, region + ".%", f.Before, f.BeforeID}
		order := " ORDER BY c.created_at DESC, c.id DESC"
		if caseNumber.MatchString(f.Number) {
			// At most one case has the number: look it up by its unique
			// index, with no ordering for the planner to prefer instead.
			where, args, order = where[:1], args[:2], ""
		}
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
		}
		// Only supervisors list every case of their region; everyone else
		// lists the cases they hold a key to, found from their grants (a
		// short list) rather than by walking every case.
		from := "cases c"
		if f.Mine || !actor.HasRole(spiker.RoleSupervisor) {
			args = append(args, fmt.Sprint(actor.UserID), tx.Now())
			from = fmt.Sprintf(`key_grants g JOIN cases c ON c.id = g.record_id AND g.record_kind = 'case'
				AND g.holder_kind = 'user' AND g.holder_id = $%d AND (g.expires_at IS NULL OR g.expires_at > $%d)`, len(args)-1, len(args))
		}
		if caseNumber.MatchString(f.Number) {
			add("c.number = ?", f.Number)
		} else if f.Number != "" {
			add("c.number LIKE ?", f.Number+"%")
		}
		if f.Status != "" {
			add("c.status = ?", f.Status)
		}
		if f.Step != "" {
			add("c.step = ?", f.Step)
		}
		if !f.From.IsZero() {
			add("c.created_at >= ?", f.From)
		}
		if !f.To.IsZero() {
			add("c.created_at < ?", f.To)
		}
		if f.Overdue {
			l, err := timeLimits(ctx, tx)
			if err != nil {
				return err
			}
			add("c.tpks AND c.police_reported_at IS NULL AND c.status <> 'ditutup' AND EXISTS (SELECT 1 FROM reports r WHERE r.case_id = c.id AND r.created_at <= ?)",
				tx.Now().Add(-l.TPKSPolice))
		}
		args = append(args, f.Limit)
		rows, err := tx.Query(ctx, `SELECT c.id, COALESCE(c.number, ''), c.created_at, c.region_code, c.status, c.step, c.tpks, c.police_reported_at, r0.created_at
			FROM `+from+`
			-- The first report, where the TPKS clock starts.
			LEFT JOIN reports r0 ON r0.case_id = c.id AND NOT EXISTS (SELECT 1 FROM reports r1 WHERE r1.case_id = c.id
				AND (r1.created_at < r0.created_at OR r1.created_at = r0.created_at AND r1.id < r0.id))
			WHERE `+strings.Join(where, " AND ")+order+fmt.Sprintf(` LIMIT $%d`, len(args)), args...)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (it spiker.CaseListItem, err error) {
			var reported *time.Time
			if err := rows.Scan(&it.ID, &it.Number, &it.CreatedAt, &it.RegionCode, &it.Status, &it.Step, &it.TPKS, &it.PoliceReportedAt, &reported); err != nil {
				return it, err
			}
			it.CreatedAt, it.ReportedAt = it.CreatedAt.UTC(), it.CreatedAt.UTC()
			if reported != nil {
				it.ReportedAt = reported.UTC()
			}
			return it, nil
		})
		return err
	})
	return out, err
}
