package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// Free text a person types that may name someone and that belongs to no
// record key its readers hold is sealed under a key of its own, granted
// to the supervisors' group and the escrow. A break-glass reason is for
// the supervisors who decide, not for the case's team (who would read it
// under the case key), and must outlive a re-key of the case; an export
// request's reason is for the supervisors and its requester. The audit log
// keeps that the request was made, never its text.
const (
	kindBreakGlass     = "break_glass"
	kindEscrowRecovery = "escrow_recovery"
)

func reasonField(table, id string) vault.Field {
	return vault.Field{Table: table, Column: "reason_sealed", Record: id}
}

// sealReason seals text for row id of table under a fresh key granted to
// the supervisors' group, the escrow (once set up) and the extra holders.
// Sealing needs only public keys, so the server can do it alone.
func sealReason(ctx context.Context, tx *sqldb.Tx, table, kind, id, text, by string, extra ...holder) ([]byte, error) {
	holders, err := standardHolders(ctx, tx, GroupSupervisors)
	if err != nil {
		return nil, err
	}
	k := vault.NewDataKey()
	if err := grantAll(ctx, tx, kind, id, k, by, append(holders, extra...)); err != nil {
		return nil, err
	}
	return []byte(k.SealString(reasonField(table, id), text)), nil
}

// openReason opens a sealed reason with the actor's key; one who holds
// no key to it reads "".
func openReason(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, table, kind, id string, sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	k, err := openRecordKey(ctx, tx, actor, kind, id)
	if errors.Is(err, errNotHolder) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return k.OpenString(reasonField(table, id), sealed)
}

// userHolder returns a user's public key as a holder, or ok=false when
// the user has no key (yet).
func userHolder(ctx context.Context, tx *sqldb.Tx, userID int64) (holder, bool, error) {
	var b []byte
	if err := tx.Get(ctx, `SELECT public_key FROM users WHERE id = $1`, []any{userID}, &b); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return holder{}, false, err
	}
	if len(b) != len(vault.PublicKey{}) {
		return holder{}, false, nil
	}
	return holder{holderUser, fmt.Sprint(userID), vault.PublicKey(b)}, true, nil
}

// sealPlainReasons seals the reasons written in the clear before migration
// 0037 and blanks them (run by Setup at every start; a no-op once done).
func sealPlainReasons(ctx context.Context, tx *sqldb.Tx) (int, error) {
	type plain struct {
		id, reason string
		by         int64
	}
	scan := func(rows *sql.Rows) (p plain, err error) { return p, rows.Scan(&p.id, &p.reason, &p.by) }
	n := 0
	rows, err := tx.Query(ctx, `SELECT id, reason, user_id FROM break_glass WHERE reason <> ''`)
	bg, err := sqldb.Collect(rows, err, scan)
	if err != nil {
		return 0, err
	}
	for _, p := range bg {
		sealed, err := sealReason(ctx, tx, "break_glass", kindBreakGlass, p.id, p.reason, "system")
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE break_glass SET reason = '', reason_sealed = $1 WHERE id = $2`, sealed, p.id); err != nil {
			return 0, err
		}
		n++
	}
	rows, err = tx.Query(ctx, `SELECT id, reason, requested_by FROM register_grants WHERE reason <> ''`)
	gs, err := sqldb.Collect(rows, err, scan)
	if err != nil {
		return 0, err
	}
	for _, p := range gs {
		var extra []holder
		if h, ok, err := userHolder(ctx, tx, p.by); err != nil {
			return 0, err
		} else if ok {
			extra = append(extra, h)
		}
		sealed, err := sealReason(ctx, tx, "register_grants", kindGrant, p.id, p.reason, "system", extra...)
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE register_grants SET reason = '', reason_sealed = $1 WHERE id = $2`, sealed, p.id); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
