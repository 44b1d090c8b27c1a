package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

func correctionField(id string) vault.Field {
	return vault.Field{Table: "case_corrections", Column: "body", Record: id}
}

// correctionBody is the sealed part of a correction.
type correctionBody struct {
	Reason  string               `json:"reason"`
	Changes []spiker.FieldChange `json:"changes"`
}

var errNoChange = &spiker.Error{Code: spiker.EINVALID, Message: "nothing was changed", Fields: map[string]string{"correction": "case.err.no_change"}}

// correct runs one correction: the policy and the key (withCase), the
// reason, then fn, which changes the record and says what it changed; the
// version is saved sealed with the case key. The audit log names the kind
// and the record corrected, never a value. A refusal fn decides (a move
// outside the actor's scope) is audited after the rollback.
func (s CaseService) correct(ctx context.Context, actor *spiker.Actor, caseID, kind, reason string,
	fn func(*sqldb.Tx, *caseState, vault.DataKey) (target, note string, changes []spiker.FieldChange, err error)) error {
	var refused error
	err := s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.correct", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := spiker.CheckCorrectionReason(reason); err != nil {
			return "", err
		}
		target, note, changes, err := fn(tx, st, k)
		if spiker.ErrorCode(err) == spiker.EFORBIDDEN {
			refused = err
		}
		if err != nil {
			return "", err
		}
		if len(changes) == 0 {
			return "", errNoChange
		}
		return kind + " " + target + note, saveCorrection(ctx, tx, actor, caseID, kind, target, reason, changes, k)
	})
	if refused != nil {
		if aerr := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			return s.audit(ctx, tx, actor, "case.correct_denied", kindCase, caseID, kind)
		}); aerr != nil {
			return aerr
		}
	}
	return err
}

