package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// ReportService implements spiker.ReportService.
type ReportService struct{ *Store }

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
	contact, _ := json.Marshal(c.Contact)
	return reportRow{
		narrative:   k.SealString(reportField(id, "narrative"), c.Narrative),
		placeDetail: k.SealString(reportField(id, "place_detail"), c.PlaceDetail),
		victimName:  k.SealString(reportField(id, "victim_name"), c.VictimName),
		contact:     k.Seal(reportField(id, "contact"), contact),
	}
}

func openReport(k vault.DataKey, id string, row reportRow) (spiker.ReportContent, error) {
	var c spiker.ReportContent
	var contact string
	for _, f := range []struct {
		col string
		ct  vault.Ciphertext
		dst *string
	}{
		{"narrative", row.narrative, &c.Narrative},
		{"place_detail", row.placeDetail, &c.PlaceDetail},
		{"victim_name", row.victimName, &c.VictimName},
		{"contact", row.contact, &contact},
	} {
		s, err := k.OpenString(reportField(id, f.col), f.ct)
		if err != nil {
			return c, fmt.Errorf("report %s column %s does not decrypt: %w", id, f.col, err)
		}
		*f.dst = s
	}
	if err := json.Unmarshal([]byte(contact), &c.Contact); err != nil {
		return c, fmt.Errorf("report %s contact: %w", id, err)
	}
	return c, nil
}

// CreateReport encrypts the report under a new data key, seals the key to
// the duty-intake group, the supervisors, the escrow and the receipt, and
// commits it with its audit entry in one durable transaction. The receipt is
// returned only after the commit. A token seen before returns the receipt of
// the report it created, and nothing new is stored.
//
// Only the web channel is public: a report that says it came by WhatsApp
// (whose staff replies go out to its contact number) is made by the
// webhook alone, and one by telephone or in person by staff.
func (s ReportService) CreateReport(ctx context.Context, r *spiker.Report, token string) (string, error) {
	if r.Channel != spiker.ChannelWeb {
		return "", &spiker.Error{Code: spiker.EINVALID, Message: "a public report comes by the web channel", Fields: map[string]string{"channel": "report.err.channel_public"}}
	}
	if token != "" && !spiker.TokenFrom(token, spiker.TokenForm, spiker.TokenAPI) {
		return "", &spiker.Error{Code: spiker.EINVALID, Message: "not a public submission token", Fields: map[string]string{"token": "report.err.token"}}
	}
	r.FiledBy = 0
	return s.createReport(ctx, spiker.Public, r, token, nil)
}

// FileReport stores a report a staff member or Fokal Desa files on someone's
// behalf (walk-in, phone, letter), with the channel it came by. The filer
// hands the receipt to the person; afterwards they see only its status.
func (s ReportService) FileReport(ctx context.Context, actor *spiker.Actor, r *spiker.Report, token string) (string, error) {
	if err := spiker.Authorize(actor, spiker.PermReportFile, spiker.Scope{}); err != nil {
		return "", err
	}
	if r.Channel == spiker.ChannelWeb {
		return "", &spiker.Error{Code: spiker.EINVALID, Message: "choose how the report came in", Fields: map[string]string{"channel": "report.err.channel"}}
	}
	if token != "" && !spiker.TokenFrom(token, spiker.TokenStaff) {
		return "", &spiker.Error{Code: spiker.EINVALID, Message: "not a staff submission token", Fields: map[string]string{"token": "report.err.token"}}
	}
	r.FiledBy = actor.UserID
	return s.createReport(ctx, actor, r, token, nil)
}

