package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

func restitutionField(id string) vault.Field {
	return vault.Field{Table: "case_restitutions", Column: "notes", Record: id}
}

func orderField(id string) vault.Field {
	return vault.Field{Table: "case_protection_orders", Column: "notes", Record: id}
}

func riskField(id string) vault.Field {
	return vault.Field{Table: "case_risk_assessments", Column: "body", Record: id}
}

func safetyPlanField(id string) vault.Field {
	return vault.Field{Table: "case_safety_plans", Column: "body", Record: id}
}

// riskBody is the sealed part of a risk assessment.
type riskBody struct {
	Answers map[string]bool `json:"answers"`
	Reason  string          `json:"reason"`
}

// safetyPlanBody is a safety plan's version, sealed whole.
type safetyPlanBody struct {
	SafeContacts string `json:"safe_contacts"`
	SafePlace    string `json:"safe_place"`
	CodeWord     string `json:"code_word"`
	EscapePlan   string `json:"escape_plan"`
	KeepReady    string `json:"keep_ready"`
	MustNotKnow  string `json:"must_not_know"`
}

// openCaseOnly refuses a change to a closed case.
func openCaseOnly(st *caseState) error {
	if st.status == spiker.CaseClosed {
		return spiker.Errorf(spiker.ECONFLICT, "the case is closed; reopen it first")
	}
	return nil
}

var errNoSuchProtection = spiker.Errorf(spiker.ENOTFOUND, "this record is not on the case")

// SaveRestitution records a restitusi on the case, or with an ID updates
// it (a decision, a payment). The notes are sealed; the audit log names
// the record only.
func (s CaseService) SaveRestitution(ctx context.Context, actor *spiker.Actor, caseID string, r *spiker.Restitution) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.restitution", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := openCaseOnly(st); err != nil {
			return "", err
		}
		if err := r.Validate(); err != nil {
			return "", err
		}
		notes := strings.TrimSpace(r.Notes)
		if r.ID == "" {
			r.ID, r.CreatedAt, r.ActorID = newID(), tx.Now(), actor.UserID
			_, err := tx.Exec(ctx, `INSERT INTO case_restitutions (id, case_id, created_at, actor_id, requested_on, amount_requested, decided_on, amount_decided, payment, notes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.ID, caseID, r.CreatedAt, r.ActorID, r.RequestedOn, r.AmountRequested,
				r.DecidedOn, r.AmountDecided, r.Payment, []byte(k.SealString(restitutionField(r.ID), notes)))
			return "new " + r.ID, err
		}
		res, err := tx.Exec(ctx, `UPDATE case_restitutions SET requested_on = $1, amount_requested = $2, decided_on = $3, amount_decided = $4, payment = $5, notes = $6
			WHERE id = $7 AND case_id = $8`, r.RequestedOn, r.AmountRequested, r.DecidedOn, r.AmountDecided, r.Payment,
			[]byte(k.SealString(restitutionField(r.ID), notes)), r.ID, caseID)
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return "", errNoSuchProtection
		}
		return "update " + r.ID, nil
	})
}

// SaveProtectionOrder records a protection order on the case, or with an
// ID updates it (extended, revoked, ended). While it is in force, the
// case manager (the team, while there is none) is alerted
// ProtectionEndingDays before its last day.
func (s CaseService) SaveProtectionOrder(ctx context.Context, actor *spiker.Actor, caseID string, o *spiker.ProtectionOrder) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.protection_order", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := openCaseOnly(st); err != nil {
			return "", err
		}
		if err := o.Validate(); err != nil {
			return "", err
		}
		notes := strings.TrimSpace(o.Notes)
		what := "update "
		if o.ID == "" {
			what = "new "
			o.ID, o.CreatedAt, o.ActorID = newID(), tx.Now(), actor.UserID
			if _, err := tx.Exec(ctx, `INSERT INTO case_protection_orders (id, case_id, created_at, actor_id, kind, issuer, starts_on, ends_on, status, notes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, o.ID, caseID, o.CreatedAt, o.ActorID, o.Kind, o.Issuer, o.StartsOn, o.EndsOn, o.Status,
				[]byte(k.SealString(orderField(o.ID), notes))); err != nil {
				return "", err
			}
		} else {
			res, err := tx.Exec(ctx, `UPDATE case_protection_orders SET kind = $1, issuer = $2, starts_on = $3, ends_on = $4, status = $5, notes = $6
				WHERE id = $7 AND case_id = $8`, o.Kind, o.Issuer, o.StartsOn, o.EndsOn, o.Status, []byte(k.SealString(orderField(o.ID), notes)), o.ID, caseID)
			if err != nil {
				return "", err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return "", errNoSuchProtection
			}
		}
		if at, ok := o.AlertAt(tx.Now(), s.zone()); ok {
			a := alertJob{Kind: kindCase, ID: caseID, Reason: spiker.AlertProtectionEnding, Item: o.ID, Date: o.EndsOn, Region: st.region}
			if err := EnqueueIn(ctx, tx, JobAlertRaise, "raise:"+a.Reason+":"+o.ID+":"+o.EndsOn, at, a); err != nil {
				return "", err
			}
		}
		return what + o.ID + " " + o.Kind + " " + o.Status, nil
	})
}

