package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// Break-glass limits: a request lapses after a day; an approved opening
// lasts one shift.
const (
	BreakGlassRequestValid = 24 * time.Hour
	BreakGlassOpen         = 8 * time.Hour
)

// RequestBreakGlass asks to open a case one is not on, stating why. The
// request and its reason go to the audit log and to the region's
// supervisors, who hold the key and may grant it for a few hours.
func (s CaseService) RequestBreakGlass(ctx context.Context, actor *spiker.Actor, caseID, reason string) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		region, err := caseRegion(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if denied = spiker.Authorize(actor, spiker.PermBreakGlass, spiker.Scope{RegionCode: region}); denied != nil {
			return s.audit(ctx, tx, actor, "case.break_glass_denied", kindCase, caseID, "policy")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(reason)); n < 10 || n > 1000 {
			return &spiker.Error{Code: spiker.EINVALID, Message: "state the reason in a sentence", Fields: map[string]string{"reason": "staff.err.reason"}}
		}
		// The reason may name the victim: it is sealed to the supervisors
		// (sealed_text.go), and the audit log keeps only the request.
		id := newID()
		sealed, err := sealReason(ctx, tx, "break_glass", kindBreakGlass, id, strings.TrimSpace(reason), actor.Username)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO break_glass (id, case_id, user_id, reason, reason_sealed, created_at, expires_at, status) VALUES ($1, $2, $3, '', $4, $5, $6, 'diminta')`,
			id, caseID, actor.UserID, sealed, tx.Now(), tx.Now().Add(BreakGlassRequestValid)); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "case.break_glass_request", kindCase, caseID, "request "+id)
	})
	if err != nil {
		return err
	}
	return denied
}

// BreakGlassRequests lists the break-glass requests of the last day in the
// actor's region (pending first) for supervisors to see and decide. The
// reasons open with the actor's key (a supervisor's, through the group).
func (s CaseService) BreakGlassRequests(ctx context.Context, actor *spiker.Actor) ([]spiker.BreakGlassRequest, error) {
	if err := spiker.Authorize(actor, spiker.PermCaseAssign, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.BreakGlassRequest
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT b.id, b.case_id, COALESCE(c.number, ''), b.user_id, u.username, b.reason_sealed, b.created_at, b.expires_at, b.status
			FROM break_glass b JOIN cases c ON c.id = b.case_id JOIN users u ON u.id = b.user_id
			WHERE (c.region_code = $1 OR c.region_code LIKE $2) AND b.created_at > $3
			ORDER BY b.status, b.created_at DESC LIMIT 100`, actor.RegionCode, actor.RegionCode+".%", tx.Now().Add(-BreakGlassRequestValid))
		var sealed [][]byte
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (b spiker.BreakGlassRequest, err error) {
			var reason []byte
			err = rows.Scan(&b.ID, &b.CaseID, &b.CaseNumber, &b.UserID, &b.Username, &reason, &b.CreatedAt, &b.ExpiresAt, &b.Status)
			sealed = append(sealed, reason)
			return b, err
		})
		for i := range out {
			if err == nil {
				out[i].Reason, err = openReason(ctx, tx, actor, "break_glass", kindBreakGlass, out[i].ID, sealed[i])
			}
		}
		return err
	})
	return out, err
}

// ApproveBreakGlass grants the requester the case key until the opening
// expires; the log names the request, never its reason.
func (s CaseService) ApproveBreakGlass(ctx context.Context, actor *spiker.Actor, caseID, requestID string) error {
	return s.withCase(ctx, actor, spiker.PermCaseAssign, caseID, "case.break_glass_open", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		var userID int64
		var status string
		var expires time.Time
		err := tx.Get(ctx, `SELECT user_id, status, expires_at FROM break_glass WHERE id = $1 AND case_id = $2`, []any{requestID, caseID}, &userID, &status, &expires)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (status != "diminta" || tx.Now().After(expires)) {
			return "", spiker.Errorf(spiker.ECONFLICT, "this request is not pending any more")
		} else if err != nil {
			return "", err
		}
		if userID == actor.UserID {
			return "", spiker.ErrOwnApproval
		}
		pub, err := userPublicKey(ctx, tx, userID)
		if err != nil {
			return "", err
		}
		until := tx.Now().Add(BreakGlassOpen)
		// Never shorten a grant: a member of the team keeps a lasting one,
		// and an opening that lasts longer already is left as it is.
		var current *time.Time
		err = tx.Get(ctx, `SELECT expires_at FROM key_grants WHERE record_kind = 'case' AND record_id = $1 AND holder_kind = 'user' AND holder_id = $2`,
			[]any{caseID, fmt.Sprint(userID)}, &current)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		if err == nil && (current == nil || current.After(until)) {
			if _, err := tx.Exec(ctx, `UPDATE break_glass SET status = 'disetujui', approved_by = $1, expires_at = $2 WHERE id = $3`, actor.UserID, until, requestID); err != nil {
				return "", err
			}
			return fmt.Sprintf("user %d already holds the case key: request %s", userID, requestID), nil
		}
		if err := grant(ctx, tx, kindCase, caseID, holderUser, fmt.Sprint(userID), pub, k, actor.Username); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE key_grants SET expires_at = $1 WHERE record_kind = 'case' AND record_id = $2 AND holder_kind = 'user' AND holder_id = $3`,
			until, caseID, fmt.Sprint(userID)); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE break_glass SET status = 'disetujui', approved_by = $1, expires_at = $2 WHERE id = $3`, actor.UserID, until, requestID); err != nil {
			return "", err
		}
		return fmt.Sprintf("user %d until %s: request %s", userID, until.Format(time.RFC3339), requestID), nil
	})
}
