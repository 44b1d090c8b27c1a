package store

import (
	"context"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// PDPExport reads, for an access request, what the actor can read of the
// case the request is linked to, through CaseView, the case page's own
// read path (the policy, the team, the case key and each part's key), or
// of a report that is no case, through the report page's reads (the
// policy and the report key; notes only for who may read them). So the
// export holds exactly what the exporting holder would see, identities
// included (the reveal is audited by those reads). The export is its own
// audit entry on the request and on the record; nothing is returned unless
// both are written. It is allowed while processing is restricted: giving
// the person their data is their right, not further processing. It needs
// the requester's identity verified first.
func (s DutyService) PDPExport(ctx context.Context, actor *spiker.Actor, id, recipient string) (*spiker.PDPExport, error) {
	out := &spiker.PDPExport{}
	err := s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		out.Request = p
		if err := p.CheckVerified(); err != nil {
			return err
		}
		return spiker.CheckExportRecipient(recipient)
	})
	if err != nil {
		return nil, err
	}
	req := out.Request
	switch {
	case req.CaseID != "":
		if out.Case, err = CaseService(s).CaseView(ctx, actor, req.CaseID, true); err != nil {
			return nil, err
		}
	case req.ReportID != "":
		reports := ReportService(s)
		if out.Report, err = reports.FindReport(ctx, actor, req.ReportID); err != nil {
			return nil, err
		}
		if err := reports.RevealIdentity(ctx, actor, req.ReportID); err != nil {
			return nil, err
		}
		if out.Messages, err = reports.ReportMessages(ctx, actor, req.ReportID); err != nil {
			return nil, err
		}
		if out.Files, _, err = reports.ReportFiles(ctx, actor, req.ReportID); err != nil {
			return nil, err
		}
		if spiker.Authorize(actor, spiker.PermReportTriage, spiker.Scope{RegionCode: out.Report.RegionCode}) == nil {
			if out.Notes, err = reports.Notes(ctx, actor, req.ReportID); err != nil {
				return nil, err
			}
		}
	default:
		return nil, &spiker.Error{Code: spiker.EINVALID, Message: "the request is linked to no case or report", Fields: map[string]string{"case_number": "pdp.err.no_case"}}
	}
	err = s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		if req.CaseID != "" {
			if err := s.audit(ctx, tx, actor, "case.export_pdp", kindCase, req.CaseID, "pdp "+id); err != nil {
				return err
			}
		} else if err := s.audit(ctx, tx, actor, "report.export_pdp", kindReport, req.ReportID, "pdp "+id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.export", kindPDP, id, "to "+recipient)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
