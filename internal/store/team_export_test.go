package store

import (
	"context"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/vault"
)

// CaseKeyOf opens a case's data key as the actor would: a test keeps it to
// play a removed member who saved their key.
func CaseKeyOf(s *Store, actor *spiker.Actor, caseID string) (k vault.DataKey, err error) {
	err = s.DB.View(context.Background(), func(tx *Tx) error {
		k, err = openRecordKey(context.Background(), tx, actor, kindCase, caseID)
		return err
	})
	return k, err
}

// SealedCell is one stored ciphertext with the field it is bound to.
type SealedCell struct {
	Field  vault.Field
	Stream bool
	Value  []byte
}

// CaseSealedCells returns every non-empty ciphertext of a case under its
// key (the columns the re-key covers).
func CaseSealedCells(s *Store, caseID string) ([]SealedCell, error) {
	var out []SealedCell
	ctx := context.Background()
	err := s.DB.View(ctx, func(tx *Tx) error {
		for _, t := range caseSealed {
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
						out = append(out, SealedCell{Field: t.field(id, c), Stream: t.stream[c], Value: v})
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}
