package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/vault"
)

// ReportService implements spiker.ReportService.
type ReportService struct{ *Store }

var _ spiker.ReportService = ReportService{}

// Receipt guessing limits: a reporter who mistypes gets a few tries at
// once, then one a minute; all clients together at most one a second on
// average, which keeps 53-bit receipts out of reach of online guessing.
var (
	ReceiptClientBucket = Bucket{Capacity: 5, PerSecond: 1.0 / 60}
	ReceiptGlobalBucket = Bucket{Capacity: 300, PerSecond: 1}
)

// reportRow is the stored form of a report: the protected columns have the
// Ciphertext type, so plaintext cannot be written to them by mistake.
type reportRow struct {
	narrative, placeDetail, victimName, contact vault.Ciphertext
}

func reportField(id, column string) vault.Field {
	return vault.Field{Table: "reports", Column: column, Record: id}
}

func sealReport(k vault.DataKey, id string, c spiker.ReportContent) reportRow {
	return reportRow{
		narrative:   k.SealString(reportField(id, "narrative"), c.Narrative),
		placeDetail: k.SealString(reportField(id, "place_detail"), c.PlaceDetail),
		victimName:  k.SealString(reportField(id, "victim_name"), c.VictimName),
		contact:     k.SealString(reportField(id, "contact"), c.Contact),
	}
}

func openReport(k vault.DataKey, id string, row reportRow) (spiker.ReportContent, error) {
	var c spiker.ReportContent
	for _, f := range []struct {
		col string
		ct  vault.Ciphertext
		dst *string
	}{
		{"narrative", row.narrative, &c.Narrative},
		{"place_detail", row.placeDetail, &c.PlaceDetail},
		{"victim_name", row.victimName, &c.VictimName},
		{"contact", row.contact, &c.Contact},
	} {
		s, err := k.OpenString(reportField(id, f.col), f.ct)
		if err != nil {
			return c, fmt.Errorf("report %s column %s does not decrypt: %w", id, f.col, err)
		}
		*f.dst = s
	}
	return c, nil
}

// CreateReport encrypts the report under a new data key, seals the key to
// the duty-intake group, the supervisors, the escrow and the receipt, and
// commits it with its audit entry in one durable transaction. The receipt is
// returned only after the commit.
func (s ReportService) CreateReport(ctx context.Context, r *spiker.Report) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	salt, err := s.receiptSalt(ctx)
	if err != nil {
		return "", err
	}
	for attempt := 0; ; attempt++ {
		// The slow Argon2id runs before the transaction, so it never holds
		// the write lock.
		r.ID = newID()
		k := vault.NewDataKey()
		receipt := vault.NewReceipt()
		stretched := vault.StretchReceipt(receipt, salt, s.ReceiptArgon)
		pepper := s.Secrets.Current(vault.PurposePepper)
		row := sealReport(k, r.ID, r.Content)
		r.Status = spiker.ReportNew
		err := s.DB.Update(ctx, func(tx *Tx) error {
			r.CreatedAt = tx.Now()
			if _, err := tx.Exec(ctx, `INSERT INTO reports (id, created_at, channel, region_code, in_danger, status,
				receipt_lookup, receipt_pepper, receipt_wrapped, narrative, place_detail, victim_name, contact)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				r.ID, r.CreatedAt, string(r.Channel), r.RegionCode, r.InDanger, string(r.Status),
				stretched.Lookup(pepper), int64(pepper.ID), vault.WrapForReceipt(stretched.Key(pepper), r.ID, k),
				[]byte(row.narrative), []byte(row.placeDetail), []byte(row.victimName), []byte(row.contact)); err != nil {
				return err
			}
			if err := grantStandard(ctx, tx, kindReport, r.ID, k, "intake", GroupIntake, GroupSupervisors); err != nil {
				return err
			}
			return s.audit(ctx, tx, spiker.Public, "report.create", kindReport, r.ID, "")
		})
		if spiker.ErrorCode(err) == spiker.ECONFLICT && attempt < 2 {
			continue // a receipt collision (one in 10^16): draw another
		}
		if err != nil {
			return "", err
		}
		return receipt, nil
	}
}

const reportColumns = `id, created_at, channel, region_code, in_danger, status, COALESCE(case_id, ''), narrative, place_detail, victim_name, contact`

func scanReport(scan func(...any) error) (*spiker.Report, reportRow, error) {
	r := &spiker.Report{}
	var row reportRow
	var channel, status string
	err := scan(&r.ID, &r.CreatedAt, &channel, &r.RegionCode, &r.InDanger, &status, &r.CaseID,
		(*[]byte)(&row.narrative), (*[]byte)(&row.placeDetail), (*[]byte)(&row.victimName), (*[]byte)(&row.contact))
	r.Channel, r.Status, r.CreatedAt = spiker.Channel(channel), spiker.ReportStatus(status), r.CreatedAt.UTC()
	return r, row, err
}

// FindReport decrypts a report with the actor's key. The read, or the
// refused attempt, is in the audit log.
func (s ReportService) FindReport(ctx context.Context, actor *spiker.Actor, id string) (*spiker.Report, error) {
	var r *spiker.Report
	denied := false
	err := s.DB.Update(ctx, func(tx *Tx) error {
		rr, row, err := scanReport(func(dst ...any) error {
			return tx.Get(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = $1`, []any{id}, dst...)
		})
		if errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "report not found")
		} else if err != nil {
			return err
		}
		k, err := openRecordKey(ctx, tx, actor, kindReport, id)
		if errors.Is(err, errNotHolder) {
			denied = true
			return s.audit(ctx, tx, actor, "report.read_denied", kindReport, id, "")
		} else if err != nil {
			return err
		}
		if rr.Content, err = openReport(k, id, row); err != nil {
			return err
		}
		r = rr
		return s.audit(ctx, tx, actor, "report.read", kindReport, id, "")
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this report")
	}
	return r, nil
}