// saveCorrection saves a correction's version, its body sealed with the
// case key.
func saveCorrection(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, caseID, kind, target, reason string, changes []spiker.FieldChange, k vault.DataKey) error {
	body, err := json.Marshal(correctionBody{Reason: strings.TrimSpace(reason), Changes: changes})
	if err != nil {
		return err
	}
	id := newID()
	_, err = tx.Exec(ctx, `INSERT INTO case_corrections (id, case_id, created_at, actor_id, kind, target_id, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, caseID, tx.Now(), actor.UserID, kind, target, []byte(k.Seal(correctionField(id), body)))
	return err
}

// findVictim returns a victim of the case, decrypted.
func findVictim(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID, id string) (*spiker.CaseVictim, *spiker.Case, error) {
	c := &spiker.Case{ID: caseID}
	if err := loadRecord(ctx, tx, k, c); err != nil {
		return nil, nil, err
	}
	for i := range c.Victims {
		if c.Victims[i].ID == id {
			return &c.Victims[i], c, nil
		}
	}
	return nil, c, &spiker.Error{Code: spiker.EINVALID, Message: "choose a victim of this case", Fields: map[string]string{"correction": "staff.err.choose"}}
}

// CorrectVictim saves a corrected victim record as a new version. Without
// identity the name and NIK keep their values (they were masked on the
// form). The counts move from the old values to the new; a changed NIK
// waits for a holder to recompute its blind index; sexual violence added
// makes the case TPKS.
func (s CaseService) CorrectVictim(ctx context.Context, actor *spiker.Actor, caseID string, v *spiker.CaseVictim, identity bool, reason string) error {
	return s.correct(ctx, actor, caseID, spiker.CorrectVictimKind, reason, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, string, []spiker.FieldChange, error) {
		old, _, err := findVictim(ctx, tx, k, caseID, v.ID)
		if err != nil {
			return "", "", nil, err
		}
		if !identity {
			v.Name, v.NIK = old.Name, old.NIK
		}
		if v.Age >= 0 {
			v.AgeGroup = spiker.AgeGroup(v.Age)
		}
		vc, err := victimContext(ctx, tx, st, old)
		if err != nil {
			return "", "", nil, err
		}
		slices.Sort(v.OfficeCategories)
		if err := v.Validate(tx.Now().In(s.zone()), vc); err != nil {
			return "", "", nil, err
		}
		changes := spiker.DiffFields(old.Fields(), v.Fields())
		if len(changes) == 0 {
			return "", "", nil, errNoChange
		}
		var index []byte
		pending := false
		if v.NIK != old.NIK {
			pending = vault.NormalizeNIK(v.NIK) != ""
		} else if err := tx.Get(ctx, `SELECT nik_index, index_pending FROM case_victims WHERE id = $1`, []any{v.ID}, &index, &pending); err != nil {
			return "", "", nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE case_victims SET sex = $1, age = $2, age_group = $3, education = $4, occupation = $5, marital = $6,
			disability = $7, disability_types = $8, violence_types = $9, sexual_forms = $10, place = $11, incident_date = $12, desa_code = $13,
			kdrt = $14, consent = $15, name = $16, nik = $17, nik_index = $18, accommodation = $19, consent_override = $20, index_pending = $21,
			office_categories = $22, ampk = $23
			WHERE id = $24 AND case_id = $25`,
			v.Sex, v.Age, v.AgeGroup, v.Education, v.Occupation, v.Marital,
			v.Disability, strings.Join(v.DisabilityTypes, ";"), strings.Join(v.ViolenceTypes, ";"), strings.Join(v.SexualForms, ";"),
			v.Place, v.IncidentDate, v.DesaCode, v.KDRT, v.Consent,
			[]byte(k.SealString(victimField(v.ID, "name"), v.Name)), []byte(k.SealString(victimField(v.ID, "nik"), v.NIK)), index,
			[]byte(k.SealString(victimField(v.ID, "accommodation"), v.Accommodation)),
			[]byte(k.SealString(victimField(v.ID, "consent_override"), v.ConsentOverride)), pending,
			strings.Join(v.OfficeCategories, ";"), v.AMPK, v.ID, caseID); err != nil {
			return "", "", nil, err
		}
		if err := saveTrafficking(ctx, tx, v); err != nil {
			return "", "", nil, err
		}
		if err := s.countVictim(ctx, tx, caseID, old, -1); err != nil {
			return "", "", nil, err
		}
		if err := s.countVictim(ctx, tx, caseID, v, 1); err != nil {
			return "", "", nil, err
		}
		return v.ID, "", changes, markTPKS(ctx, tx, st, caseID, v)
	})
}

// CorrectPerpetrator saves a corrected perpetrator record as a new version;
// the relationship's count moves with it.
func (s CaseService) CorrectPerpetrator(ctx context.Context, actor *spiker.Actor, caseID string, p *spiker.CasePerpetrator, identity bool, reason string) error {
	return s.correct(ctx, actor, caseID, spiker.CorrectPerpetratorKind, reason, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, string, []spiker.FieldChange, error) {
		c := &spiker.Case{ID: caseID}
		if err := loadRecord(ctx, tx, k, c); err != nil {
			return "", "", nil, err
		}
		i := slices.IndexFunc(c.Perpetrators, func(x spiker.CasePerpetrator) bool { return x.ID == p.ID })
		if i < 0 {
			return "", "", nil, &spiker.Error{Code: spiker.EINVALID, Message: "choose a perpetrator of this case", Fields: map[string]string{"correction": "staff.err.choose"}}
		}
		old := c.Perpetrators[i]
		if !identity {
			p.Name = old.Name
		}
		if err := p.Validate(); err != nil {
			return "", "", nil, err
		}
		if !slices.ContainsFunc(c.Victims, func(v spiker.CaseVictim) bool { return v.ID == p.VictimID }) {
			return "", "", nil, &spiker.Error{Code: spiker.EINVALID, Message: "choose a victim of this case", Fields: map[string]string{"p_victim": "staff.err.choose"}}
		}
		changes := spiker.DiffFields(old.Fields(), p.Fields())
		if len(changes) == 0 {
			return "", "", nil, errNoChange
		}
		if _, err := tx.Exec(ctx, `UPDATE case_perpetrators SET victim_id = $1, sex = $2, age_group = $3, relationship = $4, name = $5 WHERE id = $6 AND case_id = $7`,
			p.VictimID, p.Sex, p.AgeGroup, p.Relationship, []byte(k.SealString(perpField(p.ID), p.Name)), p.ID, caseID); err != nil {
			return "", "", nil, err
		}
		if old.Relationship != p.Relationship {
			if err := s.countCaseDimension(ctx, tx, caseID, statRelation, old.Relationship, -1); err != nil {
				return "", "", nil, err
			}
			if err := s.countCaseDimension(ctx, tx, caseID, statRelation, p.Relationship, 1); err != nil {
				return "", "", nil, err
			}
		}
		if p.ChildPerpetrator() != old.ChildPerpetrator() {
			// The mark follows the record: it stays while any perpetrator
			// on the case is a child.
			var n int
			if err := tx.Get(ctx, `SELECT COUNT(*) FROM case_perpetrators WHERE case_id = $1 AND age_group = '0-17'`, []any{caseID}, &n); err != nil {
				return "", "", nil, err
			}
			if _, err := tx.Exec(ctx, `UPDATE cases SET perpetrator_child = $1 WHERE id = $2`, n > 0, caseID); err != nil {
				return "", "", nil, err
			}
		}
		return p.ID, "", changes, nil
	})
}

