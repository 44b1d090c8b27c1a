package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// A data-subject request's sealed parts each have a key of their own
// (record kind "pdp", record ids id, id/verify and id/decision), granted to
// the supervisors' group, the escrow and the user who wrote the part (an
// administrator excepted): any keeper of the register can add a part
// without holding the others' keys.
func pdpField(id, column string) vault.Field {
	return vault.Field{Table: "pdp_requests", Column: column, Record: id}
}

// sealPDP seals v (as JSON) for part (id + suffix) of request id.
func sealPDP(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, id, suffix, column string, v any) ([]byte, error) {
	holders, err := standardHolders(ctx, tx, GroupSupervisors)
	if err != nil {
		return nil, err
	}
	// The writer keeps reading what they wrote (the data protection
	// officer is no supervisor), unless an administrator: they hold no
	// record key.
	if !actor.HasRole(spiker.RoleAdmin) {
		if h, ok, err := userHolder(ctx, tx, actor.UserID); err != nil {
			return nil, err
		} else if ok {
			holders = append(holders, h)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	k := vault.NewDataKey()
	if err := grantAll(ctx, tx, kindPDP, id+suffix, k, actor.Username, holders); err != nil {
		return nil, err
	}
	return []byte(k.Seal(pdpField(id, column), b)), nil
}

// openPDP opens a sealed part into v; it reports false when the actor
// holds no key to it (or there is nothing sealed).
func openPDP(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, id, suffix, column string, sealed []byte, v any) (bool, error) {
	if sealed == nil {
		return false, nil
	}
	k, err := openRecordKey(ctx, tx, actor, kindPDP, id+suffix)
	if errors.Is(err, errNotHolder) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	b, err := k.Open(pdpField(id, column), vault.Ciphertext(sealed))
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

// OpenPDPRequest registers a request with its content sealed, linked to a
// case of the actor's region when a case number is given, and starts its
// 3 × 24 h clock.
func (s DutyService) OpenPDPRequest(ctx context.Context, actor *spiker.Actor, q *spiker.PDPNewRequest) (*spiker.PDPRequest, error) {
	if err := spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{}); err != nil {
		return nil, err
	}
	if err := q.Validate(s.DB.Now()); err != nil {
		return nil, err
	}
	if q.Kind != spiker.PDPKinds[0] {
		q.Right = ""
	}
	p := &spiker.PDPRequest{ID: newID(), Kind: q.Kind, Right: q.Right, ReceivedAt: q.ReceivedAt.UTC(), RegionCode: actor.RegionCode}
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var caseID, reportID any
		if rid := strings.TrimSpace(q.ReportID); rid != "" {
			var region string
			var inCase sql.NullString
			err := tx.Get(ctx, `SELECT region_code, case_id FROM reports WHERE id = $1`, []any{rid}, &region, &inCase)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{RegionCode: region}) != nil) {
				return &spiker.Error{Code: spiker.EINVALID, Message: "no such report", Fields: map[string]string{"report": "pdp.err.report"}}
			} else if err != nil {
				return err
			}
			p.ReportID, reportID = rid, rid
			if inCase.Valid && strings.TrimSpace(q.CaseNumber) == "" {
				// A report in a case: the case is what the office holds.
				if err := tx.Get(ctx, `SELECT number FROM cases WHERE id = $1`, []any{inCase.String}, &q.CaseNumber); err != nil {
					return err
				}
			}
		}
		if n := strings.TrimSpace(q.CaseNumber); n != "" {
			var region string
			err := tx.Get(ctx, `SELECT id, region_code FROM cases WHERE number = $1`, []any{n}, &p.CaseID, &region)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{RegionCode: region}) != nil) {
				return &spiker.Error{Code: spiker.EINVALID, Message: "no case with this number", Fields: map[string]string{"case_number": "staff.err.case_number"}}
			} else if err != nil {
				return err
			}
			p.CaseNumber, caseID = n, p.CaseID
		}
		l, err := timeLimits(ctx, tx)
		if err != nil {
			return err
		}
		p.DueAt = p.ReceivedAt.Add(l.PDP)
		sealed, err := sealPDP(ctx, tx, actor, p.ID, "", "content_sealed", q.Content)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO pdp_requests (id, kind, received_at, due_at, region_code, created_by, created_at, subject_right, case_id, report_id, content_sealed)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, p.ID, p.Kind, p.ReceivedAt, p.DueAt, p.RegionCode, actor.UserID, tx.Now(), p.Right, caseID, reportID, sealed); err != nil {
			return err
		}
		if err := startClock(ctx, tx, clockJob{Clock: spiker.ClockPDP, Kind: kindPDP, ID: p.ID, Region: p.RegionCode}, p.Deadline()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.add", kindPDP, p.ID, strings.TrimSpace(q.Kind+" "+q.Right))
	})
	if err != nil {
		return nil, err
	}
	c := q.Content
	p.Content = &c
	return p, nil
}

