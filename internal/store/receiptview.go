package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// SubmissionKept is how long a submission token's row is kept: a retried
// form (within spiker.FormTokenLife of its issue, which is before the
// row's creation) or API request (an Idempotency-Key's retries) finds its
// report for this long, then the prune (JobPrune) deletes the row.
const SubmissionKept = 24 * time.Hour

// HoldReceipt gives the browser that sent a web form a handle to the
// receipt of the report its token made, for spiker.ReceiptWindow after
// the report was stored. A retry whose receipt is still held moves it to
// a new handle (the first answer may have been lost on the way); after
// the window, or once quick exit ended it, there is no handle: the
// resubmitted form is told that the report was received, without its
// number.
func (s ReportService) HoldReceipt(ctx context.Context, token, receipt string) (string, error) {
	if token == "" || receipt == "" {
		return "", nil
	}
	h, value := newHandle()
	held := false
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		for _, pepper := range s.Secrets.Keys[vault.PurposePepper] {
			hash, _ := submissionKeys(pepper, token)
			res, err := tx.Exec(ctx, `UPDATE submissions SET view_hash = $1, view_sealed = $2
				WHERE token_hash = $3 AND NOT receipt_ended AND created_at > $4`,
				h.IDHash[:], vault.SealSymmetric(h.Secret, []byte(receipt), h.IDHash[:]), hash, tx.Now().Add(-spiker.ReceiptWindow))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				held = true
				return nil
			}
		}
		return nil
	})
	if err != nil || !held {
		return "", err
	}
	return value, nil
}

// HeldReceipt returns the receipt a handle holds while its window lasts.
func (s ReportService) HeldReceipt(ctx context.Context, value string) (string, time.Time, error) {
	h, ok := parseHandle(value)
	if !ok {
		return "", time.Time{}, nil
	}
	var sealed []byte
	var created time.Time
	var ended bool
	err := s.DB.Get(ctx, `SELECT view_sealed, created_at, receipt_ended FROM submissions WHERE view_hash = $1`,
		[]any{h.IDHash[:]}, &sealed, &created, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	} else if err != nil {
		return "", time.Time{}, err
	}
	until := created.Add(spiker.ReceiptWindow)
	if ended || !s.DB.Now().Before(until) {
		return "", time.Time{}, nil
	}
	b, err := vault.OpenSymmetric(h.Secret, sealed, h.IDHash[:])
	if err != nil {
		return "", time.Time{}, nil // a forged or damaged handle shows nothing
	}
	return string(b), until.UTC(), nil
}

// EndReceipt ends a handle: its receipt is shown no more, and a
// resubmission of the form is told only that the report was received.
func (s ReportService) EndReceipt(ctx context.Context, value string) error {
	h, ok := parseHandle(value)
	if !ok {
		return nil
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE submissions SET receipt_ended = TRUE, view_hash = NULL, view_sealed = NULL WHERE view_hash = $1`, h.IDHash[:])
		return err
	})
}
