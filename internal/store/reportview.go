package store

import (
	"context"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// ReportView reads the report page in one write transaction: the report
// with its key opened once, then its conversation, files, notes and
// access log through the same helpers as their own methods, each part
// with the audit entry its own method writes. The entries travel in the
// one transaction, so they cost one commit (one fsync on SQLite, one
// round trip on PostgreSQL) instead of one each, and the page is shown
// only after that commit: a read is logged before its content leaves the
// server. The access log is read last, so that it shows this view's reads
// too, as the page did when each part was its own read.
func (s ReportService) ReportView(ctx context.Context, actor *spiker.Actor, id string) (*spiker.ReportView, error) {
	var v *spiker.ReportView
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		r, k, d, err := s.findReportIn(ctx, tx, actor, id)
		if denied = d; err != nil || denied != nil {
			return err
		}
		v = &spiker.ReportView{Report: r}
		if err := foldInbound(ctx, tx, actor, k, id); err != nil {
			return err
		}
		if v.Messages, err = listMessages(ctx, tx, k, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "report.messages_read", kindReport, id, ""); err != nil {
			return err
		}
		if v.Files, err = reportFiles(ctx, tx, actor, k, id); err != nil {
			return err
		}
		if v.Media, err = mediaNotes(ctx, tx, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "report.files_read", kindReport, id, ""); err != nil {
			return err
		}
		if actor.Can(spiker.PermReportTriage) {
			if v.Notes, err = listNotes(ctx, tx, k, id); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, actor, "report.notes_read", kindReport, id, ""); err != nil {
				return err
			}
		}
		if spiker.Authorize(actor, spiker.PermAudit, spiker.Scope{}) == nil {
			f := spiker.AuditFilter{RecordKind: kindReport, RecordID: id, Limit: 20}
			if v.Access, err = searchAudit(ctx, tx, actor, f); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, actor, "audit.read", f.RecordKind, f.RecordID, auditQuery(f)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, denied
	}
	return v, nil
}