// FiledReports lists the reports the actor filed, with their status only.
func (s ReportService) FiledReports(ctx context.Context, actor *spiker.Actor) ([]spiker.FiledReport, error) {
	if err := spiker.Authorize(actor, spiker.PermReportFile, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.FiledReport
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, created_at, channel, region_code, status FROM reports WHERE filed_by = $1 ORDER BY created_at DESC LIMIT 200`, actor.UserID)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (f spiker.FiledReport, err error) {
			err = rows.Scan(&f.ID, &f.CreatedAt, &f.Channel, &f.RegionCode, &f.Status)
			f.CreatedAt = f.CreatedAt.UTC()
			return f, err
		})
		return err
	})
	return out, err
}

// createReport stores a report; then, if not nil, runs in the same
// transaction after the report is written.
func (s ReportService) createReport(ctx context.Context, actor *spiker.Actor, r *spiker.Report, token string, then func(*sqldb.Tx) error) (string, error) {
	if err := r.Validate(s.DB.Now().In(s.zone())); err != nil {
		return "", err
	}
	salt, err := s.receiptSalt(ctx)
	if err != nil {
		return "", err
	}
	// The slow Argon2id runs before the transaction, so it never holds the
	// write lock, and while a resubmitted form's token is looked up (for a
	// resubmission its result is thrown away).
	receipt := vault.NewReceipt()
	stretching := make(chan vault.StretchedReceipt, 1)
	go func() { stretching <- vault.StretchReceipt(receipt, salt, s.ReceiptArgon) }()
	if token != "" {
		if prior, err := s.submittedReceipt(ctx, token); err != nil || prior != "" {
			return prior, err
		}
	}
	if r.VictimAge >= 0 { // a known age decides the group; otherwise the reporter's choice stands
		r.VictimAgeGroup = spiker.AgeGroup(r.VictimAge)
	}
	for attempt := 0; ; attempt++ {
		r.ID = newID()
		k := vault.NewDataKey()
		var stretched vault.StretchedReceipt
		if attempt == 0 {
			stretched = <-stretching
		} else {
			receipt = vault.NewReceipt()
			stretched = vault.StretchReceipt(receipt, salt, s.ReceiptArgon)
		}
		pepper := s.Secrets.Current(vault.PurposePepper)
		row := sealReport(k, r.ID, r.Content)
		r.Status = spiker.ReportNew
		err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			r.CreatedAt = tx.Now()
			rc := reportReceipt{lookup: stretched.Lookup(pepper), pepper: sql.NullInt64{Int64: int64(pepper.ID), Valid: true},
				wrapped: vault.WrapForReceipt(stretched.Key(pepper), r.ID, k), kdf: sql.NullString{String: s.ReceiptArgon.KDF(), Valid: true}}
			if err := insertReport(ctx, tx, r, row, rc); err != nil {
				return err
			}
			if token != "" {
				hash, key := submissionKeys(pepper, token)
				if err := tx.Queue(ctx, `INSERT INTO submissions (token_hash, report_id, receipt_sealed, pepper, created_at)
					VALUES ($1, $2, $3, $4, $5)`, hash, r.ID, vault.SealSymmetric(key, []byte(receipt), hash), int64(pepper.ID), tx.Now()); err != nil {
					return err
				}
			}
			if err := insertFiles(ctx, tx, k, r.ID, r.Files); err != nil {
				return err
			}
			if err := grantStandard(ctx, tx, kindReport, r.ID, k, "intake", GroupIntake, GroupSupervisors); err != nil {
				return err
			}
			// The duty officer's alert and the first-response clock start
			// with the commit, or not at all.
			if err := reportArrived(ctx, tx, r); err != nil {
				return err
			}
			if then != nil {
				if err := then(tx); err != nil {
					return err
				}
			}
			return s.audit(ctx, tx, actor, "report.create", kindReport, r.ID, string(r.Channel))
		})
		if spiker.ErrorCode(err) == spiker.ECONFLICT && token != "" {
			// The same token was committed by a concurrent request: answer
			// with its receipt.
			if receipt, err := s.submittedReceipt(ctx, token); err != nil || receipt != "" {
				return receipt, err
			}
		}
		if spiker.ErrorCode(err) == spiker.ECONFLICT && attempt < 2 {
			continue // a receipt collision (one in 10^16): draw another
		}
		if err != nil {
			return "", err
		}
		return receipt, nil
	}
}

// reportReceipt is what lets a report's receipt find and open it: the
// receipt's lookup under a pepper version, the report's data key wrapped
// for it, and the Argon2id parameters that stretched it. Demo reports have
// none.
type reportReceipt struct {
	lookup  []byte
	pepper  sql.NullInt64
	wrapped []byte
	kdf     sql.NullString
}

// insertReport writes a new report's row, its protected columns sealed in
// row. Every report is stored through it: the public intake, staff filing
// one and the demo data.
func insertReport(ctx context.Context, tx *sqldb.Tx, r *spiker.Report, row reportRow, rc reportReceipt) error {
	// The contact number's blind index needs the holders' index key: the
	// first holder session that looks for duplicates computes it.
	indexPending := r.ContactWanted && vault.NormalizePhone(r.Content.Contact.Number) != ""
	return tx.Queue(ctx, `INSERT INTO reports (id, created_at, channel, region_code, in_danger, status,
		receipt_lookup, receipt_pepper, receipt_wrapped, narrative, place_detail, victim_name, contact,
		reporter_role, violence_types, incident_date, victim_sex, victim_age, victim_age_group, relationship,
		contact_wanted, consent, index_pending, filed_by, receipt_kdf)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`,
		r.ID, r.CreatedAt, string(r.Channel), r.RegionCode, r.InDanger, string(r.Status),
		rc.lookup, rc.pepper, rc.wrapped,
		[]byte(row.narrative), []byte(row.placeDetail), []byte(row.victimName), []byte(row.contact),
		string(r.ReporterRole), strings.Join(r.ViolenceTypes, ";"), r.IncidentDate, r.VictimSex, r.VictimAge,
		r.VictimAgeGroup, r.Relationship, r.ContactWanted, r.Consent, indexPending, sql.NullInt64{Int64: r.FiledBy, Valid: r.FiledBy != 0}, rc.kdf)
}

// submissionKeys derives the stored hash of a submission token and the key
// that seals its receipt, both with the pepper.
func submissionKeys(pepper vault.KeyVersion, token string) (hash []byte, key [32]byte) {
	return vault.MAC(pepper.Key, "spiker/submission-hash", []byte(token)), [32]byte(vault.MAC(pepper.Key, "spiker/submission-key", []byte(token)))
}

// submittedReceipt returns the receipt of the report a token created, or "".
func (s ReportService) submittedReceipt(ctx context.Context, token string) (string, error) {
	for _, pepper := range s.Secrets.Keys[vault.PurposePepper] {
		hash, key := submissionKeys(pepper, token)
		var sealed []byte
		err := s.DB.Get(ctx, `SELECT receipt_sealed FROM submissions WHERE token_hash = $1`, []any{hash}, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return "", err
		}
		b, err := vault.OpenSymmetric(key, sealed, hash)
		return string(b), err
	}
	return "", nil
}

const reportColumns = `id, created_at, channel, region_code, in_danger, status, COALESCE(case_id, ''), narrative, place_detail, victim_name, contact,
	reporter_role, violence_types, incident_date, victim_sex, victim_age, victim_age_group, relationship, contact_wanted, consent,
	jenis_kasus, risiko, kewenangan`

func scanReport(scan func(...any) error) (*spiker.Report, reportRow, error) {
	r := &spiker.Report{}
	var row reportRow
	var channel, status, role, types string
	err := scan(&r.ID, &r.CreatedAt, &channel, &r.RegionCode, &r.InDanger, &status, &r.CaseID,
		(*[]byte)(&row.narrative), (*[]byte)(&row.placeDetail), (*[]byte)(&row.victimName), (*[]byte)(&row.contact),
		&role, &types, &r.IncidentDate, &r.VictimSex, &r.VictimAge, &r.VictimAgeGroup, &r.Relationship, &r.ContactWanted, &r.Consent,
		&r.JenisKasus, &r.Risiko, &r.Kewenangan)
	r.Channel, r.Status, r.CreatedAt = spiker.Channel(channel), spiker.ReportStatus(status), r.CreatedAt.UTC()
	r.ReporterRole = spiker.ReporterRole(role)
	if types != "" {
		r.ViolenceTypes = strings.Split(types, ";")
	}
	return r, row, err
}

// FindReport decrypts a report with the actor's key. The read, or the
// refused attempt, is in the audit log.
func (s ReportService) FindReport(ctx context.Context, actor *spiker.Actor, id string) (*spiker.Report, error) {
	var r *spiker.Report
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var err error
		r, _, denied, err = s.findReportIn(ctx, tx, actor, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, denied
	}
	return r, nil
}

// findReportIn is FindReport in tx, also returning the report's key. A
// refusal is audited and returned as denied (the transaction commits, so
// the refusal stays logged).
func (s ReportService) findReportIn(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, id string) (r *spiker.Report, k vault.DataKey, denied, err error) {
	rr, row, err := scanReport(func(dst ...any) error {
		return tx.Get(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = $1`, []any{id}, dst...)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, k, nil, spiker.Errorf(spiker.ENOTFOUND, "report not found")
	} else if err != nil {
		return nil, k, nil, err
	}
	if denied = spiker.Authorize(actor, spiker.PermReportRead, spiker.Scope{RegionCode: rr.RegionCode}); denied != nil {
		return nil, k, denied, s.audit(ctx, tx, actor, "report.read_denied", kindReport, id, "policy")
	}
	if err := refusePurged(ctx, tx, kindReport, id); spiker.ErrorCode(err) == spiker.EGONE {
		return nil, k, err, nil
	} else if err != nil {
		return nil, k, nil, err
	}
	k, err = openRecordKey(ctx, tx, actor, kindReport, id)
	if errors.Is(err, errNotHolder) {
		return nil, k, spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this report"), s.audit(ctx, tx, actor, "report.read_denied", kindReport, id, "no key")
	} else if err != nil {
		return nil, k, nil, err
	}
	if rr.Content, err = openReport(k, id, row); err != nil {
		return nil, k, nil, err
	}
	if rr.Restricted, err = reportRestricted(ctx, tx, id); err != nil {
		return nil, k, nil, err
	}
	s.rememberWhatsApp(rr, tx.Now())
	return rr, k, nil, s.audit(ctx, tx, actor, "report.read", kindReport, id, "")
}

// FindReportByReceipt throttles the attempt, then finds and decrypts the
// report with the key derived from the receipt.
func (s ReportService) FindReportByReceipt(ctx context.Context, receipt, client string) (*spiker.Report, error) {
	r, _, err := s.openByReceipt(ctx, receipt, client)
	return r, err
}
