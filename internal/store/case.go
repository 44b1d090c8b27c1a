package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// CaseService implements spiker.CaseService.
type CaseService struct{ *Store }

// caseRow is the stored form of a case's protected columns.
type caseRow struct {
	summary, victimName vault.Ciphertext
}

func caseField(id, column string) vault.Field {
	return vault.Field{Table: "cases", Column: column, Record: id}
}

// OpenCase opens a case from reports the actor can decrypt. The case's
// region and victim name come from its first report, never from the
// caller: c.RegionCode and c.Content.VictimName are set here. The case gets
// its own data key, sealed to the actor, the supervisors and the escrow.
func (s CaseService) OpenCase(ctx context.Context, actor *spiker.Actor, c *spiker.Case) error {
	if len(c.ReportIDs) == 0 {
		return spiker.Errorf(spiker.EINVALID, "a case is opened from at least one report")
	}
	if err := spiker.Authorize(actor, spiker.PermCaseOpen, spiker.Scope{}); err != nil {
		return err
	}
	c.ID = newID()
	k := vault.NewDataKey()
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		for i, rid := range c.ReportIDs {
			if on, err := reportRestricted(ctx, tx, rid); err != nil {
				return err
			} else if on {
				return errRestricted
			}
			rk, err := openRecordKey(ctx, tx, actor, kindReport, rid)
			if errors.Is(err, errNotHolder) {
				return spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to report %s", rid)
			} else if err != nil {
				return err
			}
			if i == 0 {
				var name vault.Ciphertext
				if err := tx.Get(ctx, `SELECT region_code, victim_name FROM reports WHERE id = $1`, []any{rid}, &c.RegionCode, (*[]byte)(&name)); err != nil {
					return err
				}
				if c.Content.VictimName, err = rk.OpenString(reportField(rid, "victim_name"), name); err != nil {
					return fmt.Errorf("report %s victim name does not decrypt: %w", rid, err)
				}
			}
		}
		if err := spiker.Authorize(actor, spiker.PermCaseOpen, spiker.Scope{RegionCode: c.RegionCode}); err != nil {
			return err
		}
		row := caseRow{
			summary:    k.SealString(caseField(c.ID, "summary"), c.Content.Summary),
			victimName: k.SealString(caseField(c.ID, "victim_name"), c.Content.VictimName),
		}
		me, err := userPublicKey(ctx, tx, actor.UserID)
		if err != nil {
			return err
		}
		c.CreatedAt, c.OpenedBy, c.Status, c.Step, c.TPKS = tx.Now(), actor.UserID, spiker.CaseOpen, spiker.CaseSteps[1], false
		// Numbered by the local year: 00:30 on 1 January is the new year.
		if c.Number, err = nextCaseNumber(ctx, tx, c.RegionCode, c.CreatedAt.In(s.zone()).Year()); err != nil {
			return err
		}
		var channel string
		if err := tx.Get(ctx, `SELECT channel FROM reports WHERE id = $1`, []any{c.ReportIDs[0]}, &channel); err != nil {
			return err
		}
		if err := insertCase(ctx, tx, c, row, channel); err != nil {
			return err
		}
		for _, rid := range c.ReportIDs {
			if err := linkReport(ctx, tx, rid, c.ID, time.Time{}); err != nil {
				return err
			}
		}
		if err := grant(ctx, tx, kindCase, c.ID, holderUser, fmt.Sprint(actor.UserID), me, k, actor.Username); err != nil {
			return err
		}
		if err := grantStandard(ctx, tx, kindCase, c.ID, k, actor.Username, GroupSupervisors); err != nil {
			return err
		}
		if err := s.countCaseOpened(ctx, tx, c, channel); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "case.open", kindCase, c.ID, "reports "+strings.Join(c.ReportIDs, ","))
	})
}