// FindReportByReceipt throttles the attempt, then finds and decrypts the
// report with the key derived from the receipt.
func (s ReportService) FindReportByReceipt(ctx context.Context, receipt, client string) (*spiker.Report, error) {
	var wait time.Duration
	err := s.DB.Update(ctx, func(tx *Tx) error {
		var err error
		if wait, err = take(ctx, tx, "receipt:all", ReceiptGlobalBucket); err != nil || wait > 0 {
			return err
		}
		wait, err = take(ctx, tx, "receipt:client:"+client, ReceiptClientBucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, spiker.Errorf(spiker.ETOOMANY, "too many receipt attempts; try again in %d minutes", int(wait.Minutes())+1)
	}
	parsed, err := vault.ParseReceipt(receipt)
	if err != nil {
		return nil, spiker.Errorf(spiker.EINVALID, "a receipt is 16 digits, e.g. 1234 5678 9012 3456")
	}
	salt, err := s.receiptSalt(ctx)
	if err != nil {
		return nil, err
	}
	stretched := vault.StretchReceipt(parsed, salt, s.ReceiptArgon)
	// Every pepper version is tried, so receipts survive a pepper rotation.
	var r *spiker.Report
	err = s.DB.Update(ctx, func(tx *Tx) error {
		for _, pepper := range s.Secrets.Keys[vault.PurposePepper] {
			var wrapped []byte
			rr, row, err := scanReport(func(dst ...any) error {
				return tx.Get(ctx, `SELECT `+reportColumns+`, receipt_wrapped FROM reports WHERE receipt_lookup = $1 AND receipt_pepper = $2`,
					[]any{stretched.Lookup(pepper), int64(pepper.ID)}, append(dst, &wrapped)...)
			})
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			k, err := vault.UnwrapForReceipt(stretched.Key(pepper), rr.ID, wrapped)
			if err != nil {
				return err
			}
			if rr.Content, err = openReport(k, rr.ID, row); err != nil {
				return err
			}
			r = rr
			return s.audit(ctx, tx, spiker.Public, "report.read_by_receipt", kindReport, rr.ID, "")
		}
		return spiker.Errorf(spiker.ENOTFOUND, "no report has this receipt; check the 16 digits")
	})
	return r, err
}
