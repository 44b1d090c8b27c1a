package store

import (
	"context"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// PDPExport reads, for an access request, what the actor can read of the
// case the request is linked to: through CaseView, the case page's own
// read path (the policy, the team, the case key and each part's key), so
// the export holds exactly what the exporting holder would see, identities
// included (the reveal is audited by CaseView). The export is its own
// audit entry on the request and on the case; nothing is returned unless
// both are written. It is allowed while processing is restricted: giving
// the person their data is their right, not further processing.
func (s DutyService) PDPExport(ctx context.Context, actor *spiker.Actor, id string) (*spiker.PDPRequest, *spiker.CaseView, error) {
	var req *spiker.PDPRequest
	err := s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		req = p
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if req.CaseID == "" {
		return nil, nil, &spiker.Error{Code: spiker.EINVALID, Message: "the request is linked to no case", Fields: map[string]string{"case_number": "pdp.err.no_case"}}
	}
	v, err := CaseService(s).CaseView(ctx, actor, req.CaseID, true)
	if err != nil {
		return nil, nil, err
	}
	err = s.withPDP(ctx, actor, id, func(tx *sqldb.Tx, p *spiker.PDPRequest) error {
		if err := s.audit(ctx, tx, actor, "case.export_pdp", kindCase, req.CaseID, "pdp "+id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pdp.export", kindPDP, id, "")
	})
	if err != nil {
		return nil, nil, err
	}
	return req, v, nil
}
