package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

func caseFileField(id, column string) vault.Field {
	return vault.Field{Table: "case_files", Column: column, Record: id}
}

// AddCaseFiles stores documents on a case, encrypted under its key.
func (s CaseService) AddCaseFiles(ctx context.Context, actor *spiker.Actor, caseID string, files []spiker.Upload) error {
	if len(files) == 0 || len(files) > spiker.MaxFilesPerPost {
		return &spiker.Error{Code: spiker.EINVALID, Message: "send 1 to 5 files", Fields: map[string]string{"files": "report.err.file_count"}}
	}
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.files", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		for _, f := range files {
			if f.Len() == 0 || f.Len() > spiker.MaxUploadSize(f.Kind) {
				return "", &spiker.Error{Code: spiker.EINVALID, Message: "a file is empty or too large", Fields: map[string]string{"files": "report.err.file_size"}}
			}
			id := newID()
			var content bytes.Buffer
			if _, err := vault.EncryptStream(&content, f.Reader(), k, caseFileField(id, "content")); err != nil {
				return "", err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO case_files (id, case_id, created_at, author_id, kind, size, name, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				id, caseID, tx.Now(), actor.UserID, f.Kind, f.Len(), []byte(k.SealString(caseFileField(id, "name"), f.Name)), content.Bytes()); err != nil {
				return "", err
			}
		}
		return "", nil
	})
}

// CaseFiles lists a case's documents (names decrypted, no content).
func (s CaseService) CaseFiles(ctx context.Context, actor *spiker.Actor, caseID string) ([]spiker.Attachment, error) {
	var out []spiker.Attachment
	err := s.withCase(ctx, actor, spiker.PermCaseRead, caseID, "case.files_list", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		var err error
		out, err = listCaseFiles(ctx, tx, k, caseID)
		return "", err
	})
	return out, err
}

// listCaseFiles lists a case's documents with its key k.
func listCaseFiles(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID string) ([]spiker.Attachment, error) {
	type fileRow struct {
		a        spiker.Attachment
		name     []byte
		referral sql.NullString
	}
	rows, err := tx.Query(ctx, `SELECT id, created_at, kind, size, name, referral_id FROM case_files WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (f fileRow, err error) {
		return f, rows.Scan(&f.a.ID, &f.a.At, &f.a.Kind, &f.a.Size, &f.name, &f.referral)
	})
	if err != nil {
		return nil, err
	}
	// The keys of result files are looked up once the rows are read
	// (one statement at a time on a transaction).
	keys := &fileKeys{ctx: ctx, tx: tx, k: k}
	var out []spiker.Attachment
	for _, f := range all {
		fk, err := keys.of(f.referral)
		if err != nil {
			return nil, err
		}
		if f.a.Name, err = fk.OpenString(caseFileField(f.a.ID, "name"), f.name); err != nil {
			return nil, err
		}
		f.a.At, f.a.ReferralID = f.a.At.UTC(), f.referral.String
		out = append(out, f.a)
	}
	return out, nil
}

// ReadCaseFile decrypts one document into dst; the read is audited.
func (s CaseService) ReadCaseFile(ctx context.Context, actor *spiker.Actor, caseID, fileID string, dst *bytes.Buffer) (*spiker.Attachment, error) {
	a := &spiker.Attachment{ID: fileID}
	err := s.withCase(ctx, actor, spiker.PermCaseRead, caseID, "case.file_read", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		var content []byte
		var name vault.Ciphertext
		var referral sql.NullString
		err := tx.Get(ctx, `SELECT created_at, kind, size, name, content, referral_id FROM case_files WHERE id = $1 AND case_id = $2`,
			[]any{fileID, caseID}, &a.At, &a.Kind, &a.Size, (*[]byte)(&name), &content, &referral)
		if errors.Is(err, sql.ErrNoRows) {
			return "", spiker.Errorf(spiker.ENOTFOUND, "file not found")
		} else if err != nil {
			return "", err
		}
		fk, err := (&fileKeys{ctx: ctx, tx: tx, k: k}).of(referral)
		if err != nil {
			return "", err
		}
		if a.Name, err = fk.OpenString(caseFileField(fileID, "name"), name); err != nil {
			return "", err
		}
		a.ReferralID = referral.String
		_, err = vault.DecryptStream(dst, bytes.NewReader(content), fk, caseFileField(fileID, "content"))
		return fileID, err
	})
	return a, err
}
