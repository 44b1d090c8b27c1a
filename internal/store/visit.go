package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

func visitField(id, column string) vault.Field {
	return vault.Field{Table: "visits", Column: column, Record: id}
}

// ScheduleVisit plans a visit or meeting on a case. Its details are sealed
// under a visit key that goes to the officers on it and, under the case
// key, to the case team; the officers get nothing else of the case.
func (s NetworkService) ScheduleVisit(ctx context.Context, actor *spiker.Actor, v *spiker.Visit) error {
	return CaseService(s).withCase(ctx, actor, spiker.PermCaseWrite, v.CaseID, "case.visit", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if st.status == spiker.CaseClosed {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is closed; reopen it first")
		}
		if err := v.Validate(tx.Now()); err != nil {
			return "", err
		}
		if v.ReportID != "" {
			var n int
			if err := tx.Get(ctx, `SELECT COUNT(*) FROM reports WHERE id = $1 AND case_id = $2`, []any{v.ReportID, v.CaseID}, &n); err != nil {
				return "", err
			}
			if n == 0 {
				return "", &spiker.Error{Code: spiker.EINVALID, Message: "the meeting request is not of this case", Fields: map[string]string{"reporter_status": "visit.err.reporter"}}
			}
		}
		v.ID, v.Status, v.CreatedBy = newID(), spiker.VisitScheduled, actor.UserID
		vk := vault.NewDataKey()
		details, _ := json.Marshal(v.Details)
		if _, err := tx.Exec(ctx, `INSERT INTO visits (id, case_id, kind, at, place_kind, region_code, report_id, reporter_status, status, details, key_case, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			v.ID, v.CaseID, v.Kind, v.At.UTC(), v.PlaceKind, v.RegionCode, nullString(v.ReportID), v.ReporterStatus, v.Status,
			[]byte(vk.Seal(visitField(v.ID, "details"), details)), []byte(k.Seal(visitField(v.ID, "key_case"), vk[:])), actor.UserID, tx.Now()); err != nil {
			return "", err
		}
		for _, uid := range v.Team {
			u, err := UserService(s).findUserTx(ctx, tx, uid)
			if err != nil || u.Disabled || !u.Enrolled() || !u.Actor(nil).Can(spiker.PermVisitRecord) {
				return "", &spiker.Error{Code: spiker.EINVALID, Message: "choose officers who can go on visits", Fields: map[string]string{"team": "visit.err.team"}}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO visit_team (visit_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, v.ID, uid); err != nil {
				return "", err
			}
			if err := grant(ctx, tx, kindVisit, v.ID, holderUser, fmt.Sprint(uid), vault.PublicKey(u.PublicKey), vk, actor.Username); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("visit %s %s", v.ID, v.Kind), nil
	})
}

const visitColumns = `v.id, v.case_id, v.kind, v.at, v.place_kind, v.region_code, COALESCE(v.report_id, ''), v.reporter_status, v.status, v.outcome, v.created_by, v.outcome_at`

func scanVisit(sc scanner, extra ...any) (*spiker.Visit, error) {
	v := &spiker.Visit{}
	if err := sc.Scan(append([]any{&v.ID, &v.CaseID, &v.Kind, &v.At, &v.PlaceKind, &v.RegionCode, &v.ReportID, &v.ReporterStatus,
		&v.Status, &v.Outcome, &v.CreatedBy, &v.OutcomeAt}, extra...)...); err != nil {
		return nil, err
	}
	v.At = v.At.UTC()
	return v, nil
}

// scanVisitValue reads a row of visitColumns alone, for collect.
func scanVisitValue(rows *sql.Rows) (spiker.Visit, error) {
	v, err := scanVisit(rows)
	if err != nil {
		return spiker.Visit{}, err
	}
	return *v, nil
}

func visitTeam(ctx context.Context, tx *sqldb.Tx, id string) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT user_id FROM visit_team WHERE visit_id = $1 ORDER BY user_id`, id)
	return sqldb.Collect(rows, err, scanID)
}

// openVisitSecrets decrypts a visit's details and result with its key.
func openVisitSecrets(v *spiker.Visit, vk vault.DataKey, details, result []byte) error {
	b, err := vk.Open(visitField(v.ID, "details"), details)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &v.Details); err != nil {
		return err
	}
	if result != nil {
		if b, err = vk.Open(visitField(v.ID, "result"), result); err != nil {
			return err
		}
		return json.Unmarshal(b, &v.Result)
	}
	return nil
}

// FindVisits lists the visits f selects.
func (s NetworkService) FindVisits(ctx context.Context, actor *spiker.Actor, f spiker.VisitFilter) ([]spiker.Visit, error) {
	if f.CaseID != "" {
		return s.caseVisits(ctx, actor, f.CaseID)
	}
	return s.visits(ctx, actor)
}

// caseVisits lists a case's visits with their details, for the case team.
func (s NetworkService) caseVisits(ctx context.Context, actor *spiker.Actor, caseID string) ([]spiker.Visit, error) {
	var out []spiker.Visit
	err := CaseService(s).withCase(ctx, actor, spiker.PermCaseRead, caseID, "case.visits", true, func(tx *sqldb.Tx, _ *caseState, k vault.DataKey) (string, error) {
		var err error
		out, err = listCaseVisits(ctx, tx, k, caseID)
		return "", err
	})
	return out, err
}

