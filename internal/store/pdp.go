package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// AddPDPRequest registers a data-subject request or a breach notice
// received at receivedAt, and starts its 3 × 24 h clock.
func (s DutyService) AddPDPRequest(ctx context.Context, actor *spiker.Actor, kind string, receivedAt time.Time) (*spiker.PDPRequest, error) {
	if err := spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{}); err != nil {
		return nil, err
	}
	ok := false
	for _, k := range spiker.PDPKinds {
		ok = ok || k == kind
	}
	f := map[string]string{}
	if !ok {
		f["kind"] = "staff.err.choose"
	}
	if receivedAt.IsZero() || receivedAt.After(s.DB.Now().Add(time.Minute)) {
		f["received"] = "pdp.err.received"
	}
	if len(f) > 0 {
		return nil, &spiker.Error{Code: spiker.EINVALID, Message: "the request has fields to correct", Fields: f}
	}
	p := &spiker.PDPRequest{ID: newID(), Kind: kind, ReceivedAt: receivedAt.UTC(), RegionCode: actor.RegionCode}
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		l, err := timeLimits(ctx, tx)
		if err != nil {
			return err
		}
		p.DueAt = p.ReceivedAt.Add(l.PDP)
		if _, err := tx.Exec(ctx, `INSERT INTO pdp_requests (id, kind, received_at, due_at, region_code, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, p.Kind, p.ReceivedAt, p.DueAt, p.RegionCode, actor.UserID, tx.Now()); err != nil {
			return err
		}
		if err := startClock(ctx, tx, clockJob{Clock: spiker.ClockPDP, Kind: kindPDP, ID: p.ID, Region: p.RegionCode}, p.Deadline()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.add", kindPDP, p.ID, kind)
	})
	return p, err
}

// PDPRequests lists the register of the actor's region, open ones first.
func (s DutyService) PDPRequests(ctx context.Context, actor *spiker.Actor) ([]spiker.PDPRequest, error) {
	if err := spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.PDPRequest
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT p.id, p.kind, p.received_at, p.due_at, p.region_code, p.done_at, p.subject_right, p.outcome, p.legal_basis,
			p.case_id, c.number, c.restricted_at IS NOT NULL OR (p.case_id IS NULL AND r.restricted_at IS NOT NULL), p.report_id
			FROM pdp_requests p LEFT JOIN cases c ON c.id = p.case_id LEFT JOIN reports r ON r.id = p.report_id
			WHERE p.region_code = $1 OR p.region_code LIKE $2 ORDER BY (p.done_at IS NULL) DESC, p.received_at DESC LIMIT 200`, actor.RegionCode, actor.RegionCode+".%")
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (p spiker.PDPRequest, err error) {
			var outcome, basis string
			var caseID, number, reportID sql.NullString
			var restricted sql.NullBool
			err = rows.Scan(&p.ID, &p.Kind, &p.ReceivedAt, &p.DueAt, &p.RegionCode, &p.DoneAt, &p.Right, &outcome, &basis, &caseID, &number, &restricted, &reportID)
			p.ReceivedAt, p.DueAt, p.Done = p.ReceivedAt.UTC(), p.DueAt.UTC(), p.DoneAt != nil
			p.CaseID, p.CaseNumber, p.Restricted, p.ReportID = caseID.String, number.String, restricted.Bool, reportID.String
			if outcome != "" {
				// The list shows the outcome; the sealed reason is on the request's page.
				p.Decision = &spiker.PDPDecision{Outcome: outcome, LegalBasis: basis}
			}
			return p, err
		})
		return err
	})
	return out, err
}

// ClosePDPRequest records that a request was answered (a breach notice, or
// a request from before the register held decisions); its clock stops.
func (s DutyService) ClosePDPRequest(ctx context.Context, actor *spiker.Actor, id string) error {
	if err := spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{}); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var region string
		if err := tx.Get(ctx, `SELECT region_code FROM pdp_requests WHERE id = $1`, []any{id}, &region); errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "request not found")
		} else if err != nil {
			return err
		}
		if err := spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{RegionCode: region}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE pdp_requests SET done_at = $1 WHERE id = $2 AND done_at IS NULL`, tx.Now(), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.close", kindPDP, id, "")
	})
}
