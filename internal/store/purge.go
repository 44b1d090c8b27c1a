package store

import (
	"context"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Purge by crypto-shredding: a record's key grants are deleted, so that no
// holder (nor a backup taken afterwards) can open what might remain of it,
// and its ciphertext is deleted or emptied. The record's row stays as a
// tombstone with its categorical columns (region, dates, status, the
// statistics' classifications), because other tables and the audit log
// name its id; the statistics counts (stats_counts) and the clocks'
// breaches are not touched. The audit log keeps "purged" with the record's
// kind, id and why — never any content.

// shredCase shreds a case and the reports it came from, and writes the
// audit entry "purged" with why (a short code: "retention", "erasure").
// It refuses (ECONFLICT, spiker.ErrOnHold) while a legal hold stands.
func (s *Store) shredCase(ctx context.Context, tx *sqldb.Tx, caseID, why string) error {
	if on, err := caseOnHold(ctx, tx, caseID); err != nil {
		return err
	} else if on {
		return spiker.ErrOnHold
	}
	reports, err := sqldb.QueryStrings(ctx, tx, `SELECT id FROM reports WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return err
	}
	for _, id := range reports {
		if err := shredReportRows(ctx, tx, id); err != nil {
			return err
		}
	}
	if err := shredCaseRows(ctx, tx, caseID); err != nil {
		return err
	}
	return s.audit(ctx, tx, spiker.System, "purged", kindCase, caseID, why)
}

// shredReport shreds a report (its content, files, notes, follow-up
// conversation and keys) and writes the audit entry "purged". A report of
// a case under legal hold is refused.
func (s *Store) shredReport(ctx context.Context, tx *sqldb.Tx, reportID, why string) error {
	var caseID []string
	caseID, err := sqldb.QueryStrings(ctx, tx, `SELECT case_id FROM reports WHERE id = $1 AND case_id IS NOT NULL`, reportID)
	if err != nil {
		return err
	}
	for _, c := range caseID {
		if on, err := caseOnHold(ctx, tx, c); err != nil {
			return err
		} else if on {
			return spiker.ErrOnHold
		}
	}
	if err := shredReportRows(ctx, tx, reportID); err != nil {
		return err
	}
	return s.audit(ctx, tx, spiker.System, "purged", kindReport, reportID, why)
}

// execAll runs statements that each take the one argument id.
func execAll(ctx context.Context, tx *sqldb.Tx, id string, stmts ...string) error {
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// dropGrants deletes the key grants of the records of kind that query
// (taking the one argument id) lists.
func dropGrants(ctx context.Context, tx *sqldb.Tx, kind, query, id string) error {
	_, err := tx.Exec(ctx, `DELETE FROM key_grants WHERE record_kind = $1 AND record_id IN (`+query+`)`, kind, id)
	return err
}

// shredReportFiles deletes a report's files and their stored parts.
func shredReportFiles(ctx context.Context, tx *sqldb.Tx, reportID string) error {
	if err := dropGrants(ctx, tx, kindMedia, `SELECT id FROM whatsapp_media WHERE report_id = $2`, reportID); err != nil {
		return err
	}
	return execAll(ctx, tx, reportID,
		`DELETE FROM report_file_parts WHERE file_id IN (SELECT id FROM report_files WHERE report_id = $1)`,
		`DELETE FROM report_files WHERE report_id = $1`,
		`DELETE FROM whatsapp_media WHERE report_id = $1`)
}

// shredFollowup deletes a report's follow-up conversation: the messages
// with the reporter (and the WhatsApp messages they came in), the
// follow-up sessions and the receipt that opens them.
func shredFollowup(ctx context.Context, tx *sqldb.Tx, reportID string) error {
	if err := dropGrants(ctx, tx, kindInbound, `SELECT id FROM report_inbound WHERE report_id = $2`, reportID); err != nil {
		return err
	}
	return execAll(ctx, tx, reportID,
		`DELETE FROM report_messages WHERE report_id = $1`,
		`DELETE FROM report_inbound WHERE report_id = $1`,
		`DELETE FROM followup_sessions WHERE report_id = $1`,
		`DELETE FROM submissions WHERE report_id = $1`,
		`UPDATE reports SET receipt_lookup = NULL, receipt_pepper = NULL, receipt_wrapped = NULL, receipt_kdf = NULL WHERE id = $1`)
}

// shredReportRows shreds one report, leaving its tombstone.
func shredReportRows(ctx context.Context, tx *sqldb.Tx, reportID string) error {
	if err := shredReportFiles(ctx, tx, reportID); err != nil {
		return err
	}
	if err := shredFollowup(ctx, tx, reportID); err != nil {
		return err
	}
	if err := dropGrants(ctx, tx, kindExtension, `SELECT id FROM retention_extensions WHERE record_kind = 'report' AND record_id = $2`, reportID); err != nil {
		return err
	}
	if err := dropGrants(ctx, tx, kindEscrowRecovery, `SELECT id FROM escrow_recoveries WHERE target_kind = 'report' AND target_id = $2`, reportID); err != nil {
		return err
	}
	if err := execAll(ctx, tx, reportID,
		`DELETE FROM report_notes WHERE report_id = $1`,
		`DELETE FROM escrow_recoveries WHERE target_kind = 'report' AND target_id = $1`,
		`DELETE FROM retention_extensions WHERE record_kind = 'report' AND record_id = $1`,
		`DELETE FROM key_grants WHERE record_kind = 'report' AND record_id = $1`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE reports SET narrative = $1, place_detail = $1, victim_name = $1, contact = $1,
		contact_index = NULL, index_pending = FALSE, purged_at = $2 WHERE id = $3`, []byte{}, tx.Now(), reportID)
	return err
}

// shredCaseFiles deletes a case's files (uploads, letters, referral
// results).
func shredCaseFiles(ctx context.Context, tx *sqldb.Tx, caseID string) error {
	return execAll(ctx, tx, caseID, `DELETE FROM case_files WHERE case_id = $1`)
}

// shredCaseRows shreds one case's own rows, leaving its tombstone.
func shredCaseRows(ctx context.Context, tx *sqldb.Tx, caseID string) error {
	if err := shredCaseFiles(ctx, tx, caseID); err != nil {
		return err
	}
	for kind, q := range map[string]string{
		kindReferral:       `SELECT id FROM referrals WHERE case_id = $2`,
		kindVisit:          `SELECT id FROM visits WHERE case_id = $2`,
		kindBreakGlass:     `SELECT id FROM break_glass WHERE case_id = $2`,
		kindExtension:      `SELECT id FROM retention_extensions WHERE record_kind = 'case' AND record_id = $2`,
		kindEscrowRecovery: `SELECT id FROM escrow_recoveries WHERE target_kind = 'case' AND target_id = $2`,
	} {
		if err := dropGrants(ctx, tx, kind, q, caseID); err != nil {
			return err
		}
	}
	if err := execAll(ctx, tx, caseID,
		`DELETE FROM case_entries WHERE case_id = $1 AND kind <> 'layanan'`,
		`DELETE FROM case_corrections WHERE case_id = $1`,
		`DELETE FROM case_restitutions WHERE case_id = $1`,
		`DELETE FROM case_protection_orders WHERE case_id = $1`,
		`DELETE FROM case_risk_assessments WHERE case_id = $1`,
		`DELETE FROM case_safety_plans WHERE case_id = $1`,
		`DELETE FROM visit_team WHERE visit_id IN (SELECT id FROM visits WHERE case_id = $1)`,
		`DELETE FROM visits WHERE case_id = $1`,
		`DELETE FROM break_glass WHERE case_id = $1`,
		`DELETE FROM case_takedown_requests WHERE case_id = $1`,
		`DELETE FROM case_takedowns WHERE case_id = $1`,
		`DELETE FROM escrow_recoveries WHERE target_kind = 'case' AND target_id = $1`,
		`DELETE FROM retention_extensions WHERE record_kind = 'case' AND record_id = $1`,
		`DELETE FROM key_grants WHERE record_kind = 'case' AND record_id = $1`); err != nil {
		return err
	}
	return emptyCaseRows(ctx, tx, caseID)
}

// emptyCaseRows empties the ciphertext of the rows the SIMFONI register
// reads by their clear, categorical columns (victims, perpetrators,
// services, referrals) and of the case itself, which stay as tombstones:
// a register of a past period comes out as it did before the purge.
func emptyCaseRows(ctx context.Context, tx *sqldb.Tx, caseID string) error {
	empty := []byte{}
	for _, q := range []string{
		`UPDATE case_victims SET name = $1, nik = $1, nik_index = NULL, accommodation = $1, consent_override = $1, index_pending = FALSE WHERE case_id = $2`,
		`UPDATE case_perpetrators SET name = $1 WHERE case_id = $2`,
		`UPDATE case_entries SET body = $1 WHERE case_id = $2`,
		`UPDATE referrals SET consent_override = $1, packet = $1, key_case = $1, response = NULL, outcome = NULL WHERE case_id = $2`,
	} {
		if _, err := tx.Exec(ctx, q, empty, caseID); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE cases SET summary = $1, victim_name = $1, purged_at = $2 WHERE id = $3`, []byte{}, tx.Now(), caseID)
	return err
}