// CorrectReportTypes changes the violence types a report of the case was
// filed under.
func (s CaseService) CorrectReportTypes(ctx context.Context, actor *spiker.Actor, caseID, reportID string, types []string, reason string) error {
	return s.correct(ctx, actor, caseID, spiker.CorrectTypesKind, reason, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, string, []spiker.FieldChange, error) {
		var old string
		if err := tx.Get(ctx, `SELECT violence_types FROM reports WHERE id = $1 AND case_id = $2`, []any{reportID, caseID}, &old); errors.Is(err, sql.ErrNoRows) {
			return "", "", nil, &spiker.Error{Code: spiker.EINVALID, Message: "choose a report of this case", Fields: map[string]string{"correction": "staff.err.choose"}}
		} else if err != nil {
			return "", "", nil, err
		}
		if len(types) == 0 {
			return "", "", nil, &spiker.Error{Code: spiker.EINVALID, Message: "choose a type", Fields: map[string]string{"report_types": "report.err.violence_types"}}
		}
		for _, t := range types {
			if !slices.Contains(spiker.JenisKekerasan, t) {
				return "", "", nil, &spiker.Error{Code: spiker.EINVALID, Message: "choose a type", Fields: map[string]string{"report_types": "staff.err.choose"}}
			}
		}
		changes := spiker.DiffFields([][2]string{{"violence_types", strings.ReplaceAll(old, ";", ", ")}}, [][2]string{{"violence_types", strings.Join(types, ", ")}})
		if len(changes) == 0 {
			return "", "", nil, errNoChange
		}
		_, err := tx.Exec(ctx, `UPDATE reports SET violence_types = $1 WHERE id = $2`, strings.Join(types, ";"), reportID)
		return reportID, "", changes, err
	})
}

