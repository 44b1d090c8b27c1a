package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// nextCaseNumber draws the next number of a regency's year, such as
// 3524/2026/00017. The upsert locks the counter row for the transaction.
func nextCaseNumber(ctx context.Context, tx *sqldb.Tx, region string, year int) (string, error) {
	regency := strings.ReplaceAll(region, ".", "")
	if len(regency) > 4 {
		regency = regency[:4]
	}
	prefix := fmt.Sprintf("%s/%d", regency, year)
	var n int64
	err := tx.Get(ctx, `INSERT INTO case_numbers (prefix, last) VALUES ($1, 1)
		ON CONFLICT (prefix) DO UPDATE SET last = case_numbers.last + 1 RETURNING last`, []any{prefix}, &n)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/%05d", prefix, n), nil
}

func entryField(id string) vault.Field {
	return vault.Field{Table: "case_entries", Column: "body", Record: id}
}

func listEntries(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID string) ([]spiker.CaseEntry, error) {
	rows, err := tx.Query(ctx, `SELECT id, created_at, author_id, kind, category, due_date, body, COALESCE(referral_id, '') FROM case_entries WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (e spiker.CaseEntry, err error) {
		var body vault.Ciphertext
		if err := rows.Scan(&e.ID, &e.At, &e.AuthorID, &e.Kind, &e.Category, &e.DueDate, (*[]byte)(&body), &e.ReferralID); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		// A service a partner delivered has no text of its own: its outcome
		// stays in the referral, under the packet key.
		if e.ReferralID != "" && len(body) == 0 {
			return e, nil
		}
		e.Body, err = k.OpenString(entryField(e.ID), body)
		return e, err
	})
}

// caseState is what the workflow rules need of a case.
type caseState struct {
	region, status, step string
	tpks, child          bool
	policeReported       bool
	team                 []int64
}

// withCase loads a case's state, checks perm with the policy (and the team
// for case content), optionally opens its key, and runs fn. Refusals are
// audited; nothing is changed unless fn succeeds.
func (s CaseService) withCase(ctx context.Context, actor *spiker.Actor, perm spiker.Permission, caseID, action string, needKey bool,
	fn func(*sqldb.Tx, *caseState, vault.DataKey) (reason string, err error)) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		st := &caseState{}
		if err := tx.Get(ctx, `SELECT region_code, status, step, tpks, perpetrator_child, police_reported_at IS NOT NULL FROM cases WHERE id = $1`, []any{caseID},
			&st.region, &st.status, &st.step, &st.tpks, &st.child, &st.policeReported); errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "case not found")
		} else if err != nil {
			return err
		}
		var err error
		if st.team, err = caseTeam(ctx, tx, caseID); err != nil {
			return err
		}
		if denied = spiker.Authorize(actor, perm, spiker.Scope{RegionCode: st.region, Case: true, Team: st.team}); denied != nil {
			return s.audit(ctx, tx, actor, action+"_denied", kindCase, caseID, "policy")
		}
		if restrictedWrite(perm, action) {
			if on, err := caseRestricted(ctx, tx, caseID); err != nil {
				return err
			} else if on {
				denied = errRestricted
				return s.audit(ctx, tx, actor, action+"_denied", kindCase, caseID, "restricted")
			}
		}
		var k vault.DataKey
		if needKey {
			k, err = openRecordKey(ctx, tx, actor, kindCase, caseID)
			if errors.Is(err, errNotHolder) {
				denied = spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this case")
				return s.audit(ctx, tx, actor, action+"_denied", kindCase, caseID, "no key")
			} else if err != nil {
				return err
			}
		}
		reason, err := fn(tx, st, k)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, action, kindCase, caseID, reason)
	})
	if err != nil {
		return err
	}
	return denied
}

// Assign adds a user to the case team: they receive the case key.
func (s CaseService) Assign(ctx context.Context, actor *spiker.Actor, caseID string, userID int64) error {
	return s.withCase(ctx, actor, spiker.PermCaseAssign, caseID, "case.assign", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		u, err := findUserWhere(ctx, tx, `id = $1`, userID)
		if err != nil || !eligible(u, st.region) {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "choose a colleague who works cases in this region", Fields: map[string]string{"user": "staff.err.choose"}}
		}
		pub := vault.PublicKey(u.PublicKey)
		if err := grant(ctx, tx, kindCase, caseID, holderUser, fmt.Sprint(userID), pub, k, actor.Username); err != nil {
			return "", err
		}
		// The team talks with the reporter too: the keys of the case's
		// reports that the assigner holds go with the case.
		ids, err := caseReportIDs(ctx, tx, caseID)
		if err != nil {
			return "", err
		}
		for _, rid := range ids {
			rk, err := openRecordKey(ctx, tx, actor, kindReport, rid)
			if errors.Is(err, errNotHolder) {
				continue
			} else if err != nil {
				return "", err
			}
			if err := grant(ctx, tx, kindReport, rid, holderUser, fmt.Sprint(userID), pub, rk, actor.Username); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("user %d", userID), nil
	})
}

// AddEntry records an assessment, a plan item, a service, a step of the
// legal process or a note, with the standard's rules.
func (s CaseService) AddEntry(ctx context.Context, actor *spiker.Actor, caseID string, e *spiker.CaseEntry) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.entry", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if st.status == spiker.CaseClosed {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is closed; reopen it first")
		}
		if err := spiker.ValidateEntry(e, st.tpks, st.child); err != nil {
			return "", err
		}
		e.ID, e.At, e.AuthorID = newID(), tx.Now(), actor.UserID
		if _, err := tx.Exec(ctx, `INSERT INTO case_entries (id, case_id, created_at, author_id, kind, category, due_date, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			e.ID, caseID, e.At, e.AuthorID, e.Kind, e.Category, e.DueDate, []byte(k.SealString(entryField(e.ID), e.Body))); err != nil {
			return "", err
		}
		if e.Kind == "layanan" {
			if err := s.countCaseDimension(ctx, tx, caseID, statService, e.Category, 1); err != nil {
				return "", err
			}
		}
		if e.Kind == "rencana" && e.DueDate != "" {
			if err := caseDeadline(ctx, tx, spiker.ClockPlan, caseID, e.ID, e.DueDate, s.zone()); err != nil {
				return "", err
			}
		}
		return e.Kind + " " + e.Category, nil
	})
}