// protectionStillEnding reports whether the order an ending alert is about
// is still in force and still ends on the date the alert was set for.
func protectionStillEnding(ctx context.Context, tx *sqldb.Tx, a alertJob) (bool, error) {
	var n int
	err := tx.Get(ctx, `SELECT COUNT(*) FROM case_protection_orders o JOIN cases c ON c.id = o.case_id
		WHERE o.id = $1 AND o.case_id = $2 AND o.status = $3 AND o.ends_on = $4 AND c.status <> $5`,
		[]any{a.Item, a.ID, spiker.OrderActive, a.Date, spiker.CaseClosed}, &n)
	return n > 0, err
}

// AssessRisk keeps a structured risk assessment (answers and any reason
// sealed) and sets the case's risk to the level chosen.
func (s CaseService) AssessRisk(ctx context.Context, actor *spiker.Actor, caseID string, a *spiker.RiskAssessment) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.risk", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := openCaseOnly(st); err != nil {
			return "", err
		}
		if err := a.Assess(); err != nil {
			return "", err
		}
		body, err := json.Marshal(riskBody{Answers: a.Answers, Reason: a.Reason})
		if err != nil {
			return "", err
		}
		a.ID, a.CreatedAt, a.ActorID = newID(), tx.Now(), actor.UserID
		if _, err := tx.Exec(ctx, `INSERT INTO case_risk_assessments (id, case_id, created_at, actor_id, proposed, chosen, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			a.ID, caseID, a.CreatedAt, a.ActorID, a.Proposed, a.Chosen, []byte(k.Seal(riskField(a.ID), body))); err != nil {
			return "", err
		}
		var before string
		if err := tx.Get(ctx, `SELECT risk FROM cases WHERE id = $1`, []any{caseID}, &before); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET risk = $1 WHERE id = $2`, a.Chosen, caseID); err != nil {
			return "", err
		}
		if a.Chosen == "tinggi" && before != "tinggi" {
			// Each rise to tinggi is its own urgent alert (Due tells them
			// apart); staying at tinggi raises none.
			if err := raise(ctx, tx, alertJob{Kind: kindCase, ID: caseID, Reason: spiker.AlertCaseRiskTinggi, Urgent: true,
				Region: st.region, Due: a.CreatedAt.Unix()}); err != nil {
				return "", err
			}
		}
		return "proposed " + a.Proposed + ", chosen " + a.Chosen, nil
	})
}

// SaveSafetyPlan keeps a new version of the case's safety plan, sealed
// whole; the older versions stay as its history.
func (s CaseService) SaveSafetyPlan(ctx context.Context, actor *spiker.Actor, caseID string, p *spiker.SafetyPlan) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.safety_plan", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := openCaseOnly(st); err != nil {
			return "", err
		}
		if err := p.Validate(); err != nil {
			return "", err
		}
		body, err := json.Marshal(safetyPlanBody{SafeContacts: strings.TrimSpace(p.SafeContacts), SafePlace: strings.TrimSpace(p.SafePlace),
			CodeWord: strings.TrimSpace(p.CodeWord), EscapePlan: strings.TrimSpace(p.EscapePlan), KeepReady: strings.TrimSpace(p.KeepReady),
			MustNotKnow: strings.TrimSpace(p.MustNotKnow)})
		if err != nil {
			return "", err
		}
		p.ID, p.CreatedAt, p.ActorID = newID(), tx.Now(), actor.UserID
		_, err = tx.Exec(ctx, `INSERT INTO case_safety_plans (id, case_id, created_at, actor_id, body) VALUES ($1, $2, $3, $4, $5)`,
			p.ID, caseID, p.CreatedAt, p.ActorID, []byte(k.Seal(safetyPlanField(p.ID), body)))
		return "version " + p.ID, err
	})
}

