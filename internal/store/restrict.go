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

// reportRestricted reports whether report id, or the case it belongs to,
// is restricted.
func reportRestricted(ctx context.Context, tx *sqldb.Tx, id string) (bool, error) {
	var n int
	err := tx.Get(ctx, `SELECT COUNT(*) FROM reports r LEFT JOIN cases c ON c.id = r.case_id
		WHERE r.id = $1 AND (r.restricted_at IS NOT NULL OR c.restricted_at IS NOT NULL)`, []any{id}, &n)
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

// RestrictPDP restricts (on) or lifts the restriction of processing of the
// case request id is linked to or, without one, of its report. It needs
// no record key: it is a flag.
func (s DutyService) RestrictPDP(ctx context.Context, actor *spiker.Actor, id string, on bool) error {
	return s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		table, kind, record := "cases", kindCase, p.CaseID
		if record == "" {
			table, kind, record = "reports", kindReport, p.ReportID
		}
		if record == "" {
			return &spiker.Error{Code: spiker.EINVALID, Message: "the request is linked to no case or report", Fields: map[string]string{"case_number": "pdp.err.no_case"}}
		}
		if p.Restricted == on {
			return nil
		}
		if on {
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET restricted_at = $1, restricted_by = $2 WHERE id = $3`, tx.Now(), actor.UserID, record); err != nil {
				return err
			}
			action := "case.restrict"
			if kind == kindReport {
				action = "report.restrict"
			}
			if err := s.audit(ctx, tx, actor, action, kind, record, "pdp "+id); err != nil {
				return err
			}
			return s.audit(ctx, tx, actor, "pdp.restrict", kindPDP, id, "")
		}
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET restricted_at = NULL, restricted_by = NULL WHERE id = $1`, record); err != nil {
			return err
		}
		action := "case.restrict_lift"
		if kind == kindReport {
			action = "report.restrict_lift"
		}
		if err := s.audit(ctx, tx, actor, action, kind, record, "pdp "+id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.restrict_lift", kindPDP, id, "")
	})
}
