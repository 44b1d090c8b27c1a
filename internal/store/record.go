package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

func victimField(id, column string) vault.Field {
	return vault.Field{Table: "case_victims", Column: column, Record: id}
}

func perpField(id string) vault.Field {
	return vault.Field{Table: "case_perpetrators", Column: "name", Record: id}
}

// AddVictim adds a victim to the case's SIMFONI record.
func (s CaseService) AddVictim(ctx context.Context, actor *spiker.Actor, caseID string, v *spiker.CaseVictim) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.victim", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if v.Age >= 0 {
			v.AgeGroup = spiker.AgeGroup(v.Age)
		}
		vc, err := victimContext(ctx, tx, st, nil)
		if err != nil {
			return "", err
		}
		slices.Sort(v.OfficeCategories)
		if err := v.Validate(tx.Now().In(s.zone()), vc); err != nil {
			return "", err
		}
		v.ID = newID()
		index, pending, err := victimIndex(ctx, tx, actor, v.NIK)
		if err != nil {
			return "", err
		}
		if err := insertVictim(ctx, tx, k, caseID, v, tx.Now(), index, pending); err != nil {
			return "", err
		}
		if err := saveTrafficking(ctx, tx, v); err != nil {
			return "", err
		}
		if err := markTPKS(ctx, tx, st, caseID, v); err != nil {
			return "", err
		}
		return v.ID, s.countVictim(ctx, tx, caseID, v, 1)
	})
}

// insertVictim writes a victim's row of a case's SIMFONI record, its
// identity fields sealed with the case's key k; index and pending are its
// NIK's blind index (victimIndex). Victims are recorded through it and the
// demo data's too.
func insertVictim(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID string, v *spiker.CaseVictim, at time.Time, index []byte, pending bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_victims (id, case_id, created_at, sex, age, age_group, education, occupation, marital,
		disability, disability_types, violence_types, sexual_forms, place, incident_date, desa_code, kdrt, consent,
		name, nik, nik_index, accommodation, consent_override, index_pending, office_categories, ampk)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
		v.ID, caseID, at, v.Sex, v.Age, v.AgeGroup, v.Education, v.Occupation, v.Marital,
		v.Disability, strings.Join(v.DisabilityTypes, ";"), strings.Join(v.ViolenceTypes, ";"), strings.Join(v.SexualForms, ";"),
		v.Place, v.IncidentDate, v.DesaCode, v.KDRT, v.Consent,
		[]byte(k.SealString(victimField(v.ID, "name"), v.Name)), []byte(k.SealString(victimField(v.ID, "nik"), v.NIK)), index,
		[]byte(k.SealString(victimField(v.ID, "accommodation"), v.Accommodation)),
		[]byte(k.SealString(victimField(v.ID, "consent_override"), v.ConsentOverride)), pending,
		strings.Join(v.OfficeCategories, ";"), v.AMPK)
	return err
}

// insertPerpetrator writes an alleged perpetrator's row, the name sealed
// with the case's key k.
func insertPerpetrator(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID string, p *spiker.CasePerpetrator, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_perpetrators (id, case_id, victim_id, created_at, sex, age_group, relationship, name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.ID, caseID, p.VictimID, at, p.Sex, p.AgeGroup, p.Relationship,
		[]byte(k.SealString(perpField(p.ID), p.Name)))
	return err
}

// victimContext reads what a victim's record is checked against: the
// office's categories and the case's region; before is the record a
// correction replaces.
func victimContext(ctx context.Context, tx *sqldb.Tx, st *caseState, before *spiker.CaseVictim) (spiker.VictimContext, error) {
	office, err := officeCategories(ctx, tx)
	return spiker.VictimContext{Office: office, CaseRegion: st.region, Before: before}, err
}