// CorrectLocation moves the case to a kecamatan or desa of its regency. The
// new region must lie in the actor's; a move to another kecamatan (not a
// regency-level case placed, nor a desa chosen inside its kecamatan) is a
// supervisor's whose region covers both. The case's counts, its pending
// alerts and its clock breaches move with it.
func (s CaseService) CorrectLocation(ctx context.Context, actor *spiker.Actor, caseID, region, reason string) error {
	return s.correct(ctx, actor, caseID, spiker.CorrectLocationKind, reason, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, string, []spiker.FieldChange, error) {
		bad := &spiker.Error{Code: spiker.EINVALID, Message: "choose a kecamatan of the case's regency", Fields: map[string]string{"kecamatan": "report.err.kecamatan"}}
		if !spiker.ValidRegionCodeSyntax(region) || spiker.KecamatanOf(region) == "" || !spiker.RegionContains(regencyOf(st.region), region) {
			return "", "", nil, bad
		}
		if region == st.region {
			return "", "", nil, errNoChange
		}
		if err := spiker.Authorize(actor, spiker.PermCaseWrite, spiker.Scope{RegionCode: region, Case: true, Team: st.team}); err != nil {
			return "", "", nil, err
		}
		from := spiker.KecamatanOf(st.region)
		if from != "" && from != spiker.KecamatanOf(region) && !actor.HasRole(spiker.RoleSupervisor) {
			return "", "", nil, spiker.Errorf(spiker.EFORBIDDEN, "only a supervisor whose region covers both moves a case to another kecamatan")
		}
		if err := s.countCase(ctx, tx, caseID, -1); err != nil {
			return "", "", nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET region_code = $1 WHERE id = $2`, region, caseID); err != nil {
			return "", "", nil, err
		}
		if err := s.countCase(ctx, tx, caseID, 1); err != nil {
			return "", "", nil, err
		}
		if err := moveCaseAlerts(ctx, tx, caseID, region); err != nil {
			return "", "", nil, err
		}
		return caseID, fmt.Sprintf(" %s -> %s", st.region, region), []spiker.FieldChange{{Field: "region", Before: st.region, After: region}}, nil
	})
}

// regencyOf returns the regency part of a region code.
func regencyOf(code string) string {
	parts := strings.Split(code, ".")
	if len(parts) > 2 {
		parts = parts[:2]
	}
	return strings.Join(parts, ".")
}

// CorrectSummary saves a new version of the case's summary.
func (s CaseService) CorrectSummary(ctx context.Context, actor *spiker.Actor, caseID, summary, reason string) error {
	return s.correct(ctx, actor, caseID, spiker.CorrectSummaryKind, reason, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, string, []spiker.FieldChange, error) {
		summary = strings.TrimSpace(summary)
		if utf8.RuneCountInString(summary) > spiker.MaxMessage || !utf8.ValidString(summary) {
			return "", "", nil, &spiker.Error{Code: spiker.EINVALID, Message: "the summary is too long", Fields: map[string]string{"summary": "report.err.too_long"}}
		}
		var sealed vault.Ciphertext
		if err := tx.Get(ctx, `SELECT summary FROM cases WHERE id = $1`, []any{caseID}, (*[]byte)(&sealed)); err != nil {
			return "", "", nil, err
		}
		old, err := k.OpenString(caseField(caseID, "summary"), sealed)
		if err != nil {
			return "", "", nil, err
		}
		if old == summary {
			return "", "", nil, errNoChange
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET summary = $1 WHERE id = $2`, []byte(k.SealString(caseField(caseID, "summary"), summary)), caseID); err != nil {
			return "", "", nil, err
		}
		return caseID, "", []spiker.FieldChange{{Field: "summary", Before: old, After: summary}}, nil
	})
}

// loadCorrections reads and decrypts a case's history, oldest first.
func loadCorrections(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, c *spiker.Case) error {
	rows, err := tx.Query(ctx, `SELECT id, created_at, actor_id, kind, target_id, body FROM case_corrections WHERE case_id = $1 ORDER BY created_at, id`, c.ID)
	list, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (r spiker.Correction, err error) {
		var sealed vault.Ciphertext
		var at time.Time
		if err := rows.Scan(&r.ID, &at, &r.ActorID, &r.Kind, &r.TargetID, (*[]byte)(&sealed)); err != nil {
			return r, err
		}
		plain, err := k.Open(correctionField(r.ID), sealed)
		if err != nil {
			return r, err
		}
		var body correctionBody
		if err := json.Unmarshal(plain, &body); err != nil {
			return r, err
		}
		r.At, r.Reason, r.Changes = at.UTC(), body.Reason, body.Changes
		return r, nil
	})
	c.Corrections = append(c.Corrections, list...)
	return err
}