// SetStep moves the case to a step before closure (terminasi comes only
// with a supervisor's approval); a skip or a step back keeps its reason on
// the case, sealed like any note.
func (s CaseService) SetStep(ctx context.Context, actor *spiker.Actor, caseID, step, reason string) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.step", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if st.status != spiker.CaseOpen {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is not open")
		}
		if err := spiker.CheckStep(st.step, step, reason); err != nil {
			return "", err
		}
		if spiker.StepIndex(step) != spiker.StepIndex(st.step)+1 {
			if err := addNote(ctx, tx, k, caseID, actor, "Langkah "+st.step+" → "+step+": "+reason); err != nil {
				return "", err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE cases SET step = $1 WHERE id = $2`, step, caseID)
		return st.step + " -> " + step, err
	})
}

// SetTPKS marks a case as a sexual-violence crime (UU 12/2022), which
// starts the 3 × 24 h police-report clock and forbids Mediasi unless the
// perpetrator is a child. Clearing the mark takes a supervisor and a
// reason (spiker.CheckTPKSChange), kept sealed on the case.
func (s CaseService) SetTPKS(ctx context.Context, actor *spiker.Actor, caseID string, tpks, child bool, reason string) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.tpks", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := spiker.CheckTPKSChange(actor, st.tpks, tpks, reason); err != nil {
			return "", err
		}
		if st.tpks && !tpks {
			if err := addNote(ctx, tx, k, caseID, actor, "Tanda TPKS dicabut: "+reason); err != nil {
				return "", err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET tpks = $1, perpetrator_child = $2 WHERE id = $3`, tpks, child, caseID); err != nil {
			return "", err
		}
		if tpks && !st.tpks {
			if err := startPoliceClock(ctx, tx, caseID, st.region); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("tpks=%v child=%v", tpks, child), nil
	})
}

// startPoliceClock starts the 3 × 24 h police-report clock of a case that
// has just become TPKS; it runs from the first report.
func startPoliceClock(ctx context.Context, tx *sqldb.Tx, caseID, region string) error {
	var reported time.Time
	if err := tx.Get(ctx, `SELECT created_at FROM reports WHERE case_id = $1 ORDER BY created_at LIMIT 1`, []any{caseID}, &reported); err != nil {
		return err
	}
	l, err := timeLimits(ctx, tx)
	if err != nil {
		return err
	}
	return startClock(ctx, tx, clockJob{Clock: spiker.ClockTPKS, Kind: kindCase, ID: caseID, Region: region}, spiker.PoliceReportDeadline(reported, l))
}

