package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

func noteField(id string) vault.Field {
	return vault.Field{Table: "report_notes", Column: "body", Record: id}
}

// AddNote keeps a staff-only note on a report. It never reaches the
// reporter: notes live in their own table, apart from the conversation.
func (s ReportService) AddNote(ctx context.Context, actor *spiker.Actor, id, body string) error {
	if err := spiker.ValidateMessage(spiker.MessageReply, body); err != nil {
		return err
	}
	return s.withReportKey(ctx, actor, spiker.PermReportTriage, id, "report.note", func(tx *sqldb.Tx, k vault.DataKey) error {
		nid := newID()
		_, err := tx.Exec(ctx, `INSERT INTO report_notes (id, report_id, created_at, author_id, body) VALUES ($1, $2, $3, $4, $5)`,
			nid, id, tx.Now(), actor.UserID, []byte(k.SealString(noteField(nid), body)))
		return err
	})
}

// Notes returns a report's staff-only notes, oldest first.
func (s ReportService) Notes(ctx context.Context, actor *spiker.Actor, id string) ([]spiker.Message, error) {
	var out []spiker.Message
	err := s.withReportKey(ctx, actor, spiker.PermReportRead, id, "report.notes_read", func(tx *sqldb.Tx, k vault.DataKey) error {
		var err error
		out, err = listNotes(ctx, tx, k, id)
		return err
	})
	return out, err
}

// listNotes reads and decrypts a report's notes with its key k.
func listNotes(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, id string) ([]spiker.Message, error) {
	rows, err := tx.Query(ctx, `SELECT id, created_at, body FROM report_notes WHERE report_id = $1 ORDER BY created_at, id`, id)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (m spiker.Message, err error) {
		var body vault.Ciphertext
		if err := rows.Scan(&m.ID, &m.At, (*[]byte)(&body)); err != nil {
			return m, err
		}
		if m.Body, err = k.OpenString(noteField(m.ID), body); err != nil {
			return m, err
		}
		m.At, m.From, m.Kind = m.At.UTC(), spiker.FromStaff, "catatan"
		return m, nil
	})
}

// RevealIdentity records, under the policy and with the key, that the
// actor unmasked the report's identity fields.
func (s ReportService) RevealIdentity(ctx context.Context, actor *spiker.Actor, id string) error {
	return s.withReportKey(ctx, actor, spiker.PermReportRead, id, "report.reveal_identity", func(*sqldb.Tx, vault.DataKey) error { return nil })
}

// RevealCaseIdentity records, under the policy and with the key, that the
// actor unmasked a case's identity fields.
func (s CaseService) RevealCaseIdentity(ctx context.Context, actor *spiker.Actor, id string) error {
	return s.withCase(ctx, actor, spiker.PermCaseRead, id, "case.reveal_identity", true, func(*sqldb.Tx, *caseState, vault.DataKey) (string, error) { return "", nil })
}

// AttachReport merges a duplicate report into an existing case: nothing is
// deleted; the report points to the case and the case lists it. The actor
// must hold both keys.
func (s CaseService) AttachReport(ctx context.Context, actor *spiker.Actor, caseID, reportID string) error {
	return s.withCase(ctx, actor, spiker.PermCaseOpen, caseID, "case.attach_report", true, func(tx *sqldb.Tx, st *caseState, _ vault.DataKey) (string, error) {
		var region string
		if err := tx.Get(ctx, `SELECT region_code FROM reports WHERE id = $1`, []any{reportID}, &region); err != nil {
			return "", spiker.Errorf(spiker.ENOTFOUND, "report not found")
		}
		if err := spiker.Authorize(actor, spiker.PermReportTriage, spiker.Scope{RegionCode: region}); err != nil {
			return "", err
		}
		if _, err := openRecordKey(ctx, tx, actor, kindReport, reportID); errors.Is(err, errNotHolder) {
			return "", spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this report")
		} else if err != nil {
			return "", err
		}
		if err := linkReport(ctx, tx, reportID, caseID, tx.Now()); err != nil {
			return "", err
		}
		return "report " + reportID, nil
	})
}

// CaseIDByNumber finds a case by its number, for the actor's region.
func (s CaseService) CaseIDByNumber(ctx context.Context, actor *spiker.Actor, number string) (string, error) {
	items, err := s.FindCases(ctx, actor, spiker.CaseFilter{Number: number, Limit: 2})
	if err != nil {
		return "", err
	}
	for _, it := range items {
		if it.Number == number {
			return it.ID, nil
		}
	}
	return "", &spiker.Error{Code: spiker.ENOTFOUND, Message: "no case with this number", Fields: map[string]string{"number": "staff.err.case_number"}}
}

// RecordCaseExport audits the printing of a case summary
// (case.export_summary), checked like a read: the policy, the team and
// the key. The full version also records the identity reveal as its own
// entry (case.reveal_identity), as the case page's reveal does, in the
// same transaction.
func (s CaseService) RecordCaseExport(ctx context.Context, actor *spiker.Actor, id string, full bool) error {
	return s.withCase(ctx, actor, spiker.PermCaseRead, id, "case.export_summary", true, func(tx *sqldb.Tx, _ *caseState, _ vault.DataKey) (string, error) {
		if !full {
			return "masked", nil
		}
		return "full", s.audit(ctx, tx, actor, "case.reveal_identity", kindCase, id, "case summary")
	})
}
