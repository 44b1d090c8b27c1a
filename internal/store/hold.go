package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// caseOnHold reports whether a legal hold stands on a case: while it does,
// nothing of the case or its reports may be purged.
func caseOnHold(ctx context.Context, tx *sqldb.Tx, caseID string) (bool, error) {
	var n int
	err := tx.Get(ctx, `SELECT COUNT(*) FROM legal_holds WHERE case_id = $1`, []any{caseID}, &n)
	return n > 0, err
}

// holdState fills a page's hold: who put it and when, and its reason to
// one who holds its key (the supervisors).
func holdState(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, caseID string, st *spiker.RetentionState) error {
	var sealed []byte
	err := tx.Get(ctx, `SELECT u.username, h.placed_at, h.reason_sealed FROM legal_holds h JOIN users u ON u.id = h.placed_by WHERE h.case_id = $1`,
		[]any{caseID}, &st.HoldBy, &st.HoldAt, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	st.Hold = true
	st.Reason, err = openReason(ctx, tx, actor, "legal_holds", kindLegalHold, caseID, sealed)
	return err
}

// PutLegalHold puts a legal hold on a case (a supervisor of its region),
// with its reason sealed to the supervisors. The audit log keeps that the
// hold was put, never its reason.
func (s RetentionService) PutLegalHold(ctx context.Context, actor *spiker.Actor, caseID, reason string) error {
	return CaseService(s).withCase(ctx, actor, spiker.PermLegalHold, caseID, "case.hold", false, func(tx *sqldb.Tx, _ *caseState, _ vault.DataKey) (string, error) {
		if err := spiker.ValidHoldReason(reason); err != nil {
			return "", err
		}
		if on, err := caseOnHold(ctx, tx, caseID); err != nil {
			return "", err
		} else if on {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is already under a legal hold")
		}
		if err := refusePurged(ctx, tx, kindCase, caseID); err != nil {
			return "", err
		}
		sealed, err := sealReason(ctx, tx, "legal_holds", kindLegalHold, caseID, reason, actor.Username)
		if err != nil {
			return "", err
		}
		_, err = tx.Exec(ctx, `INSERT INTO legal_holds (case_id, reason_sealed, placed_by, placed_at) VALUES ($1, $2, $3, $4)`,
			caseID, sealed, actor.UserID, tx.Now())
		return "", err
	})
}

// LiftLegalHold lifts a case's legal hold: its reason's key goes with it
// (the audit log keeps who put and lifted it, and when).
func (s RetentionService) LiftLegalHold(ctx context.Context, actor *spiker.Actor, caseID string) error {
	return CaseService(s).withCase(ctx, actor, spiker.PermLegalHold, caseID, "case.hold_lift", false, func(tx *sqldb.Tx, _ *caseState, _ vault.DataKey) (string, error) {
		res, err := tx.Exec(ctx, `DELETE FROM legal_holds WHERE case_id = $1`, caseID)
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is not under a legal hold")
		}
		_, err = tx.Exec(ctx, `DELETE FROM key_grants WHERE record_kind = $1 AND record_id = $2`, kindLegalHold, caseID)
		return "", err
	})
}

// ExtendCase keeps a closed case (and its reports) until a later day, with
// a reason sealed to the supervisors and the one who extends; one on the
// case's team who holds its key may.
func (s RetentionService) ExtendCase(ctx context.Context, actor *spiker.Actor, caseID string, e spiker.RetentionExtension) error {
	return CaseService(s).withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.retention_extend", true, func(tx *sqldb.Tx, _ *caseState, _ vault.DataKey) (string, error) {
		end, err := caseEnd(ctx, tx, caseID)
		if err != nil {
			return "", err
		}
		p, err := retentionPolicy(ctx, tx)
		if err != nil {
			return "", err
		}
		return s.extend(ctx, tx, actor, kindCase, caseID, end, p.CaseRetentionEnd(end.closed, end.keep, s.zone()), e)
	})
}

// ExtendReport keeps a report closed as not a case until a later day; a
// holder of its key who may triage reports may.
func (s RetentionService) ExtendReport(ctx context.Context, actor *spiker.Actor, reportID string, e spiker.RetentionExtension) error {
	return ReportService(s).withReportKey(ctx, actor, spiker.PermReportTriage, reportID, "report.retention_extend", func(tx *sqldb.Tx, _ vault.DataKey) error {
		end, err := reportEnd(ctx, tx, reportID)
		if err != nil {
			return err
		}
		p, err := retentionPolicy(ctx, tx)
		if err != nil {
			return err
		}
		_, err = s.extend(ctx, tx, actor, kindReport, reportID, end, p.ReportRetentionEnd(end.closed, end.keep, s.zone()), e)
		return err
	})
}

// extend stores an extension of a closed record whose purge is due at
// current; it returns the audit's reason (the new last day, never the
// reason given).
func (s RetentionService) extend(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, kind, id string, end recordEnd, current time.Time, e spiker.RetentionExtension) (string, error) {
	if !end.ok {
		return "", spiker.Errorf(spiker.ECONFLICT, "only a closed record that is not purged yet has a retention to extend")
	}
	keep, err := e.Validate(current, tx.Now(), s.zone())
	if err != nil {
		return "", err
	}
	xid := newID()
	extra := []holder{}
	if h, ok, err := userHolder(ctx, tx, actor.UserID); err != nil {
		return "", err
	} else if ok {
		extra = append(extra, h)
	}
	sealed, err := sealReason(ctx, tx, "retention_extensions", kindExtension, xid, e.Reason, actor.Username, extra...)
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO retention_extensions (id, record_kind, record_id, keep_until, reason_sealed, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, xid, kind, id, keep, sealed, actor.UserID, tx.Now()); err != nil {
		return "", err
	}
	table := map[string]string{kindCase: "cases", kindReport: "reports"}[kind]
	if _, err := tx.Exec(ctx, `UPDATE `+table+` SET keep_until = $1 WHERE id = $2`, keep, id); err != nil {
		return "", err
	}
	return "until " + keep.In(s.zone()).Format(time.DateOnly), nil
}

// refusePurged refuses a read of or a change to a record already purged,
// with EGONE: a holder learns it was purged, not that they hold no key.
func refusePurged(ctx context.Context, tx *sqldb.Tx, kind, id string) error {
	table := map[string]string{kindCase: "cases", kindReport: "reports"}[kind]
	var n int
	if err := tx.Get(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1 AND purged_at IS NOT NULL`, []any{id}, &n); err != nil {
		return err
	}
	if n > 0 {
		return spiker.Errorf(spiker.EGONE, "the record was purged; its content is gone")
	}
	return nil
}