// RecordPoliceReport stops the TPKS police-report clock.
func (s CaseService) RecordPoliceReport(ctx context.Context, actor *spiker.Actor, caseID string) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.police_report", false, func(tx *sqldb.Tx, st *caseState, _ vault.DataKey) (string, error) {
		_, err := tx.Exec(ctx, `UPDATE cases SET police_reported_at = COALESCE(police_reported_at, $1) WHERE id = $2`, tx.Now(), caseID)
		return "", err
	})
}

// RequestClosure asks a supervisor to close the case, with a note (and,
// for a TPKS case with no police report, the exception's reason).
func (s CaseService) RequestClosure(ctx context.Context, actor *spiker.Actor, caseID, note, policeException string) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.closure_request", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if st.status != spiker.CaseOpen {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is not open")
		}
		if err := spiker.CheckClosureRequest(st.tpks, st.policeReported, policeException); err != nil {
			return "", err
		}
		if st.tpks && !st.policeReported {
			note += "\nTanpa laporan polisi, karena: " + policeException
		}
		if err := addNote(ctx, tx, k, caseID, actor, "Permintaan penutupan: "+note); err != nil {
			return "", err
		}
		_, err := tx.Exec(ctx, `UPDATE cases SET status = $1, closure_requested_by = $2 WHERE id = $3`, spiker.CaseClosureRequested, actor.UserID, caseID)
		return "", err
	})
}

// ApproveClosure closes the case (terminasi); only a supervisor may.
func (s CaseService) ApproveClosure(ctx context.Context, actor *spiker.Actor, caseID, note string, exceptionApproved bool) error {
	return s.withCase(ctx, actor, spiker.PermCaseApprove, caseID, "case.close", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if st.status != spiker.CaseClosureRequested {
			return "", spiker.Errorf(spiker.ECONFLICT, "closure has not been requested")
		}
		var requester sql.NullInt64
		if err := tx.Get(ctx, `SELECT closure_requested_by FROM cases WHERE id = $1`, []any{caseID}, &requester); err != nil {
			return "", err
		}
		if requester.Valid && requester.Int64 == actor.UserID {
			return "", spiker.ErrOwnApproval
		}
		if err := spiker.CheckClosureApproval(st.tpks, st.policeReported, exceptionApproved); err != nil {
			return "", err
		}
		if st.tpks && !st.policeReported {
			note += "\nPengecualian laporan polisi disetujui."
		}
		if err := addNote(ctx, tx, k, caseID, actor, "Penutupan disetujui: "+note); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = $1, step = $2, closed_at = $3 WHERE id = $4`,
			spiker.CaseClosed, spiker.CaseSteps[len(spiker.CaseSteps)-1], tx.Now(), caseID); err != nil {
			return "", err
		}
		return "", s.countClosure(ctx, tx, caseID, tx.Now(), 1)
	})
}

// Reopen opens a closed case again (or refuses a pending closure).
func (s CaseService) Reopen(ctx context.Context, actor *spiker.Actor, caseID, reason string) error {
	return s.withCase(ctx, actor, spiker.PermCaseApprove, caseID, "case.reopen", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if st.status == spiker.CaseOpen {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is already open")
		}
		if err := addNote(ctx, tx, k, caseID, actor, "Dibuka kembali: "+reason); err != nil {
			return "", err
		}
		var closedAt *time.Time
		if err := tx.Get(ctx, `SELECT closed_at FROM cases WHERE id = $1`, []any{caseID}, &closedAt); err != nil {
			return "", err
		}
		if closedAt != nil {
			if err := s.countClosure(ctx, tx, caseID, *closedAt, -1); err != nil {
				return "", err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE cases SET status = $1, step = $2, closed_at = NULL, closure_requested_by = NULL WHERE id = $3`,
			spiker.CaseOpen, spiker.CaseSteps[5], caseID)
		return "", err
	})
}

func addNote(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID string, actor *spiker.Actor, body string) error {
	id := newID()
	_, err := tx.Exec(ctx, `INSERT INTO case_entries (id, case_id, created_at, author_id, kind, category, due_date, body) VALUES ($1, $2, $3, $4, 'catatan', 'Catatan', '', $5)`,
		id, caseID, tx.Now(), actor.UserID, []byte(k.SealString(entryField(id), body)))
	return err
}
