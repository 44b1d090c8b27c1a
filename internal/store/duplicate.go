package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// DuplicateService implements spiker.DuplicateFinder over the blind
// indexes. A match is shown only when the viewer holds it: policy allows
// the read in their region and their key opens it. Anything else is
// dropped without a trace in the answer.
type DuplicateService struct{ *Store }

// match is a record whose index equals one looked for.
type match struct {
	report, caseID, field string
	at                    time.Time
}

// ReportDuplicates implements spiker.DuplicateFinder.
func (s DuplicateService) ReportDuplicates(ctx context.Context, actor *spiker.Actor, reportID string) ([]spiker.Duplicate, error) {
	var out []spiker.Duplicate
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if ok, err := holdsReport(ctx, tx, actor, reportID); err != nil || !ok {
			return cmp.Or[error](err, spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this report"))
		}
		if err := s.sweep(ctx, tx, actor); err != nil {
			return err
		}
		ms, err := matches(ctx, tx, `SELECT o.id, COALESCE(o.case_id, ''), 'phone', o.created_at FROM reports r JOIN reports o ON o.contact_index = r.contact_index
			WHERE r.id = $1 AND o.id <> r.id ORDER BY o.created_at`, reportID)
		if err != nil {
			return err
		}
		out, err = resolve(ctx, tx, actor, ms, "", reportID)
		return err
	})
	return out, err
}

// CaseDuplicates implements spiker.DuplicateFinder.
func (s DuplicateService) CaseDuplicates(ctx context.Context, actor *spiker.Actor, caseID string) ([]spiker.Duplicate, error) {
	var out []spiker.Duplicate
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if ok, err := holdsCase(ctx, tx, actor, caseID); err != nil || !ok {
			return cmp.Or[error](err, spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this case"))
		}
		if err := s.sweep(ctx, tx, actor); err != nil {
			return err
		}
		phones, err := matches(ctx, tx, `SELECT DISTINCT o.id, COALESCE(o.case_id, ''), 'phone', o.created_at FROM reports r JOIN reports o ON o.contact_index = r.contact_index
			WHERE r.case_id = $1 AND (o.case_id IS NULL OR o.case_id <> r.case_id) ORDER BY o.created_at`, caseID)
		if err != nil {
			return err
		}
		niks, err := matches(ctx, tx, `SELECT DISTINCT '', o.case_id, 'nik', c.created_at FROM case_victims v
			JOIN case_victims o ON o.nik_index = v.nik_index JOIN cases c ON c.id = o.case_id
			WHERE v.case_id = $1 AND o.case_id <> v.case_id ORDER BY c.created_at`, caseID)
		if err != nil {
			return err
		}
		out, err = resolve(ctx, tx, actor, append(phones, niks...), caseID, "")
		return err
	})
	return out, err
}

// SearchIdentity implements spiker.DuplicateFinder. Only the kind of
// number and the count of held matches are audited.
func (s DuplicateService) SearchIdentity(ctx context.Context, actor *spiker.Actor, number string) ([]spiker.Duplicate, error) {
	if err := spiker.Authorize(actor, spiker.PermInbox, spiker.Scope{}); err != nil {
		return nil, err
	}
	phone, nik := vault.NormalizePhone(number), vault.NormalizeNIK(number)
	var out []spiker.Duplicate
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		k, ok, err := indexKey(ctx, tx, actor)
		if err != nil {
			return err
		}
		if !ok {
			return spiker.Errorf(spiker.EFORBIDDEN, "only members of the duty-intake or supervisor group hold the index key")
		}
		if phone == "" && nik == "" {
			return &spiker.Error{Code: spiker.EINVALID, Message: "type a phone number or a 16-digit NIK",
				Fields: map[string]string{"number": "dupes.err.number"}}
		}
		if err := s.indexPending(ctx, tx, actor, k); err != nil {
			return err
		}
		var ms []match
		kind := "phone"
		if nik != "" {
			kind = "nik"
			ms, err = matches(ctx, tx, `SELECT DISTINCT '', o.case_id, 'nik', c.created_at FROM case_victims o JOIN cases c ON c.id = o.case_id
				WHERE o.nik_index = $1 ORDER BY c.created_at`, vault.BlindIndex(k, "nik", nik))
		} else {
			ms, err = matches(ctx, tx, `SELECT id, COALESCE(case_id, ''), 'phone', created_at FROM reports WHERE contact_index = $1 ORDER BY created_at`,
				vault.BlindIndex(k, "phone", phone))
		}
		if err != nil {
			return err
		}
		if out, err = resolve(ctx, tx, actor, ms, "", ""); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "identity.search", kindIndex, indexID, fmt.Sprintf("%s: %d held", kind, len(out)))
	})
	return out, err
}

