package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// CaseView reads the case page in one transaction: the policy and the
// case key once, each part through the same helper as its own method, and
// one audit entry for all of it, written in the transaction that reads, so
// it commits before anything is shown. A reveal is its own entry before it.
func (s CaseService) CaseView(ctx context.Context, actor *spiker.Actor, id string, reveal bool) (*spiker.CaseView, error) {
	var v *spiker.CaseView
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		c, k, d, err := s.openCaseFor(ctx, tx, actor, id, "case.view")
		if denied = d; err != nil || denied != nil {
			return err
		}
		v = &spiker.CaseView{Case: c}
		if v.Files, err = listCaseFiles(ctx, tx, k, id); err != nil {
			return err
		}
		if v.Referrals, err = listCaseReferrals(ctx, tx, k, id); err != nil {
			return err
		}
		if v.Visits, err = listCaseVisits(ctx, tx, k, id); err != nil {
			return err
		}
		if err := s.caseReports(ctx, tx, actor, v); err != nil {
			return err
		}
		if v.Team, err = listCaseTeam(ctx, tx, id, c.RegionCode); err != nil {
			return err
		}
		region := spiker.Scope{RegionCode: c.RegionCode}
		if spiker.Authorize(actor, spiker.PermCaseAssign, region) == nil {
			if v.Eligible, err = listEligible(ctx, tx, id, c.RegionCode); err != nil {
				return err
			}
		}
		if spiker.Authorize(actor, spiker.PermCaseWrite, region) == nil {
			if v.Officers, err = fieldOfficers(ctx, tx, c.RegionCode); err != nil {
				return err
			}
		}
		// Read before this view's own entry: the log shows the visits
		// before this one.
		reason := ""
		if spiker.Authorize(actor, spiker.PermAudit, spiker.Scope{}) == nil {
			if v.Access, err = searchAudit(ctx, tx, actor, spiker.AuditFilter{RecordKind: kindCase, RecordID: id, Limit: 20}); err != nil {
				return err
			}
			reason = "access log"
		}
		if v.Usernames, err = usernames(ctx, tx, caseViewAuthors(v)); err != nil {
			return err
		}
		if reveal {
			if err := s.audit(ctx, tx, actor, "case.reveal_identity", kindCase, id, ""); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "case.view", kindCase, id, reason)
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, denied
	}
	return v, nil
}

// caseReports reads what the page shows of the case's reports, each key
// opened once: the reporter's meeting requests (as MeetingRequests) and,
// when the actor may read the report, its files, that listing logged on
// the report as ReportFiles logs it. A report whose key the actor does not
// hold, or may not read, is passed over: the page did not ask for it.
func (s CaseService) caseReports(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, v *spiker.CaseView) error {
	v.ReportFiles = map[string][]spiker.Attachment{}
	for _, rid := range v.Case.ReportIDs {
		k, err := openRecordKey(ctx, tx, actor, kindReport, rid)
		if errors.Is(err, errNotHolder) {
			continue
		} else if err != nil {
			return err
		}
		reqs, err := meetingRequests(ctx, tx, k, rid)
		if err != nil {
			return err
		}
		v.Requests = append(v.Requests, reqs...)
		var region string
		if err := tx.Get(ctx, `SELECT region_code FROM reports WHERE id = $1`, []any{rid}, &region); err != nil {
			return err
		}
		if spiker.Authorize(actor, spiker.PermReportRead, spiker.Scope{RegionCode: region}) != nil {
			continue
		}
		if v.ReportFiles[rid], err = reportFiles(ctx, tx, actor, k, rid); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "report.files_read", kindReport, rid, ""); err != nil {
			return err
		}
	}
	return nil
}

// caseViewAuthors lists the users the case page names: the authors of the
// history, risk assessments and safety plans, and the visits' officers.
func caseViewAuthors(v *spiker.CaseView) []int64 {
	var ids []int64
	for _, h := range v.Case.Corrections {
		ids = append(ids, h.ActorID)
	}
	for _, a := range v.Case.RiskAssessments {
		ids = append(ids, a.ActorID)
	}
	for _, p := range v.Case.SafetyPlans {
		ids = append(ids, p.ActorID)
	}
	for _, vi := range v.Visits {
		ids = append(ids, vi.Team...)
	}
	return ids
}

// usernames looks up the names of users by id in one query; an id with no
// user (deleted) is left out.
func usernames(ctx context.Context, tx *sqldb.Tx, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	var args []any
	var marks []string
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			args = append(args, id)
			marks = append(marks, fmt.Sprintf("$%d", len(args)))
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT id, username FROM users WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
	type named struct {
		id   int64
		name string
	}
	all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (n named, err error) {
		return n, rows.Scan(&n.id, &n.name)
	})
	for _, n := range all {
		out[n.id] = n.name
	}
	return out, err
}
