package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// CaseTeam lists the case's members whose grant has not expired, the case
// manager marked.
func (s CaseService) CaseTeam(ctx context.Context, actor *spiker.Actor, caseID string) ([]spiker.TeamMember, error) {
	var out []spiker.TeamMember
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		region, err := authorizeCaseRead(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		out, err = listCaseTeam(ctx, tx, caseID, region)
		return err
	})
	return out, err
}

// authorizeCaseRead lets the actor read case caseID by policy (its region
// and team) and returns the case's region.
func authorizeCaseRead(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, caseID string) (string, error) {
	region, err := caseRegion(ctx, tx, caseID)
	if err != nil {
		return "", err
	}
	team, err := caseTeam(ctx, tx, caseID)
	if err != nil {
		return "", err
	}
	return region, spiker.Authorize(actor, spiker.PermCaseRead, spiker.Scope{RegionCode: region, Case: true, Team: team})
}

// listCaseTeam lists the members of a case of region, sorted by name.
func listCaseTeam(ctx context.Context, tx *sqldb.Tx, caseID, region string) ([]spiker.TeamMember, error) {
	var manager sql.NullInt64
	if err := tx.Get(ctx, `SELECT manager_id FROM cases WHERE id = $1`, []any{caseID}, &manager); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT holder_id, expires_at FROM key_grants WHERE record_kind = 'case' AND record_id = $1 AND holder_kind = 'user'
		AND (expires_at IS NULL OR expires_at > $2)`, caseID, tx.Now())
	type grant struct {
		holder  string
		expires *time.Time
	}
	grants, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (g grant, err error) { return g, rows.Scan(&g.holder, &g.expires) })
	if err != nil {
		return nil, err
	}
	until := map[int64]time.Time{}
	for _, g := range grants {
		var id int64
		fmt.Sscan(g.holder, &id)
		if g.expires != nil {
			until[id] = g.expires.UTC()
		} else {
			until[id] = time.Time{}
		}
	}
	var out []spiker.TeamMember
	for id, u := range until {
		user, err := findUserWhere(ctx, tx, `id = $1`, id)
		if err != nil {
			continue // a deleted user's grant shows no one
		}
		out = append(out, spiker.TeamMember{UserID: id, Username: user.Username, Roles: user.Roles, RegionCode: user.RegionCode,
			Manager: manager.Valid && manager.Int64 == id, CanManage: u.IsZero() && eligible(user, region), Until: u})
	}
	slices.SortFunc(out, func(a, b spiker.TeamMember) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// EligibleMembers lists the colleagues a supervisor may add to the case.
func (s CaseService) EligibleMembers(ctx context.Context, actor *spiker.Actor, caseID string) ([]spiker.TeamMember, error) {
	var out []spiker.TeamMember
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		region, err := caseRegion(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if err := spiker.Authorize(actor, spiker.PermCaseAssign, spiker.Scope{RegionCode: region}); err != nil {
			return err
		}
		out, err = listEligible(ctx, tx, caseID, region)
		return err
	})
	return out, err
}

// listEligible lists the users who may join a case of region and are not
// lasting members of it.
func listEligible(ctx context.Context, tx *sqldb.Tx, caseID, region string) ([]spiker.TeamMember, error) {
	team, err := lastingTeam(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	ids, err := sqldb.QueryStrings(ctx, tx, `SELECT CAST(id AS TEXT) FROM users WHERE NOT disabled AND public_key IS NOT NULL ORDER BY username`)
	if err != nil {
		return nil, err
	}
	var out []spiker.TeamMember
	for _, h := range ids {
		var id int64
		fmt.Sscan(h, &id)
		u, err := findUserWhere(ctx, tx, `id = $1`, id)
		if err != nil {
			return nil, err
		}
		if eligible(u, region) && !slices.Contains(team, id) {
			out = append(out, spiker.TeamMember{UserID: id, Username: u.Username, Roles: u.Roles, RegionCode: u.RegionCode})
		}
	}
	return out, nil
}

// eligible reports whether a user may join a case of region: enrolled, not
// disabled, a role that works cases and a region covering the case's.
func eligible(u *spiker.User, region string) bool {
	return !u.Disabled && len(u.PublicKey) == 32 && u.Actor(nil).Can(spiker.PermCaseWrite) && spiker.RegionContains(u.RegionCode, region)
}

// lastingTeam returns the members with a lasting (not break-glass) grant.
func lastingTeam(ctx context.Context, tx *sqldb.Tx, caseID string) ([]int64, error) {
	hs, err := sqldb.QueryStrings(ctx, tx, `SELECT holder_id FROM key_grants WHERE record_kind = 'case' AND record_id = $1 AND holder_kind = 'user' AND expires_at IS NULL`, caseID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(hs))
	for _, h := range hs {
		var id int64
		fmt.Sscan(h, &id)
		ids = append(ids, id)
	}
	return ids, nil
}

// SetManager names a member of the team the case manager.
func (s CaseService) SetManager(ctx context.Context, actor *spiker.Actor, caseID string, userID int64) error {
	return s.withCase(ctx, actor, spiker.PermCaseAssign, caseID, "case.manager", true, func(tx *sqldb.Tx, st *caseState, _ vault.DataKey) (string, error) {
		team, err := lastingTeam(ctx, tx, caseID)
		if err != nil {
			return "", err
		}
		if !slices.Contains(team, userID) {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "the case manager must be on the team", Fields: map[string]string{"manager": "team.err.manager"}}
		}
		if u, err := findUserWhere(ctx, tx, `id = $1`, userID); err != nil || !eligible(u, st.region) {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "this colleague cannot work cases here", Fields: map[string]string{"manager": "team.err.manager"}}
		}
		_, err = tx.Exec(ctx, `UPDATE cases SET manager_id = $1 WHERE id = $2`, userID, caseID)
		return fmt.Sprintf("user %d", userID), err
	})
}

// RemoveMember takes a member off the case and re-keys it (rekeyCase);
// their grants to the case's reports go too.
func (s CaseService) RemoveMember(ctx context.Context, actor *spiker.Actor, caseID string, userID int64, reason string) error {
	return s.withCase(ctx, actor, spiker.PermCaseAssign, caseID, "case.remove_member", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if n := utf8.RuneCountInString(strings.TrimSpace(reason)); n < 5 || n > 1000 {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "state the reason", Fields: map[string]string{"remove_reason": "staff.err.reason"}}
		}
		var n int
		if err := tx.Get(ctx, `SELECT COUNT(*) FROM key_grants WHERE record_kind = 'case' AND record_id = $1 AND holder_kind = 'user' AND holder_id = $2`,
			[]any{caseID, fmt.Sprint(userID)}, &n); err != nil {
			return "", err
		}
		if n == 0 {
			return "", spiker.Errorf(spiker.ENOTFOUND, "user %d is not on this case", userID)
		}
		// The reason may name people: it is kept as a note sealed under
		// the case key (re-sealed by the re-key below), which the team and
		// the supervisors hold; the audit log names only the user.
		if err := addNote(ctx, tx, k, caseID, actor, fmt.Sprintf("Dikeluarkan dari tim (pengguna %d): %s", userID, strings.TrimSpace(reason))); err != nil {
			return "", err
		}
		if err := rekeyCase(ctx, tx, caseID, k, userID); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM key_grants WHERE record_kind = 'report' AND holder_kind = 'user' AND holder_id = $1
			AND record_id IN (SELECT id FROM reports WHERE case_id = $2)`, fmt.Sprint(userID), caseID); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET manager_id = NULL WHERE id = $1 AND manager_id = $2`, caseID, userID); err != nil {
			return "", err
		}
		return fmt.Sprintf("user %d", userID), nil
	})
}

// sealedColumns names one table's columns sealed under one key.
type sealedColumns struct {
	table, where string
	columns      []string
	stream       map[string]bool // chunk-stream encrypted (file content)
	field        func(id, column string) vault.Field
}

// caseSealed is every column sealed under a case's key. A column missing
// here would not open for the team after a re-key: TestRemoveMemberRekeys
// reads every kind back.
var caseSealed = []sealedColumns{
	{table: "cases", where: "id = $1", columns: []string{"summary", "victim_name"}, field: caseField},
	{table: "case_entries", where: "case_id = $1", columns: []string{"body"}, field: func(id, _ string) vault.Field { return entryField(id) }},
	{table: "case_victims", where: "case_id = $1", columns: []string{"name", "nik", "accommodation", "consent_override"}, field: victimField},
	{table: "case_perpetrators", where: "case_id = $1", columns: []string{"name"}, field: func(id, _ string) vault.Field { return perpField(id) }},
	{table: "case_files", where: "case_id = $1 AND referral_id IS NULL", columns: []string{"name", "content"}, stream: map[string]bool{"content": true}, field: caseFileField},
	{table: "referrals", where: "case_id = $1", columns: []string{"consent_override"}, field: referralField},
	{table: "case_corrections", where: "case_id = $1", columns: []string{"body"}, field: func(id, _ string) vault.Field { return correctionField(id) }},
	{table: "case_restitutions", where: "case_id = $1", columns: []string{"notes"}, field: func(id, _ string) vault.Field { return restitutionField(id) }},
	{table: "case_protection_orders", where: "case_id = $1", columns: []string{"notes"}, field: func(id, _ string) vault.Field { return orderField(id) }},
	{table: "case_risk_assessments", where: "case_id = $1", columns: []string{"body"}, field: func(id, _ string) vault.Field { return riskField(id) }},
	{table: "case_safety_plans", where: "case_id = $1", columns: []string{"body"}, field: func(id, _ string) vault.Field { return safetyPlanField(id) }},
	{table: "case_takedowns", where: "case_id = $1", columns: []string{"body"}, field: func(id, _ string) vault.Field { return takedownField(id) }},
	{table: "case_takedown_requests", where: "case_id = $1", columns: []string{"reference"}, field: func(id, _ string) vault.Field { return takedownRefField(id) }},
}

// subKeyed is a record of a case with a key of its own (a referral's packet
// key, a visit's key), kept in its key_case column sealed under the case
// key and granted to its own holders (the agency, the visit's officers).
type subKeyed struct {
	kind string
	sealedColumns
	// also are rows of other tables sealed under the record's key (its
	// where clause's $1 is the record's id).
	also []sealedColumns
}

// caseSubKeyed is every record with its own key under a case key. A
// removed member could have opened these keys through the case key, so a
// re-key gives each a new key too.
var caseSubKeyed = []subKeyed{
	{kindReferral, sealedColumns{table: "referrals", where: "id = $1", columns: []string{"packet", "response", "outcome"}, field: referralField},
		// The partner's result files (referral_files.go).
		[]sealedColumns{{table: "case_files", where: "referral_id = $1", columns: []string{"name", "content"}, stream: map[string]bool{"content": true}, field: caseFileField}}},
	{kindVisit, sealedColumns{table: "visits", where: "id = $1", columns: []string{"details", "result"}, field: visitField}, nil},
}

// rekeyCase gives a case a new data key in the caller's transaction: every
// column of caseSealed is opened with old and sealed again under the new
// key; every record of caseSubKeyed gets a new key of its own as well; the
// new keys are sealed to every holder of an unexpired grant except the
// removed user (with the same expiry), and all older grants go.
func rekeyCase(ctx context.Context, tx *sqldb.Tx, caseID string, old vault.DataKey, removed int64) error {
	nk, removedUser := vault.NewDataKey(), fmt.Sprint(removed)
	for _, t := range caseSealed {
		if err := resealTable(ctx, tx, t, caseID, old, nk); err != nil {
			return fmt.Errorf("re-keying %s: %w", t.table, err)
		}
	}
	for _, t := range caseSubKeyed {
		if err := rekeySubRecords(ctx, tx, t, caseID, old, nk, removedUser); err != nil {
			return fmt.Errorf("re-keying %s: %w", t.table, err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM visit_team WHERE user_id = $1 AND visit_id IN (SELECT id FROM visits WHERE case_id = $2)`, removed, caseID); err != nil {
		return err
	}
	return regrant(ctx, tx, kindCase, caseID, nk, removedUser)
}

