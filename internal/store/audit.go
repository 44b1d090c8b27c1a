package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/vault"
)

// AuditService implements spiker.AuditService.
type AuditService struct{ *Store }

var _ spiker.AuditService = AuditService{}

// audit appends an entry in tx, chained to the newest one. Appends are
// serialised by locking the single audit_head row.
func (s *Store) audit(ctx context.Context, tx *Tx, actor *spiker.Actor, action, kind, id, reason string) error {
	lock := ""
	if tx.Dialect() == Postgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var prev []byte
	if err := tx.Get(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+lock, nil, &seq, &prev); err != nil {
		return fmt.Errorf("reading the audit head: %w", err)
	}
	roles := make([]string, len(actor.Roles))
	for i, r := range actor.Roles {
		roles[i] = string(r)
	}
	e := spiker.AuditEntry{Seq: seq + 1, At: tx.Now(), ActorID: actor.UserID, Actor: actor.Username,
		Roles: strings.Join(roles, ","), Scope: actor.RegionCode, Action: action, RecordKind: kind, RecordID: id, Reason: reason}
	kv := s.Secrets.Current(vault.PurposeAudit)
	h := auditHash(kv, prev, &e)
	var actorID any
	if e.ActorID != 0 {
		actorID = e.ActorID
	}
	const insert = `INSERT INTO audit_log (seq, at, actor_id, actor, roles, scope, action, record_kind, record_id, reason, key_id, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	args := []any{e.Seq, e.At, actorID, e.Actor, e.Roles, e.Scope, e.Action, e.RecordKind, e.RecordID, e.Reason, int64(kv.ID), prev, h}
	if tx.Dialect() == Postgres {
		// One statement for the entry and the head, sent with the commit:
		// every audited write waits on this lock, so it is held as briefly
		// as possible.
		return tx.Queue(ctx, `WITH entry AS (`+insert+` RETURNING seq, hash)
			UPDATE audit_head SET seq = entry.seq, hash = entry.hash FROM entry WHERE audit_head.id = 1`, args...)
	}
	if _, err := tx.Exec(ctx, insert, args...); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, h)
	return err
}

// auditHash is HMAC-SHA256 under the audit key over the previous hash and
// every field of the entry, each length-prefixed so fields cannot be shifted
// into one another.
func auditHash(kv vault.KeyVersion, prev []byte, e *spiker.AuditEntry) []byte {
	m := hmac.New(sha256.New, kv.Key)
	put := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		m.Write(n[:])
		m.Write([]byte(s))
	}
	put(string(prev))
	put(fmt.Sprint(e.Seq))
	put(e.At.UTC().Format(timeLayout))
	put(fmt.Sprint(e.ActorID))
	for _, f := range []string{e.Actor, e.Roles, e.Scope, e.Action, e.RecordKind, e.RecordID, e.Reason} {
		put(f)
	}
	return m.Sum(nil)
}

// VerifyAudit walks the whole chain and reports the first broken link: an
// altered entry, a missing one, or a deleted tail.
func (s AuditService) VerifyAudit(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.View(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, at, COALESCE(actor_id, 0), actor, roles, scope, action, record_kind, record_id, reason, key_id, prev_hash, hash
			FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev := make([]byte, 32)
		for rows.Next() {
			var e spiker.AuditEntry
			var keyID int64
			var prevHash, hash []byte
			if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Roles, &e.Scope, &e.Action, &e.RecordKind, &e.RecordID, &e.Reason, &keyID, &prevHash, &hash); err != nil {
				return err
			}
			if e.Seq != n+1 {
				return spiker.Errorf(spiker.ECONFLICT, "audit entry %d is missing: the log jumps from entry %d to %d", n+1, n, e.Seq)
			}
			if !hmac.Equal(prevHash, prev) {
				return spiker.Errorf(spiker.ECONFLICT, "audit entry %d does not follow entry %d: an entry was removed or altered", e.Seq, n)
			}
			kv, ok := s.Secrets.Version(vault.PurposeAudit, uint32(keyID))
			if !ok {
				return spiker.Errorf(spiker.ECONFLICT, "audit entry %d names audit key %d, which the secret file does not have", e.Seq, keyID)
			}
			if !hmac.Equal(auditHash(kv, prev, &e), hash) {
				return spiker.Errorf(spiker.ECONFLICT, "audit entry %d has been altered", e.Seq)
			}
			prev, n = hash, e.Seq
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var headSeq int64
		var headHash []byte
		if err := tx.Get(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`, nil, &headSeq, &headHash); err != nil {
			return err
		}
		if headSeq != n || !hmac.Equal(headHash, prev) {
			return spiker.Errorf(spiker.ECONFLICT, "the newest audit entries after entry %d have been deleted (the log recorded %d)", n, headSeq)
		}
		return nil
	})
	return n, err
}

// ListAudit returns up to limit entries from seq on.
func (s AuditService) ListAudit(ctx context.Context, fromSeq int64, limit int) ([]spiker.AuditEntry, error) {
	var out []spiker.AuditEntry
	err := s.DB.View(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, at, COALESCE(actor_id, 0), actor, roles, scope, action, record_kind, record_id, reason
			FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`, fromSeq, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e spiker.AuditEntry
			if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Roles, &e.Scope, &e.Action, &e.RecordKind, &e.RecordID, &e.Reason); err != nil {
				return err
			}
			e.At = e.At.UTC()
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}