// markTPKS makes the case TPKS when sexual violence is on the victim's
// record, whatever the mark said: the police-report clock starts and
// Mediasi is barred.
func markTPKS(ctx context.Context, tx *sqldb.Tx, st *caseState, caseID string, v *spiker.CaseVictim) error {
	if !spiker.VictimMakesTPKS(v) || st.tpks {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET tpks = $1 WHERE id = $2`, true, caseID); err != nil {
		return err
	}
	st.tpks = true
	return startPoliceClock(ctx, tx, caseID, st.region)
}

// AddPerpetrator adds an alleged perpetrator with their relationship to a
// victim of the case. A child perpetrator allows Mediasi in a TPKS case.
func (s CaseService) AddPerpetrator(ctx context.Context, actor *spiker.Actor, caseID string, p *spiker.CasePerpetrator) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.perpetrator", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := p.Validate(); err != nil {
			return "", err
		}
		var n int
		if err := tx.Get(ctx, `SELECT COUNT(*) FROM case_victims WHERE id = $1 AND case_id = $2`, []any{p.VictimID, caseID}, &n); err != nil || n != 1 {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "choose a victim of this case", Fields: map[string]string{"p_victim": "staff.err.choose"}}
		}
		p.ID = newID()
		if err := insertPerpetrator(ctx, tx, k, caseID, p, tx.Now()); err != nil {
			return "", err
		}
		if err := s.countCaseDimension(ctx, tx, caseID, statRelation, p.Relationship, 1); err != nil {
			return "", err
		}
		if p.ChildPerpetrator() {
			if _, err := tx.Exec(ctx, `UPDATE cases SET perpetrator_child = TRUE WHERE id = $1`, caseID); err != nil {
				return "", err
			}
		}
		return p.ID, nil
	})
}

// loadRecord reads and decrypts a case's victims and perpetrators.
func loadRecord(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, c *spiker.Case) error {
	rows, err := tx.Query(ctx, `SELECT id, sex, age, age_group, education, occupation, marital, disability, disability_types,
		violence_types, sexual_forms, place, incident_date, desa_code, kdrt, consent, name, nik, accommodation, consent_override,
		office_categories, ampk FROM case_victims WHERE case_id = $1 ORDER BY created_at, id`, c.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v spiker.CaseVictim
		var dis, vt, sf, oc string
		var name, nik, acc, over vault.Ciphertext
		if err := rows.Scan(&v.ID, &v.Sex, &v.Age, &v.AgeGroup, &v.Education, &v.Occupation, &v.Marital, &v.Disability, &dis,
			&vt, &sf, &v.Place, &v.IncidentDate, &v.DesaCode, &v.KDRT, &v.Consent,
			(*[]byte)(&name), (*[]byte)(&nik), (*[]byte)(&acc), (*[]byte)(&over), &oc, &v.AMPK); err != nil {
			rows.Close()
			return err
		}
		v.DisabilityTypes, v.ViolenceTypes, v.SexualForms, v.OfficeCategories = splitList(dis), splitList(vt), splitList(sf), splitList(oc)
		for _, f := range []struct {
			col string
			ct  vault.Ciphertext
			dst *string
		}{{"name", name, &v.Name}, {"nik", nik, &v.NIK}, {"accommodation", acc, &v.Accommodation}, {"consent_override", over, &v.ConsentOverride}} {
			if *f.dst, err = k.OpenString(victimField(v.ID, f.col), f.ct); err != nil {
				rows.Close()
				return err
			}
		}
		c.Victims = append(c.Victims, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := loadTrafficking(ctx, tx, c); err != nil {
		return err
	}
	prow, err := tx.Query(ctx, `SELECT id, victim_id, sex, age_group, relationship, name FROM case_perpetrators WHERE case_id = $1 ORDER BY created_at, id`, c.ID)
	if err != nil {
		return err
	}
	defer prow.Close()
	for prow.Next() {
		var p spiker.CasePerpetrator
		var name vault.Ciphertext
		if err := prow.Scan(&p.ID, &p.VictimID, &p.Sex, &p.AgeGroup, &p.Relationship, (*[]byte)(&name)); err != nil {
			return err
		}
		if p.Name, err = k.OpenString(perpField(p.ID), name); err != nil {
			return err
		}
		c.Perpetrators = append(c.Perpetrators, p)
	}
	return prow.Err()
}