// listCaseVisits lists a case's visits, their details opened through the
// case key k.
func listCaseVisits(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID string) ([]spiker.Visit, error) {
	rows, err := tx.Query(ctx, `SELECT `+visitColumns+`, v.details, v.result, v.key_case FROM visits v WHERE v.case_id = $1 ORDER BY v.at, v.id`, caseID)
	out, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (spiker.Visit, error) {
		var details, result, keyCase []byte
		v, err := scanVisit(rows, &details, &result, &keyCase)
		if err != nil {
			return spiker.Visit{}, err
		}
		b, err := k.Open(visitField(v.ID, "key_case"), keyCase)
		if err != nil || len(b) != 32 {
			return spiker.Visit{}, fmt.Errorf("visit %s: the visit key does not open: %v", v.ID, err)
		}
		if err := openVisitSecrets(v, vault.DataKey(b), details, result); err != nil {
			return spiker.Visit{}, err
		}
		return *v, nil
	})
	if err != nil {
		return nil, err
	}
	// The teams are read once the rows are closed.
	for i := range out {
		if out[i].Team, err = visitTeam(ctx, tx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// visits lists the visits the actor goes on and, for a Satgas Kecamatan or
// a supervisor, every visit in their region: categorical fields only.
func (s NetworkService) visits(ctx context.Context, actor *spiker.Actor) ([]spiker.Visit, error) {
	if err := spiker.Authorize(actor, spiker.PermVisitList, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.Visit
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		q := `SELECT ` + visitColumns + ` FROM visits v WHERE EXISTS (SELECT 1 FROM visit_team t WHERE t.visit_id = v.id AND t.user_id = $1)`
		args := []any{actor.UserID}
		if actor.HasRole(spiker.RoleSatgasKecamatan) || actor.HasRole(spiker.RoleSupervisor) {
			q += ` OR v.region_code = $2 OR v.region_code LIKE $3`
			args = append(args, actor.RegionCode, actor.RegionCode+".%")
		}
		rows, err := tx.Query(ctx, q+` ORDER BY v.at DESC, v.id LIMIT 300`, args...)
		out, err = sqldb.Collect(rows, err, scanVisitValue)
		if err != nil {
			return err
		}
		for i := range out {
			if out[i].Team, err = visitTeam(ctx, tx, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// withVisit opens a visit for an officer on it (or a supervisor of its
// region, through the case key), auditing the access or the refusal.
func (s NetworkService) withVisit(ctx context.Context, actor *spiker.Actor, perm spiker.Permission, id, action string,
	fn func(*sqldb.Tx, *spiker.Visit, vault.DataKey) (string, error)) error {
	var refusal error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+visitColumns+`, v.details, v.result, v.key_case FROM visits v WHERE v.id = $1`, id)
		if err != nil {
			return err
		}
		var v *spiker.Visit
		var details, result, keyCase []byte
		if rows.Next() {
			v, err = scanVisit(rows, &details, &result, &keyCase)
		}
		rows.Close()
		// A connection lost before the row would otherwise read as "not found".
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return err
		}
		if v == nil {
			return spiker.Errorf(spiker.ENOTFOUND, "visit not found")
		}
		if v.Team, err = visitTeam(ctx, tx, id); err != nil {
			return err
		}
		if refusal = spiker.Authorize(actor, perm, spiker.Scope{RegionCode: v.RegionCode, Visit: true, Team: v.Team}); refusal != nil {
			return s.audit(ctx, tx, actor, action+"_denied", kindVisit, id, "policy")
		}
		vk, err := openRecordKey(ctx, tx, actor, kindVisit, id)
		if errors.Is(err, errNotHolder) {
			var k vault.DataKey
			if k, err = openRecordKey(ctx, tx, actor, kindCase, v.CaseID); err == nil {
				var b []byte
				if b, err = k.Open(visitField(id, "key_case"), keyCase); err == nil && len(b) == 32 {
					vk = vault.DataKey(b)
				}
			}
		}
		if errors.Is(err, errNotHolder) {
			refusal = spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this visit")
			return s.audit(ctx, tx, actor, action+"_denied", kindVisit, id, "no key")
		} else if err != nil {
			return err
		}
		if err := openVisitSecrets(v, vk, details, result); err != nil {
			return err
		}
		reason, err := fn(tx, v, vk)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, action, kindVisit, id, reason)
	})
	if err != nil {
		return err
	}
	return refusal
}

// Visit opens a visit: when, where, who to ask for, safety notes.
func (s NetworkService) Visit(ctx context.Context, actor *spiker.Actor, id string) (*spiker.Visit, error) {
	var out *spiker.Visit
	err := s.withVisit(ctx, actor, spiker.PermVisitRecord, id, "visit.read", func(_ *sqldb.Tx, v *spiker.Visit, _ vault.DataKey) (string, error) {
		out = v
		return "", nil
	})
	return out, err
}

// RecordOutcome records what happened on a visit, from the officer's phone.
func (s NetworkService) RecordOutcome(ctx context.Context, actor *spiker.Actor, id, outcome string, r spiker.VisitResult) error {
	return s.withVisit(ctx, actor, spiker.PermVisitRecord, id, "visit.outcome", func(tx *sqldb.Tx, v *spiker.Visit, vk vault.DataKey) (string, error) {
		f := map[string]string{}
		found := false
		for _, o := range spiker.VisitOutcomes {
			found = found || o == outcome
		}
		if !found {
			f["outcome"] = "staff.err.choose"
		}
		if outcome == spiker.OutcomeMet && strings.TrimSpace(r.Findings) == "" {
			f["findings"] = "visit.err.findings"
		}
		for k, s := range map[string]string{"findings": r.Findings, "next_step": r.NextStep} {
			if utf8.RuneCountInString(s) > spiker.MaxMessage || !utf8.ValidString(s) {
				f[k] = "followup.err.long"
			}
		}
		if len(f) > 0 {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "the outcome has fields to correct", Fields: f}
		}
		b, _ := json.Marshal(r)
		_, err := tx.Exec(ctx, `UPDATE visits SET status = $1, outcome = $2, result = $3, outcome_by = $4, outcome_at = $5 WHERE id = $6`,
			spiker.VisitDone, outcome, []byte(vk.Seal(visitField(id, "result"), b)), actor.UserID, tx.Now(), id)
		return outcome, err
	})
}

