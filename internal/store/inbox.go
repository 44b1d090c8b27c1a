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

// FirstResponseLimit is the default time limit for a first response to a new web
// report, at any hour (DESIGN.md §3).
const FirstResponseLimit = time.Hour

// Inbox lists the reports in the actor's region, new ones first and then
// newest first, after the keyset cursor (created_at, id) of the previous
// page.
func (s ReportService) FindReports(ctx context.Context, actor *spiker.Actor, f spiker.ReportFilter) ([]spiker.InboxItem, error) {
	if err := spiker.Authorize(actor, spiker.PermInbox, spiker.Scope{}); err != nil {
		return nil, err
	}
	before, limit := f.Before, f.Limit
	if before.IsZero() {
		before = s.DB.Now().Add(time.Hour)
	}
	if limit <= 0 {
		limit = spiker.DefaultReportLimit
	}
	var out []spiker.InboxItem
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		limits, err := timeLimits(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, created_at, channel, region_code, in_danger, status, risiko, kewenangan, first_response_at, risk_from_at, risk_due_at
			FROM reports
			WHERE (region_code = $1 OR region_code LIKE $2) AND (created_at < $3 OR created_at = $3 AND id < $4) AND purged_at IS NULL
			ORDER BY created_at DESC, id DESC LIMIT $5`,
			actor.RegionCode, actor.RegionCode+".%", before, f.BeforeID, limit)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (spiker.InboxItem, error) {
			var it spiker.InboxItem
			var ch, st string
			err := rows.Scan(&it.ID, &it.CreatedAt, &ch, &it.RegionCode, &it.InDanger, &st, &it.Risiko, &it.Kewenangan, &it.FirstResponseAt, &it.RiskFrom, &it.RiskDueAt)
			it.Channel, it.Status, it.CreatedAt = spiker.Channel(ch), spiker.ReportStatus(st), it.CreatedAt.UTC()
			it.DueAt = it.CreatedAt.Add(limits.FirstResponse)
			return it, err
		})
		return err
	})
	return out, err
}

// ReportMessages returns a report's conversation for a holder, logged.
func (s ReportService) ReportMessages(ctx context.Context, actor *spiker.Actor, id string) ([]spiker.Message, error) {
	var out []spiker.Message
	err := s.withReportKey(ctx, actor, spiker.PermReportRead, id, "report.messages_read", func(tx *sqldb.Tx, k vault.DataKey) error {
		if err := foldInbound(ctx, tx, actor, k, id); err != nil {
			return err
		}
		var err error
		out, err = listMessages(ctx, tx, k, id)
		return err
	})
	return out, err
}

// Reply adds a staff message the reporter sees on follow-up; it stops the
// first-response clock.
func (s ReportService) Reply(ctx context.Context, actor *spiker.Actor, id, body string) error {
	if err := spiker.ValidateMessage(spiker.MessageReply, body); err != nil {
		return err
	}
	return s.withReportKey(ctx, actor, spiker.PermReportReply, id, "report.reply", func(tx *sqldb.Tx, k vault.DataKey) error {
		if err := insertMessage(ctx, tx, k, id, spiker.FromStaff, spiker.MessageReply, body); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET first_response_at = $1 WHERE id = $2 AND first_response_at IS NULL`, tx.Now(), id); err != nil {
			return err
		}
		return s.firstResponse(ctx, tx, id, actor.UserID)
	})
}