// rekeySubRecords gives each record of t on the case a new key: its
// columns sealed again, the key kept under the new case key, and granted
// anew to its holders but the removed user.
func rekeySubRecords(ctx context.Context, tx *sqldb.Tx, t subKeyed, caseID string, old, nk vault.DataKey, removedUser string) error {
	type rec struct {
		id      string
		keyCase []byte
	}
	rows, err := tx.Query(ctx, `SELECT id, key_case FROM `+t.table+` WHERE case_id = $1`, caseID)
	recs, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (r rec, err error) { return r, rows.Scan(&r.id, &r.keyCase) })
	if err != nil {
		return err
	}
	for _, r := range recs {
		b, err := old.Open(t.field(r.id, "key_case"), r.keyCase)
		if err != nil || len(b) != len(vault.DataKey{}) {
			return fmt.Errorf("%s key_case: %w", r.id, vault.ErrOpen)
		}
		osk, nsk := vault.DataKey(b), vault.NewDataKey()
		if err := resealTable(ctx, tx, t.sealedColumns, r.id, osk, nsk); err != nil {
			return err
		}
		for _, a := range t.also {
			if err := resealTable(ctx, tx, a, r.id, osk, nsk); err != nil {
				return fmt.Errorf("%s: %w", a.table, err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE `+t.table+` SET key_case = $1 WHERE id = $2`, []byte(nk.Seal(t.field(r.id, "key_case"), nsk[:])), r.id); err != nil {
			return err
		}
		if err := regrant(ctx, tx, t.kind, r.id, nsk, removedUser); err != nil {
			return err
		}
	}
	return nil
}

// regrant replaces a record's grants with grants of its new key nk to the
// same holders (with the same expiry), leaving out the removed user and
// expired grants.
func regrant(ctx context.Context, tx *sqldb.Tx, kind, id string, nk vault.DataKey, removedUser string) error {
	type grantRow struct {
		kind, id, by string
		at           time.Time
		expires      *time.Time
	}
	rows, err := tx.Query(ctx, `SELECT holder_kind, holder_id, granted_by, granted_at, expires_at FROM key_grants
		WHERE record_kind = $1 AND record_id = $2 AND (expires_at IS NULL OR expires_at > $3)`, kind, id, tx.Now())
	all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (g grantRow, err error) {
		return g, rows.Scan(&g.kind, &g.id, &g.by, &g.at, &g.expires)
	})
	if err != nil {
		return err
	}
	var keep []grantRow
	for _, g := range all {
		if g.kind == holderUser && g.id == removedUser {
			continue
		}
		keep = append(keep, g)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM key_grants WHERE record_kind = $1 AND record_id = $2`, kind, id); err != nil {
		return err
	}
	for _, g := range keep {
		var pub vault.PublicKey
		switch g.kind {
		case holderUser:
			var uid int64
			fmt.Sscan(g.id, &uid)
			if pub, err = userPublicKey(ctx, tx, uid); err != nil {
				continue // disabled since: no new key
			}
		case holderGroup:
			if pub, err = groupPublicKey(ctx, tx, g.id); err != nil {
				return err
			}
		case holderEscrow:
			var ok bool
			if pub, ok, err = escrowPublicKey(ctx, tx); err != nil {
				return err
			} else if !ok {
				continue
			}
		default:
			return fmt.Errorf("%s %s: unknown holder kind %q", kind, id, g.kind)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO key_grants (record_kind, record_id, holder_kind, holder_id, sealed_key, granted_by, granted_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, kind, id, g.kind, g.id, []byte(vault.SealTo(pub, nk)), g.by, g.at, g.expires); err != nil {
			return err
		}
	}
	return nil
}

// resealTable seals one table's columns of a record (the where clause's
// $1) again under nk.
func resealTable(ctx context.Context, tx *sqldb.Tx, t sealedColumns, arg string, old, nk vault.DataKey) error {
	type row struct {
		id   string
		vals [][]byte
	}
	rows, err := tx.Query(ctx, `SELECT id, `+strings.Join(t.columns, ", ")+` FROM `+t.table+` WHERE `+t.where, arg)
	all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (row, error) {
		r := row{vals: make([][]byte, len(t.columns))}
		dst := []any{&r.id}
		for i := range r.vals {
			dst = append(dst, &r.vals[i])
		}
		return r, rows.Scan(dst...)
	})
	if err != nil {
		return err
	}
	for _, r := range all {
		var sets []string
		var args []any
		for i, c := range t.columns {
			v := r.vals[i]
			if len(v) == 0 {
				continue // NULL or empty stays as it is
			}
			f := t.field(r.id, c)
			var sealed []byte
			if t.stream[c] {
				var plain, out bytes.Buffer
				if _, err := vault.DecryptStream(&plain, bytes.NewReader(v), old, f); err != nil {
					return fmt.Errorf("%s %s: %w", c, r.id, err)
				}
				if _, err := vault.EncryptStream(&out, &plain, nk, f); err != nil {
					return err
				}
				sealed = out.Bytes()
			} else {
				plain, err := old.Open(f, v)
				if err != nil {
					return fmt.Errorf("%s %s: %w", c, r.id, err)
				}
				sealed = nk.Seal(f, plain)
			}
			args = append(args, sealed)
			sets = append(sets, fmt.Sprintf("%s = $%d", c, len(args)))
		}
		if len(sets) == 0 {
			continue
		}
		args = append(args, r.id)
		if _, err := tx.Exec(ctx, `UPDATE `+t.table+` SET `+strings.Join(sets, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
			return err
		}
	}
	return nil
}
