package store

import (
	"context"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// ResignAuditHeadForTest plays someone who holds the secret file: the head
// is made to name entry seq, authenticated with the audit key.
func ResignAuditHeadForTest(t *testing.T, s *Store, seq int64) {
	t.Helper()
	ctx := context.Background()
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var h []byte
		var keyID int64
		if err := tx.Get(ctx, `SELECT hash, key_id FROM audit_log WHERE seq = $1`, []any{seq}, &h, &keyID); err != nil {
			return err
		}
		kv, _ := s.Secrets.Version(vault.PurposeAudit, uint32(keyID))
		_, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, headValue(kv, seq, h))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// RewriteAuditTailForTest plays someone who holds the secret file and
// rewrites entry seq's actor, re-chaining every later entry and the head,
// so the log verifies on its own.
func RewriteAuditTailForTest(t *testing.T, s *Store, seq int64, actor string) {
	t.Helper()
	ctx := context.Background()
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		pre := []string{`DROP TRIGGER audit_log_no_update`}
		if tx.Dialect() == sqldb.Postgres {
			pre = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`}
		}
		for _, q := range pre {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_log SET actor = $1 WHERE seq = $2`, actor, seq); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT seq, at, COALESCE(actor_id, 0), actor, roles, scope, action, record_kind, record_id, reason, key_id, prev_hash
			FROM audit_log WHERE seq >= $1 ORDER BY seq`, seq)
		if err != nil {
			return err
		}
		var entries []spiker.AuditEntry
		var prev []byte
		for rows.Next() {
			var e spiker.AuditEntry
			var keyID int64
			var p []byte
			if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Roles, &e.Scope, &e.Action, &e.RecordKind, &e.RecordID, &e.Reason, &keyID, &p); err != nil {
				return err
			}
			if prev == nil {
				prev = p
			}
			entries = append(entries, e)
		}
		rows.Close()
		kv := s.Secrets.Current(vault.PurposeAudit)
		for _, e := range entries {
			h := auditHash(kv, prev, &e)
			if _, err := tx.Exec(ctx, `UPDATE audit_log SET prev_hash = $1, hash = $2, key_id = $3 WHERE seq = $4`, prev, h, int64(kv.ID), e.Seq); err != nil {
				return err
			}
			prev = h
		}
		last := entries[len(entries)-1].Seq
		_, err = tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, last, headValue(kv, last, prev))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