// Identify records a report's jenis kasus, risk and authority.
func (s ReportService) Identify(ctx context.Context, actor *spiker.Actor, id, jenis, risiko, kewenangan string) error {
	f := map[string]string{}
	for name, v := range map[string][2]any{"jenis_kasus": {jenis, spiker.JenisKasus}, "risiko": {risiko, spiker.Risiko}, "kewenangan": {kewenangan, spiker.Kewenangan}} {
		val, list := v[0].(string), v[1].([]string)
		ok := false
		for _, x := range list {
			ok = ok || x == val
		}
		if !ok {
			f[name] = "staff.err.choose"
		}
	}
	if len(f) > 0 {
		return &spiker.Error{Code: spiker.EINVALID, Message: "choose from the lists", Fields: f}
	}
	return s.withReportScope(ctx, actor, spiker.PermReportTriage, id, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE reports SET jenis_kasus = $1, risiko = $2, kewenangan = $3,
			first_response_at = COALESCE(first_response_at, $4) WHERE id = $5`, jenis, risiko, kewenangan, tx.Now(), id); err != nil {
			return err
		}
		if err := s.firstResponse(ctx, tx, id, actor.UserID); err != nil {
			return err
		}
		var region, status string
		if err := tx.Get(ctx, `SELECT region_code, status FROM reports WHERE id = $1`, []any{id}, &region, &status); err != nil {
			return err
		}
		if status == string(spiker.ReportNew) {
			if err := reportIdentified(ctx, tx, id, region, risiko, s.zone()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "report.identify", kindReport, id, jenis+" "+risiko+" "+kewenangan)
	})
}

// CloseReport closes a new report as not-a-case, with a reason.
func (s ReportService) CloseReport(ctx context.Context, actor *spiker.Actor, id, reason string) error {
	ok := false
	for _, r := range spiker.CloseReasons {
		ok = ok || r == reason
	}
	if !ok {
		return &spiker.Error{Code: spiker.EINVALID, Message: "choose a reason", Fields: map[string]string{"reason": "staff.err.choose"}}
	}
	return s.withReportScope(ctx, actor, spiker.PermReportTriage, id, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE reports SET status = $1, close_reason = $2, first_response_at = COALESCE(first_response_at, $3), closed_at = $3
			WHERE id = $4 AND status = $5`, string(spiker.ReportClosed), reason, tx.Now(), id, string(spiker.ReportNew))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return spiker.Errorf(spiker.ECONFLICT, "only a new report can be closed")
		}
		if err := s.firstResponse(ctx, tx, id, actor.UserID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "report.close", kindReport, id, reason)
	})
}

// withReportScope loads a report's region in a write transaction, checks
// the policy for it, and runs fn. A refusal is audited.
func (s ReportService) withReportScope(ctx context.Context, actor *spiker.Actor, perm spiker.Permission, id string, fn func(*sqldb.Tx) error) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var region string
		if err := tx.Get(ctx, `SELECT region_code FROM reports WHERE id = $1`, []any{id}, &region); errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "report not found")
		} else if err != nil {
			return err
		}
		if err := spiker.Authorize(actor, perm, spiker.Scope{RegionCode: region}); err != nil {
			denied = err
			return s.audit(ctx, tx, actor, string(perm)+".denied", kindReport, id, "")
		}
		if perm == spiker.PermReportTriage || perm == spiker.PermReportReply {
			// Triage, notes, replies and the reply address stop while the
			// report's (or its case's) processing is restricted (UU PDP).
			if on, err := reportRestricted(ctx, tx, id); err != nil {
				return err
			} else if on {
				denied = errRestricted
				return s.audit(ctx, tx, actor, string(perm)+".denied", kindReport, id, "restricted")
			}
		}
		return fn(tx)
	})
	if err != nil {
		return err
	}
	return denied
}

// withReportKey is withReportScope plus the report's key, which the actor
// must hold.
func (s ReportService) withReportKey(ctx context.Context, actor *spiker.Actor, perm spiker.Permission, id, action string, fn func(*sqldb.Tx, vault.DataKey) error) error {
	var noKey bool
	err := s.withReportScope(ctx, actor, perm, id, func(tx *sqldb.Tx) error {
		k, err := openRecordKey(ctx, tx, actor, kindReport, id)
		if errors.Is(err, errNotHolder) {
			noKey = true
			return s.audit(ctx, tx, actor, action+"_denied", kindReport, id, "no key")
		} else if err != nil {
			return err
		}
		if err := fn(tx, k); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, action, kindReport, id, "")
	})
	if err == nil && noKey {
		return spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this report")
	}
	return err
}
