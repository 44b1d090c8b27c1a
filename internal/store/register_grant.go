package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// grantIdentities is what an approval sealed for the requester: each
// case's identities, by case id.
type grantIdentities map[string]caseIdentities

func grantField(id string) vault.Field {
	return vault.Field{Table: "register_grants", Column: "identities", Record: id}
}

// errAdminIdentities keeps the administrator from case content also by
// way of an export grant, whatever other role the account holds.
var errAdminIdentities = spiker.Errorf(spiker.EFORBIDDEN, "an administrator's account never receives identities")

// RequestIdentityExport records a data officer's request to export a
// period and region with identities, for a supervisor to decide.
func (s StatsService) RequestIdentityExport(ctx context.Context, actor *spiker.Actor, f spiker.StatsFilter, reason string) (*spiker.RegisterGrant, error) {
	if err := registerScope(actor, &f); err != nil {
		return nil, err
	}
	if err := spiker.ValidateGrantRequest(&f, reason); err != nil {
		return nil, err
	}
	if actor.HasRole(spiker.RoleAdmin) {
		return nil, errAdminIdentities
	}
	g := &spiker.RegisterGrant{ID: newID(), RequestedBy: actor.UserID, Requester: actor.Username, Filter: f, Reason: reason, Status: spiker.GrantRequested}
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		g.RequestedAt = tx.Now()
		// The reason is meant to name no person but is free text: it is
		// sealed to the supervisors who decide and to the requester, who
		// reads it back in the list (sealed_text.go).
		var extra []holder
		if h, ok, err := userHolder(ctx, tx, actor.UserID); err != nil {
			return err
		} else if ok {
			extra = append(extra, h)
		}
		sealed, err := sealReason(ctx, tx, "register_grants", kindGrant, g.ID, reason, actor.Username, extra...)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO register_grants (id, requested_by, requested_at, period_from, period_to, region_code, reason, reason_sealed, status)
			VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8)`, g.ID, g.RequestedBy, g.RequestedAt, f.From, f.To, f.Region, sealed, g.Status); err != nil {
			return err
		}
		// The region's supervisors are told there is a request to decide
		// (never what it asks for).
		if err := raise(ctx, tx, alertJob{Kind: kindGrant, ID: g.ID, Reason: spiker.AlertExportRequest, Region: f.Region}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "simfoni.grant.request", kindGrant, g.ID, f.From+".."+f.To+" "+f.Region)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// DecideIdentityExport approves or refuses a request. Approval needs a
// supervisor of the request's region other than the requester: the
// approver's session opens the identities of the cases of the period and
// region whose key it holds, seals them under a fresh key and seals that
// key to the requester's public key. Nothing else can open them: not the
// server's secrets, not the approver afterwards.
func (s StatsService) DecideIdentityExport(ctx context.Context, actor *spiker.Actor, id string, approve bool) error {
	if err := spiker.Authorize(actor, spiker.PermExportApprove, spiker.Scope{}); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if err := expireGrants(ctx, tx); err != nil {
			return err
		}
		var g spiker.RegisterGrant
		err := tx.Get(ctx, `SELECT requested_by, period_from, period_to, region_code, status FROM register_grants WHERE id = $1`, []any{id},
			&g.RequestedBy, &g.Filter.From, &g.Filter.To, &g.Filter.Region, &g.Status)
		if errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "no such request for an identity export")
		}
		if err != nil {
			return err
		}
		if err := spiker.Authorize(actor, spiker.PermExportApprove, spiker.Scope{RegionCode: g.Filter.Region}); err != nil {
			return err
		}
		if g.RequestedBy == actor.UserID {
			return spiker.ErrOwnApproval
		}
		if g.Status != spiker.GrantRequested {
			return spiker.Errorf(spiker.ECONFLICT, "this request was already decided")
		}
		if !approve {
			if _, err := tx.Exec(ctx, `UPDATE register_grants SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4`,
				spiker.GrantRefused, actor.UserID, tx.Now(), id); err != nil {
				return err
			}
			return s.audit(ctx, tx, actor, "simfoni.grant.refuse", kindGrant, id, "")
		}
		if actor.Key == nil {
			return spiker.Errorf(spiker.EFORBIDDEN, "sign in again to approve: your key is not in this session")
		}
		var pub []byte
		var disabled bool
		if err := tx.Get(ctx, `SELECT public_key, disabled FROM users WHERE id = $1`, []any{g.RequestedBy}, &pub, &disabled); err != nil {
			return err
		}
		requester, err := publicKey(pub)
		if err != nil {
			return err
		}
		if disabled {
			return spiker.Errorf(spiker.ECONFLICT, "the requester's account is disabled")
		}
		refs, err := s.registerCases(ctx, tx, g.Filter)
		if err != nil {
			return err
		}
		sealed := grantIdentities{}
		for _, ref := range refs {
			ids, err := s.openIdentities(ctx, tx, actor, ref.id)
			if err != nil {
				return err
			}
			if ids != nil {
				sealed[ref.id] = *ids
			}
		}
		payload, err := json.Marshal(sealed)
		if err != nil {
			return err
		}
		k := vault.NewDataKey()
		expires := tx.Now().Add(spiker.GrantWindow)
		if _, err := tx.Exec(ctx, `UPDATE register_grants SET status = $1, decided_by = $2, decided_at = $3, expires_at = $4, cases = $5,
			sealed_key = $6, identities = $7 WHERE id = $8`, spiker.GrantApproved, actor.UserID, tx.Now(), expires, len(sealed),
			[]byte(vault.SealTo(requester, [32]byte(k))), []byte(k.Seal(grantField(id), payload)), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "simfoni.grant.approve", kindGrant, id, fmt.Sprintf("cases %d", len(sealed)))
	})
}

// useGrant opens the identities an approved grant sealed to the actor and
// uses the grant up: it must be the actor's, for exactly this period and
// region, approved and not expired (the caller has expired the old ones).
// The sealed copy is wiped.
func (s StatsService) useGrant(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, id string, f spiker.StatsFilter) (grantIdentities, error) {
	var g spiker.RegisterGrant
	var sealedKey, identities []byte
	err := tx.Get(ctx, `SELECT requested_by, period_from, period_to, region_code, status, sealed_key, identities FROM register_grants WHERE id = $1`, []any{id},
		&g.RequestedBy, &g.Filter.From, &g.Filter.To, &g.Filter.Region, &g.Status, &sealedKey, &identities)
	if errors.Is(err, sql.ErrNoRows) || err == nil && g.RequestedBy != actor.UserID {
		return nil, spiker.Errorf(spiker.ENOTFOUND, "no such identity export for you")
	}
	if err != nil {
		return nil, err
	}
	switch g.Status {
	case spiker.GrantApproved:
	case spiker.GrantUsed:
		return nil, spiker.Errorf(spiker.ECONFLICT, "this identity export was already downloaded; ask again")
	case spiker.GrantExpired:
		return nil, spiker.Errorf(spiker.ECONFLICT, "this identity export expired; ask again")
	default:
		return nil, spiker.Errorf(spiker.ECONFLICT, "this identity export is not approved")
	}
	if g.Filter != f {
		return nil, &spiker.Error{Code: spiker.EINVALID, Message: "the grant is for another period or region", Fields: map[string]string{"period": "grant.err.other_period"}}
	}
	if actor.HasRole(spiker.RoleAdmin) {
		return nil, errAdminIdentities
	}
	if actor.Key == nil {
		return nil, spiker.Errorf(spiker.EFORBIDDEN, "sign in again: your key is not in this session")
	}
	me := actorKeys(actor)
	k, err := vault.OpenSealed(me, sealedKey)
	if err != nil {
		return nil, spiker.Errorf(spiker.EFORBIDDEN, "this identity export was sealed to another key")
	}
	payload, err := vault.DataKey(k).Open(grantField(id), identities)
	if err != nil {
		return nil, err
	}
	var out grantIdentities
	if err := json.Unmarshal(payload, &out); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE register_grants SET status = $1, used_at = $2, sealed_key = NULL, identities = NULL WHERE id = $3`,
		spiker.GrantUsed, tx.Now(), id); err != nil {
		return nil, err
	}
	return out, s.audit(ctx, tx, actor, "simfoni.grant.use", kindGrant, id, fmt.Sprintf("cases %d", len(out)))
}