// insertCase writes a new case's row, its protected columns sealed in row;
// channel is its first report's. Cases are opened through it and the demo
// data's too.
func insertCase(ctx context.Context, tx *sqldb.Tx, c *spiker.Case, row caseRow, channel string) error {
	_, err := tx.Exec(ctx, `INSERT INTO cases (id, created_at, region_code, status, opened_by, summary, victim_name, number, step, tpks, channel)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, c.ID, c.CreatedAt, c.RegionCode, c.Status, c.OpenedBy,
		[]byte(row.summary), []byte(row.victimName), c.Number, c.Step, c.TPKS, channel)
	return err
}

// linkReport puts a report in a case, or answers ECONFLICT if it is in one
// already. firstResponse, unless zero, becomes its first response if it
// had none.
func linkReport(ctx context.Context, tx *sqldb.Tx, reportID, caseID string, firstResponse time.Time) error {
	var first any // NULL keeps the column as it is
	if !firstResponse.IsZero() {
		first = firstResponse
	}
	res, err := tx.Exec(ctx, `UPDATE reports SET status = $1, case_id = $2, first_response_at = COALESCE(first_response_at, $3)
		WHERE id = $4 AND case_id IS NULL`, string(spiker.ReportCase), caseID, first, reportID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return spiker.Errorf(spiker.ECONFLICT, "report %s already belongs to a case", reportID)
	}
	return nil
}

// FindCase decrypts a case for the actor, auditing the read or the refusal.
func (s CaseService) FindCase(ctx context.Context, actor *spiker.Actor, id string) (*spiker.Case, error) {
	var c *spiker.Case
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var err error
		c, _, denied, err = s.openCaseFor(ctx, tx, actor, id, "case.read")
		if err != nil || denied != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "case.read", kindCase, id, "")
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, denied
	}
	return c, nil
}

// openCaseFor reads and decrypts a case in tx for a reader: the policy
// (with the team), then the actor's key. A refusal is audited as
// action+"_denied" and returned as denied, for the caller to commit; the
// read itself is the caller's to audit.
func (s CaseService) openCaseFor(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, id, action string) (c *spiker.Case, k vault.DataKey, denied, err error) {
	c = &spiker.Case{}
	var row caseRow
	var number sql.NullString
	var requester sql.NullInt64
	err = tx.Get(ctx, `SELECT id, created_at, region_code, status, opened_by, summary, victim_name, number, step, tpks, perpetrator_child, police_reported_at, closure_requested_by, restricted_at
		FROM cases WHERE id = $1`, []any{id},
		&c.ID, &c.CreatedAt, &c.RegionCode, &c.Status, &c.OpenedBy, (*[]byte)(&row.summary), (*[]byte)(&row.victimName),
		&number, &c.Step, &c.TPKS, &c.PerpetratorChild, &c.PoliceReportedAt, &requester, &c.RestrictedAt)
	c.Number, c.ClosureRequestedBy = number.String, requester.Int64
	if errors.Is(err, sql.ErrNoRows) {
		return nil, k, nil, spiker.Errorf(spiker.ENOTFOUND, "case not found")
	} else if err != nil {
		return nil, k, nil, err
	}
	if c.Team, err = caseTeam(ctx, tx, id); err != nil {
		return nil, k, nil, err
	}
	if denied = spiker.Authorize(actor, spiker.PermCaseRead, spiker.Scope{RegionCode: c.RegionCode, Case: true, Team: c.Team}); denied != nil {
		return nil, k, denied, s.audit(ctx, tx, actor, action+"_denied", kindCase, id, "policy")
	}
	if err := refusePurged(ctx, tx, kindCase, id); spiker.ErrorCode(err) == spiker.EGONE {
		return nil, k, err, nil
	} else if err != nil {
		return nil, k, nil, err
	}
	k, err = openRecordKey(ctx, tx, actor, kindCase, id)
	if errors.Is(err, errNotHolder) {
		return nil, k, spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this case"), s.audit(ctx, tx, actor, action+"_denied", kindCase, id, "no key")
	} else if err != nil {
		return nil, k, nil, err
	}
	if err := loadCase(ctx, tx, k, c, row); err != nil {
		return nil, k, nil, err
	}
	return c, k, nil, nil
}

// loadCase decrypts a case's protected columns with its key k and loads
// its reports, entries, record, corrections and protections.
func loadCase(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, c *spiker.Case, row caseRow) error {
	var err error
	if c.Content.Summary, err = k.OpenString(caseField(c.ID, "summary"), row.summary); err != nil {
		return err
	}
	if c.Content.VictimName, err = k.OpenString(caseField(c.ID, "victim_name"), row.victimName); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id, created_at, violence_types FROM reports WHERE case_id = $1 ORDER BY created_at`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rid, types string
		var at time.Time
		if err := rows.Scan(&rid, &at, &types); err != nil {
			return err
		}
		if c.ReportedAt.IsZero() {
			c.ReportedAt = at.UTC()
		}
		c.ReportIDs = append(c.ReportIDs, rid)
		if c.ReportTypesOf == nil {
			c.ReportTypesOf = map[string][]string{}
		}
		c.ReportTypesOf[rid] = splitList(types)
		for _, t := range strings.Split(types, ";") {
			if t != "" && !slices.Contains(c.ReportTypes, t) {
				c.ReportTypes = append(c.ReportTypes, t)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if c.Entries, err = listEntries(ctx, tx, k, c.ID); err != nil {
		return err
	}
	if err := loadRecord(ctx, tx, k, c); err != nil {
		return err
	}
	if err := loadCorrections(ctx, tx, k, c); err != nil {
		return err
	}
	if err := loadProtections(ctx, tx, k, c); err != nil {
		return err
	}
	if err := loadTakedowns(ctx, tx, k, c); err != nil {
		return err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return nil
}

// caseTeam returns the users who hold a personal grant to the case: the
// officer who opened it and everyone assigned since.
func caseTeam(ctx context.Context, tx *sqldb.Tx, caseID string) ([]int64, error) {
	holders, err := sqldb.QueryStrings(ctx, tx, `SELECT holder_id FROM key_grants WHERE record_kind = 'case' AND record_id = $1 AND holder_kind = 'user'
		AND (expires_at IS NULL OR expires_at > $2)`, caseID, tx.Now())
	if err != nil {
		return nil, err
	}
	team := []int64{}
	for _, h := range holders {
		var id int64
		fmt.Sscan(h, &id)
		team = append(team, id)
	}
	return team, nil
}

// caseRegion returns a case's region for policy checks.
func caseRegion(ctx context.Context, tx *sqldb.Tx, caseID string) (string, error) {
	var region string
	err := tx.Get(ctx, `SELECT region_code FROM cases WHERE id = $1`, []any{caseID}, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return "", spiker.Errorf(spiker.ENOTFOUND, "case not found")
	}
	return region, err
}

// GrantCase adds a user to a case by sealing its key to them; only someone
// who holds the key can give it.
func (s CaseService) GrantCase(ctx context.Context, actor *spiker.Actor, caseID string, userID int64, reason string) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		region, err := caseRegion(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if err := spiker.Authorize(actor, spiker.PermCaseAssign, spiker.Scope{RegionCode: region}); err != nil {
			return err
		}
		k, err := openRecordKey(ctx, tx, actor, kindCase, caseID)
		if errors.Is(err, errNotHolder) {
			return spiker.Errorf(spiker.EFORBIDDEN, "you are not on this case, so you cannot add others to it")
		} else if err != nil {
			return err
		}
		pub, err := userPublicKey(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := grant(ctx, tx, kindCase, caseID, holderUser, fmt.Sprint(userID), pub, k, actor.Username); err != nil {
			return err
		}
		// The reason is free text: a note sealed under the case key, not
		// the audit log.
		if reason = strings.TrimSpace(reason); reason != "" {
			if err := addNote(ctx, tx, k, caseID, actor, fmt.Sprintf("Ditambahkan ke kasus (pengguna %d): %s", userID, reason)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "case.grant", kindCase, caseID, fmt.Sprintf("user %d", userID))
	})
}

// RevokeCase takes a user off a case: RemoveMember, which re-keys it.
func (s CaseService) RevokeCase(ctx context.Context, actor *spiker.Actor, caseID string, userID int64, reason string) error {
	return s.RemoveMember(ctx, actor, caseID, userID, reason)
}