// MeetingRequests returns the reporter's meeting requests on a case's
// reports, for a team member who holds the reports' keys.
func (s NetworkService) MeetingRequests(ctx context.Context, actor *spiker.Actor, caseID string) ([]spiker.MeetingRequest, error) {
	var out []spiker.MeetingRequest
	err := CaseService(s).withCase(ctx, actor, spiker.PermCaseRead, caseID, "case.meeting_requests", false, func(tx *sqldb.Tx, _ *caseState, _ vault.DataKey) (string, error) {
		ids, err := caseReportIDs(ctx, tx, caseID)
		if err != nil {
			return "", err
		}
		out, err = listMeetingRequests(ctx, tx, actor, ids)
		return "", err
	})
	return out, err
}

// listMeetingRequests returns the reporter's meeting requests on the
// reports whose key the actor holds; the others are passed over.
func listMeetingRequests(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, reportIDs []string) ([]spiker.MeetingRequest, error) {
	var out []spiker.MeetingRequest
	for _, rid := range reportIDs {
		k, err := openRecordKey(ctx, tx, actor, kindReport, rid)
		if errors.Is(err, errNotHolder) {
			continue
		} else if err != nil {
			return nil, err
		}
		reqs, err := meetingRequests(ctx, tx, k, rid)
		if err != nil {
			return nil, err
		}
		out = append(out, reqs...)
	}
	return out, nil
}

// meetingRequests returns the reporter's meeting requests on a report,
// with its key k.
func meetingRequests(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, reportID string) ([]spiker.MeetingRequest, error) {
	msgs, err := listMessages(ctx, tx, k, reportID)
	if err != nil {
		return nil, err
	}
	var out []spiker.MeetingRequest
	for _, m := range msgs {
		if m.Kind == spiker.MessageMeeting && m.From == spiker.FromReporter {
			out = append(out, spiker.MeetingRequest{ReportID: reportID, At: m.At, Body: m.Body})
		}
	}
	return out, nil
}

func caseReportIDs(ctx context.Context, tx *sqldb.Tx, caseID string) ([]string, error) {
	return sqldb.QueryStrings(ctx, tx, `SELECT id FROM reports WHERE case_id = $1 ORDER BY created_at`, caseID)
}

// FieldOfficers returns the enabled field officers and satgas whose region
// covers the place or lies inside its kecamatan.
func (s NetworkService) FieldOfficers(ctx context.Context, actor *spiker.Actor, region string) ([]spiker.User, error) {
	if err := spiker.Authorize(actor, spiker.PermCaseWrite, spiker.Scope{RegionCode: region}); err != nil {
		return nil, err
	}
	var out []spiker.User
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = fieldOfficers(ctx, tx, region)
		return err
	})
	return out, err
}

// fieldOfficers lists the officers who may visit a place of region.
func fieldOfficers(ctx context.Context, tx *sqldb.Tx, region string) ([]spiker.User, error) {
	kec := region
	if parts := strings.Split(region, "."); len(parts) > 3 {
		kec = strings.Join(parts[:3], ".")
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT u.id, u.username, u.region_code FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE NOT u.disabled AND r.role IN ('petugas_lapangan', 'satgas_kecamatan')
		  AND (u.region_code = $1 OR u.region_code LIKE $2 OR $3 LIKE u.region_code || '.%' OR u.region_code = $3)
		ORDER BY u.username LIMIT 200`, kec, kec+".%", region)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (u spiker.User, err error) {
		return u, rows.Scan(&u.ID, &u.Username, &u.RegionCode)
	})
}