// expireGrants marks approved grants past their window expired and wipes
// what they sealed.
func expireGrants(ctx context.Context, tx *sqldb.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE register_grants SET status = $1, sealed_key = NULL, identities = NULL WHERE status = $2 AND expires_at <= $3`,
		spiker.GrantExpired, spiker.GrantApproved, tx.Now())
	return err
}

// IdentityGrants lists the actor's own requests and, for a supervisor,
// the requests of their region, newest first.
func (s StatsService) IdentityGrants(ctx context.Context, actor *spiker.Actor) ([]spiker.RegisterGrant, error) {
	if err := spiker.Authorize(actor, spiker.PermExport, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.RegisterGrant
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if err := expireGrants(ctx, tx); err != nil {
			return err
		}
		region := "-"
		if actor.Can(spiker.PermExportApprove) {
			region = actor.RegionCode
		}
		rows, err := tx.Query(ctx, `SELECT g.id, g.requested_by, u.username, g.requested_at, g.period_from, g.period_to, g.region_code, g.reason_sealed, g.status,
			COALESCE(d.username, ''), g.decided_at, g.expires_at, g.used_at, g.cases
			FROM register_grants g JOIN users u ON u.id = g.requested_by LEFT JOIN users d ON d.id = g.decided_by
			WHERE g.requested_by = $1 OR g.region_code = $2 OR g.region_code LIKE $3
			ORDER BY g.requested_at DESC, g.id LIMIT 50`, actor.UserID, region, region+".%")
		var sealed [][]byte
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (g spiker.RegisterGrant, err error) {
			var reason []byte
			err = rows.Scan(&g.ID, &g.RequestedBy, &g.Requester, &g.RequestedAt, &g.Filter.From, &g.Filter.To, &g.Filter.Region, &reason, &g.Status,
				&g.DecidedBy, &g.DecidedAt, &g.ExpiresAt, &g.UsedAt, &g.Cases)
			sealed = append(sealed, reason)
			return g, err
		})
		// Each reason opens with the actor's key: the requester's own
		// grant or the supervisors' group.
		for i := range out {
			if err == nil {
				out[i].Reason, err = openReason(ctx, tx, actor, "register_grants", kindGrant, out[i].ID, sealed[i])
			}
		}
		return err
	})
	return out, err
}