// withPDP loads request id for the actor (the policy over its region) and
// runs fn in the transaction; a missing request is ENOTFOUND.
func (s DutyService) withPDP(ctx context.Context, actor *spiker.Actor, id string, fn func(tx *sqldb.Tx, p *spiker.PDPRequest) error) error {
	if err := spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{}); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		p := &spiker.PDPRequest{ID: id}
		var caseID, number, reportID sql.NullString
		var restricted, reportRestricted, verifiedAt sql.NullTime
		var method string
		var verifiedBy sql.NullInt64
		err := tx.Get(ctx, `SELECT p.kind, p.subject_right, p.received_at, p.due_at, p.region_code, p.done_at, p.case_id, c.number, c.restricted_at,
			p.report_id, r.restricted_at, p.verify_method, p.verified_by, p.verified_at
			FROM pdp_requests p LEFT JOIN cases c ON c.id = p.case_id LEFT JOIN reports r ON r.id = p.report_id WHERE p.id = $1`, []any{id},
			&p.Kind, &p.Right, &p.ReceivedAt, &p.DueAt, &p.RegionCode, &p.DoneAt, &caseID, &number, &restricted, &reportID, &reportRestricted,
			&method, &verifiedBy, &verifiedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "request not found")
		} else if err != nil {
			return err
		}
		if err := spiker.Authorize(actor, spiker.PermPDP, spiker.Scope{RegionCode: p.RegionCode}); err != nil {
			return err
		}
		p.ReceivedAt, p.DueAt, p.Done = p.ReceivedAt.UTC(), p.DueAt.UTC(), p.DoneAt != nil
		p.CaseID, p.CaseNumber, p.ReportID = caseID.String, number.String, reportID.String
		// The case is what is restricted when there is one.
		p.Restricted = restricted.Valid || p.CaseID == "" && reportRestricted.Valid
		if method != "" {
			// Details stay sealed; PDPRequest opens them for its page.
			p.Verification = &spiker.PDPVerification{Method: method, By: verifiedBy.Int64, At: verifiedAt.Time.UTC()}
		}
		return fn(tx, p)
	})
}

// PDPRequest reads one request with the sealed parts the actor holds keys
// to; the reading is audited.
func (s DutyService) PDPRequest(ctx context.Context, actor *spiker.Actor, id string) (*spiker.PDPRequest, error) {
	var out *spiker.PDPRequest
	err := s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		var content, verify, decision []byte
		var outcome, basis string
		var dBy sql.NullInt64
		if err := tx.Get(ctx, `SELECT content_sealed, verify_sealed, outcome, legal_basis, decided_by, decision_sealed
			FROM pdp_requests WHERE id = $1`, []any{id}, &content, &verify, &outcome, &basis, &dBy, &decision); err != nil {
			return err
		}
		c := &spiker.PDPContent{}
		if ok, err := openPDP(ctx, tx, actor, id, "", "content_sealed", content, c); err != nil {
			return err
		} else if ok {
			p.Content = c
		}
		if v := p.Verification; v != nil {
			if _, err := openPDP(ctx, tx, actor, id, "/verify", "verify_sealed", verify, &v.Details); err != nil {
				return err
			}
		}
		if outcome != "" {
			d := &spiker.PDPDecision{Outcome: outcome, LegalBasis: basis, By: dBy.Int64}
			if p.DoneAt != nil {
				d.At = p.DoneAt.UTC()
			}
			if _, err := openPDP(ctx, tx, actor, id, "/decision", "decision_sealed", decision, &d.Reason); err != nil {
				return err
			}
			p.Decision = d
		}
		out = p
		return s.audit(ctx, tx, actor, "pdp.view", kindPDP, id, "")
	})
	return out, err
}

