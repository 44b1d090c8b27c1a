package store

import (
	"context"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// CaseKeyOf opens a case's data key as the actor would: a test keeps it to
// play a removed member who saved their key.
func CaseKeyOf(s *Store, actor *spiker.Actor, caseID string) (k vault.DataKey, err error) {
	err = s.DB.View(context.Background(), func(tx *sqldb.Tx) error {
		k, err = openRecordKey(context.Background(), tx, actor, kindCase, caseID)
		return err
	})
	return k, err
}

// SealedCell is one stored ciphertext with the field it is bound to; Sub
// names the record whose own key seals it ("" for the case key).
type SealedCell struct {
	Field  vault.Field
	Stream bool
	Value  []byte
	Sub    string
}

// CaseSealedCells returns every non-empty ciphertext of a case under its
// key (the columns the re-key covers).
func CaseSealedCells(s *Store, caseID string) ([]SealedCell, error) {
	var out []SealedCell
	ctx := context.Background()
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		tables := append([]sealedColumns(nil), caseSealed...)
		for _, t := range caseSubKeyed {
			t.where = "case_id = $1"
			tables = append(tables, t.sealedColumns)
		}
		for i, t := range tables {
			for _, c := range t.columns {
				rows, err := tx.Query(ctx, `SELECT id, `+c+` FROM `+t.table+` WHERE `+t.where, caseID)
				if err != nil {
					return err
				}
				for rows.Next() {
					var id string
					var v []byte
					if err := rows.Scan(&id, &v); err != nil {
						rows.Close()
						return err
					}
					if len(v) > 0 {
						cell := SealedCell{Field: t.field(id, c), Stream: t.stream[c], Value: v}
						if i >= len(caseSealed) {
							cell.Sub = id
						}
						out = append(out, cell)
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
		}
		// Rows of other tables under a record's own key (a partner's
		// result files under its referral's key).
		for _, t := range caseSubKeyed {
			for _, a := range t.also {
				for _, c := range a.columns {
					rows, err := tx.Query(ctx, `SELECT x.id, r.id, x.`+c+` FROM `+t.table+` r JOIN `+a.table+` x ON x.`+
						strings.TrimSuffix(a.where, " = $1")+` = r.id WHERE r.case_id = $1`, caseID)
					if err != nil {
						return err
					}
					for rows.Next() {
						var id, sub string
						var v []byte
						if err := rows.Scan(&id, &sub, &v); err != nil {
							rows.Close()
							return err
						}
						out = append(out, SealedCell{Field: a.field(id, c), Stream: a.stream[c], Value: v, Sub: sub})
					}
					rows.Close()
					if err := rows.Err(); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return out, err
}

// SubKeys opens, with a case key, the own keys of the case's referrals and
// visits (as a member holding the case key could), by record id.
func SubKeys(s *Store, caseID string, k vault.DataKey) (map[string]vault.DataKey, error) {
	out := map[string]vault.DataKey{}
	ctx := context.Background()
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		for _, t := range caseSubKeyed {
			rows, err := tx.Query(ctx, `SELECT id, key_case FROM `+t.table+` WHERE case_id = $1`, caseID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				var kc []byte
				if err := rows.Scan(&id, &kc); err != nil {
					rows.Close()
					return err
				}
				if b, err := k.Open(t.field(id, "key_case"), kc); err == nil {
					out[id] = vault.DataKey(b)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