// loadProtections reads and decrypts a case's risk, protections,
// assessments and safety plans, for FindCase.
func loadProtections(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, c *spiker.Case) error {
	if err := tx.Get(ctx, `SELECT risk FROM cases WHERE id = $1`, []any{c.ID}, &c.Risk); err != nil {
		return err
	}
	open := func(f vault.Field, sealed []byte) (string, error) { return k.OpenString(f, vault.Ciphertext(sealed)) }
	rows, err := tx.Query(ctx, `SELECT id, created_at, actor_id, requested_on, amount_requested, decided_on, amount_decided, payment, notes
		FROM case_restitutions WHERE case_id = $1 ORDER BY requested_on, created_at, id`, c.ID)
	restitutions, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (r spiker.Restitution, err error) {
		var notes []byte
		if err := rows.Scan(&r.ID, &r.CreatedAt, &r.ActorID, &r.RequestedOn, &r.AmountRequested, &r.DecidedOn, &r.AmountDecided, &r.Payment, &notes); err != nil {
			return r, err
		}
		r.Notes, err = open(restitutionField(r.ID), notes)
		r.CreatedAt = r.CreatedAt.UTC()
		return r, err
	})
	if err != nil {
		return err
	}
	c.Restitutions = append(c.Restitutions, restitutions...)
	rows, err = tx.Query(ctx, `SELECT id, created_at, actor_id, kind, issuer, starts_on, ends_on, status, notes
		FROM case_protection_orders WHERE case_id = $1 ORDER BY starts_on, created_at, id`, c.ID)
	orders, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (o spiker.ProtectionOrder, err error) {
		var notes []byte
		if err := rows.Scan(&o.ID, &o.CreatedAt, &o.ActorID, &o.Kind, &o.Issuer, &o.StartsOn, &o.EndsOn, &o.Status, &notes); err != nil {
			return o, err
		}
		o.Notes, err = open(orderField(o.ID), notes)
		o.CreatedAt = o.CreatedAt.UTC()
		return o, err
	})
	if err != nil {
		return err
	}
	c.ProtectionOrders = append(c.ProtectionOrders, orders...)
	rows, err = tx.Query(ctx, `SELECT id, created_at, actor_id, proposed, chosen, body FROM case_risk_assessments WHERE case_id = $1 ORDER BY created_at DESC, id DESC`, c.ID)
	assessments, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (a spiker.RiskAssessment, err error) {
		var sealed []byte
		if err := rows.Scan(&a.ID, &a.CreatedAt, &a.ActorID, &a.Proposed, &a.Chosen, &sealed); err != nil {
			return a, err
		}
		plain, err := k.Open(riskField(a.ID), vault.Ciphertext(sealed))
		var body riskBody
		if err == nil {
			err = json.Unmarshal(plain, &body)
		}
		a.Answers, a.Reason, a.CreatedAt = body.Answers, body.Reason, a.CreatedAt.UTC()
		_, a.Score = spiker.ProposeRisk(a.Answers)
		return a, err
	})
	if err != nil {
		return err
	}
	c.RiskAssessments = append(c.RiskAssessments, assessments...)
	rows, err = tx.Query(ctx, `SELECT id, created_at, actor_id, body FROM case_safety_plans WHERE case_id = $1 ORDER BY created_at DESC, id DESC`, c.ID)
	plans, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (p spiker.SafetyPlan, err error) {
		var sealed []byte
		if err := rows.Scan(&p.ID, &p.CreatedAt, &p.ActorID, &sealed); err != nil {
			return p, err
		}
		plain, err := k.Open(safetyPlanField(p.ID), vault.Ciphertext(sealed))
		var body safetyPlanBody
		if err == nil {
			err = json.Unmarshal(plain, &body)
		}
		p.SafeContacts, p.SafePlace, p.CodeWord, p.EscapePlan, p.KeepReady, p.MustNotKnow =
			body.SafeContacts, body.SafePlace, body.CodeWord, body.EscapePlan, body.KeepReady, body.MustNotKnow
		p.CreatedAt = p.CreatedAt.UTC()
		return p, err
	})
	c.SafetyPlans = append(c.SafetyPlans, plans...)
	return err
}
