package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// A partner's result file is a case file linked to its referral
// (case_files.referral_id). The partner holds the referral's key, never the
// case key, so the file's name and content are sealed under the referral's
// key; the case team reaches that key through referrals.key_case. A re-key
// of the case gives the referral a new key and reseals the file with it
// (caseSubKeyed).

// storeResultFile stores a cleaned result file of a referral (its size
// checked by the caller) in the caller's transaction, sealed under the
// referral's key pk.
func storeResultFile(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, r *spiker.Referral, pk vault.DataKey, f *spiker.Upload) (string, error) {
	id := newID()
	var content bytes.Buffer
	if _, err := vault.EncryptStream(&content, f.Reader(), pk, caseFileField(id, "content")); err != nil {
		return "", err
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_files (id, case_id, created_at, author_id, kind, size, name, content, referral_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, r.CaseID, tx.Now(), actor.UserID, f.Kind, f.Len(), []byte(pk.SealString(caseFileField(id, "name"), f.Name)), content.Bytes(), r.ID)
	return id, err
}

// loadResult fills r.Result with the referral's result file, if any (its
// name opened with the referral's key pk; no content).
func loadResult(ctx context.Context, tx *sqldb.Tx, r *spiker.Referral, pk vault.DataKey) error {
	a := &spiker.Attachment{}
	var name []byte
	err := tx.Get(ctx, `SELECT id, created_at, kind, size, name FROM case_files WHERE referral_id = $1 ORDER BY created_at, id LIMIT 1`,
		[]any{r.ID}, &a.ID, &a.At, &a.Kind, &a.Size, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if a.Name, err = pk.OpenString(caseFileField(a.ID, "name"), name); err != nil {
		return fmt.Errorf("referral %s: the result file's name does not open: %w", r.ID, err)
	}
	a.At = a.At.UTC()
	r.Result = a
	return nil
}

// fileKeys gives the key that seals each file of a case: the case key k,
// or for a partner's result file its referral's key, opened through the
// case key (each referral's once).
type fileKeys struct {
	ctx  context.Context
	tx   *sqldb.Tx
	k    vault.DataKey
	subs map[string]vault.DataKey
}

func (fk *fileKeys) of(referralID sql.NullString) (vault.DataKey, error) {
	if !referralID.Valid {
		return fk.k, nil
	}
	if pk, ok := fk.subs[referralID.String]; ok {
		return pk, nil
	}
	var sealed []byte
	if err := fk.tx.Get(fk.ctx, `SELECT key_case FROM referrals WHERE id = $1`, []any{referralID.String}, &sealed); err != nil {
		return vault.DataKey{}, err
	}
	b, err := fk.k.Open(referralField(referralID.String, "key_case"), sealed)
	if err != nil || len(b) != len(vault.DataKey{}) {
		return vault.DataKey{}, fmt.Errorf("referral %s: the packet key does not open: %v", referralID.String, err)
	}
	if fk.subs == nil {
		fk.subs = map[string]vault.DataKey{}
	}
	fk.subs[referralID.String] = vault.DataKey(b)
	return vault.DataKey(b), nil
}