// VerifyPDPRequest records how the requester's identity was verified, by
// the actor, now; the details are sealed.
func (s DutyService) VerifyPDPRequest(ctx context.Context, actor *spiker.Actor, id string, v *spiker.PDPVerification) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		if p.Done {
			return spiker.Errorf(spiker.ECONFLICT, "the request is already decided")
		}
		sealed, err := sealPDP(ctx, tx, actor, id, "/verify", "verify_sealed", strings.TrimSpace(v.Details))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE pdp_requests SET verify_method = $1, verified_by = $2, verified_at = $3, verify_sealed = $4 WHERE id = $5`,
			v.Method, actor.UserID, tx.Now(), sealed, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.verify", kindPDP, id, v.Method)
	})
}

// DecidePDPRequest records the decision on a request and stops its clock.
// Granting anything needs the requester's identity verified first.
// The reason is sealed; the legal basis stays clear. A granted erasure is
// recorded here only: eraseDecided is where its execution is wired.
func (s DutyService) DecidePDPRequest(ctx context.Context, actor *spiker.Actor, id string, d *spiker.PDPDecision) error {
	return s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		if err := d.Validate(p.Right); err != nil {
			return err
		}
		if p.Done {
			return spiker.Errorf(spiker.ECONFLICT, "the request is already decided")
		}
		if d.Outcome != spiker.PDPRefused && p.Kind == spiker.PDPKinds[0] {
			if err := p.CheckVerified(); err != nil {
				return err
			}
		}
		sealed, err := sealPDP(ctx, tx, actor, id, "/decision", "decision_sealed", strings.TrimSpace(d.Reason))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE pdp_requests SET outcome = $1, legal_basis = $2, decided_by = $3, decision_sealed = $4, done_at = $5 WHERE id = $6`,
			d.Outcome, strings.TrimSpace(d.LegalBasis), actor.UserID, sealed, tx.Now(), id); err != nil {
			return err
		}
		action := "pdp.decide"
		if p.Right == spiker.PDPErase {
			action = "pdp.erase_decision"
		}
		if err := s.audit(ctx, tx, actor, action, kindPDP, id, d.Outcome); err != nil {
			return err
		}
		if p.Right == spiker.PDPErase && d.Outcome == spiker.PDPGranted && (p.CaseID != "" || p.ReportID != "") {
			return s.eraseDecided(ctx, tx, actor, p)
		}
		return nil
	})
}

// eraseDecided crypto-shreds, inside the decision's transaction, the
// linked case (p.CaseID) or, without one, report (p.ReportID) once its
// erasure is granted in full, as the retention purge does (purge.go): the
// key grants and ciphertext go, the statistics and a tombstone stay, and
// the audit log gets "purged" with why "erasure". A legal hold on the case
// refuses it (spiker.ErrOnHold), which undoes the decision and its audit
// entry: the request stays open, its clock running. A partial grant is
// recorded only; what it erases is corrected field by field on the case.
func (s DutyService) eraseDecided(ctx context.Context, tx *sqldb.Tx, _ *spiker.Actor, p *spiker.PDPRequest) error {
	if p.CaseID != "" {
		return s.shredCase(ctx, tx, p.CaseID, "erasure")
	}
	return s.shredReport(ctx, tx, p.ReportID, "erasure")
}
