package store

import (
	"context"
	"database/sql"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Restriction of processing (UU 27/2022): a keeper of the PDP register
// restricts the case a data-subject request is linked to. While it stands
// every write path of the case that runs through withCase refuses with
// ERESTRICTED (changes, entries, files, scheduling visits, team changes,
// referrals and transfers, steps, closure, printing a summary) and so do
// replies and notes on its reports; reading for its holders stays, and so
// do corrections, which the person may ask for while processing is
// restricted. A partner's answer to a referral already sent and a visit's
// outcome are work done outside and still recorded.
var errRestricted = spiker.Errorf(spiker.ERESTRICTED, "processing of this case is restricted (UU PDP)")

// caseRestricted reports whether case id's processing is restricted.
func caseRestricted(ctx context.Context, tx *sqldb.Tx, id string) (bool, error) {
	var at sql.NullTime
	if err := tx.Get(ctx, `SELECT restricted_at FROM cases WHERE id = $1`, []any{id}, &at); err != nil && err != sql.ErrNoRows {
		return false, err
	}
	return at.Valid, nil
}

// reportRestricted reports whether the case report id belongs to is
// restricted.
func reportRestricted(ctx context.Context, tx *sqldb.Tx, id string) (bool, error) {
	var n int
	err := tx.Get(ctx, `SELECT COUNT(*) FROM reports r JOIN cases c ON c.id = r.case_id WHERE r.id = $1 AND c.restricted_at IS NOT NULL`, []any{id}, &n)
	return n > 0, err
}

// restrictedWrite tells whether a case action is processing that a
// restriction stops: everything but reading and correcting.
func restrictedWrite(perm spiker.Permission, action string) bool {
	switch {
	case action == "case.export_summary":
		return true
	case perm == spiker.PermCaseRead, action == "case.correct":
		return false
	}
	return true
}

// RestrictPDPCase restricts (on) or lifts the restriction of processing of
// the case request id is linked to. It needs no case key: it is a flag.
func (s DutyService) RestrictPDPCase(ctx context.Context, actor *spiker.Actor, id string, on bool) error {
	return s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		if p.CaseID == "" {
			return &spiker.Error{Code: spiker.EINVALID, Message: "the request is linked to no case", Fields: map[string]string{"case_number": "pdp.err.no_case"}}
		}
		if p.Restricted == on {
			return nil
		}
		if on {
			if _, err := tx.Exec(ctx, `UPDATE cases SET restricted_at = $1, restricted_by = $2 WHERE id = $3`, tx.Now(), actor.UserID, p.CaseID); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, actor, "case.restrict", kindCase, p.CaseID, "pdp "+id); err != nil {
				return err
			}
			return s.audit(ctx, tx, actor, "pdp.restrict", kindPDP, id, "")
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET restricted_at = NULL, restricted_by = NULL WHERE id = $1`, p.CaseID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "case.restrict_lift", kindCase, p.CaseID, "pdp "+id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.restrict_lift", kindPDP, id, "")
	})
}
