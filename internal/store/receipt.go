package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// errReceiptUnknown answers a receipt that opens no report.
func errReceiptUnknown() error {
	return &spiker.Error{Code: spiker.ENOTFOUND, Message: "no report has this receipt; check the 16 digits",
		Fields: map[string]string{"receipt": "followup.err.receipt_unknown"}}
}

// openByReceipt returns the report of a receipt and its data key.
//
// Each report records the Argon2id parameters that stretched its receipt
// (reports.receipt_kdf). The receipt is stretched with the current
// parameters first; if no report has the result, once with each other set
// still recorded, so receipts made before a change of parameters keep
// opening. A wrong receipt therefore costs one derivation per set in use
// (two since migration 0043), never more, and every derivation runs
// before the write transaction.
func (s ReportService) openByReceipt(ctx context.Context, receipt, client string) (*spiker.Report, vault.DataKey, error) {
	var k vault.DataKey
	if err := s.Allow(ctx, spiker.ActionReceipt, client); err != nil {
		return nil, k, err
	}
	parsed, err := vault.ParseReceipt(receipt)
	if err != nil {
		return nil, k, &spiker.Error{Code: spiker.EINVALID, Message: "a receipt is 16 digits, e.g. 1234 5678 9012 3456",
			Fields: map[string]string{"receipt": "followup.err.receipt_format"}}
	}
	salt, err := s.receiptSalt(ctx)
	if err != nil {
		return nil, k, err
	}
	sets := []vault.Argon2Params{s.ReceiptArgon}
	for i := 0; i < len(sets); i++ {
		r, k, err := s.openStretched(ctx, vault.StretchReceipt(parsed, salt, sets[i]), sets[i].KDF())
		if spiker.ErrorCode(err) != spiker.ENOTFOUND {
			return r, k, err
		}
		if i == 0 {
			older, err := s.receiptKDFs(ctx)
			if err != nil {
				return nil, k, err
			}
			for _, p := range older {
				if p != s.ReceiptArgon {
					sets = append(sets, p)
				}
			}
		}
	}
	return nil, k, errReceiptUnknown()
}

// openStretched opens the report whose receipt, stretched with the
// parameters recorded as kdf, is stretched. Every pepper version is tried,
// so receipts survive a pepper rotation.
func (s ReportService) openStretched(ctx context.Context, stretched vault.StretchedReceipt, kdf string) (*spiker.Report, vault.DataKey, error) {
	var k vault.DataKey
	var r *spiker.Report
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		for _, pepper := range s.Secrets.Keys[vault.PurposePepper] {
			var wrapped []byte
			rr, row, err := scanReport(func(dst ...any) error {
				return tx.Get(ctx, `SELECT `+reportColumns+`, receipt_wrapped FROM reports WHERE receipt_lookup = $1 AND receipt_pepper = $2 AND receipt_kdf = $3`,
					[]any{stretched.Lookup(pepper), int64(pepper.ID), kdf}, append(dst, &wrapped)...)
			})
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			if k, err = vault.UnwrapForReceipt(stretched.Key(pepper), rr.ID, wrapped); err != nil {
				return err
			}
			if rr.Content, err = openReport(k, rr.ID, row); err != nil {
				return err
			}
			r = rr
			return s.audit(ctx, tx, spiker.Public, "report.read_by_receipt", kindReport, rr.ID, "")
		}
		return errReceiptUnknown()
	})
	return r, k, err
}

// receiptKDFs lists the distinct receipt parameters recorded, by walking
// the index from one value to the next (a handful of index probes, however
// many reports there are). A value that does not parse is skipped: no
// receipt could be checked against it.
func (s ReportService) receiptKDFs(ctx context.Context) ([]vault.Argon2Params, error) {
	var out []vault.Argon2Params
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `WITH RECURSIVE k (v) AS (
				SELECT MIN(receipt_kdf) FROM reports WHERE receipt_kdf IS NOT NULL
				UNION ALL
				SELECT (SELECT MIN(receipt_kdf) FROM reports WHERE receipt_kdf > k.v) FROM k WHERE k.v IS NOT NULL
			) SELECT v FROM k WHERE v IS NOT NULL`)
		kdfs, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (v string, err error) {
			return v, rows.Scan(&v)
		})
		for _, v := range kdfs {
			if p, err := vault.ParseKDF(v); err == nil {
				out = append(out, p)
			}
		}
		return err
	})
	return out, err
}