// sweep indexes pending rows if the actor holds the index key.
func (s DuplicateService) sweep(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor) error {
	k, ok, err := indexKey(ctx, tx, actor)
	if err != nil || !ok {
		return err
	}
	return s.indexPending(ctx, tx, actor, k)
}

func matches(ctx context.Context, tx *sqldb.Tx, query string, args ...any) ([]match, error) {
	rows, err := tx.Query(ctx, query, args...)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (m match, err error) {
		return m, rows.Scan(&m.report, &m.caseID, &m.field, &m.at)
	})
}

// resolve keeps the matches the actor holds, naming a report's case when
// they hold the case, else the report; the record being looked at
// (selfCase, selfReport) and repeats are dropped.
func resolve(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, ms []match, selfCase, selfReport string) ([]spiker.Duplicate, error) {
	out := []spiker.Duplicate{}
	seen := map[string]bool{}
	held := map[string]bool{}
	var failed error
	holds := func(kind, id string) bool {
		key := kind + ":" + id
		if h, ok := held[key]; ok || failed != nil {
			return h
		}
		check := holdsReport
		if kind == kindCase {
			check = holdsCase
		}
		h, err := check(ctx, tx, actor, id)
		held[key], failed = h, err
		return h
	}
	for _, m := range ms {
		d := spiker.Duplicate{Match: m.field, CreatedAt: m.at.UTC()}
		switch {
		case m.caseID != "" && m.caseID != selfCase && holds(kindCase, m.caseID):
			d.Kind, d.ID = kindCase, m.caseID
		case m.report != "" && m.report != selfReport && holds(kindReport, m.report):
			d.Kind, d.ID = kindReport, m.report
		case failed != nil:
			return nil, failed
		default:
			continue
		}
		if seen[d.Kind+":"+d.ID+":"+d.Match] {
			continue
		}
		seen[d.Kind+":"+d.ID+":"+d.Match] = true
		if d.Kind == kindCase {
			var number sql.NullString
			if err := tx.Get(ctx, `SELECT number, created_at FROM cases WHERE id = $1`, []any{d.ID}, &number, &d.CreatedAt); err != nil {
				return nil, err
			}
			d.Number, d.CreatedAt = number.String, d.CreatedAt.UTC()
		}
		out = append(out, d)
	}
	return out, nil
}

// holdsReport reports whether policy lets the actor read the report and
// their key opens it.
func holdsReport(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, id string) (bool, error) {
	var region string
	if err := tx.Get(ctx, `SELECT region_code FROM reports WHERE id = $1`, []any{id}, &region); errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if spiker.Authorize(actor, spiker.PermReportRead, spiker.Scope{RegionCode: region}) != nil {
		return false, nil
	}
	return opens(ctx, tx, actor, kindReport, id)
}

// holdsCase reports whether policy lets the actor read the case and their
// key opens it.
func holdsCase(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, id string) (bool, error) {
	region, err := caseRegion(ctx, tx, id)
	if spiker.ErrorCode(err) == spiker.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	team, err := caseTeam(ctx, tx, id)
	if err != nil {
		return false, err
	}
	if spiker.Authorize(actor, spiker.PermCaseRead, spiker.Scope{RegionCode: region, Case: true, Team: team}) != nil {
		return false, nil
	}
	return opens(ctx, tx, actor, kindCase, id)
}

// opens reports whether the actor's key opens a record's.
func opens(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, kind, id string) (bool, error) {
	_, err := openRecordKey(ctx, tx, actor, kind, id)
	if errors.Is(err, errNotHolder) {
		return false, nil
	}
	return err == nil, err
}
