package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// AuditService implements spiker.AuditService.
type AuditService struct{ *Store }

// audit appends an entry in tx, chained to the newest one. Appends are
// serialised by locking the single audit_head row. The head names the
// newest entry and holds its hash followed by an HMAC, under the same audit
// key as the entry, of its number and hash (headValue): a head rewound over
// a cut-back log does not verify. The hash and the HMAC share the one
// column so that the head stays one row read under the lock and written in
// the entry's own statement.
func (s *Store) audit(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, action, kind, id, reason string) error {
	lock := ""
	if tx.Dialect() == sqldb.Postgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var head []byte
	if err := tx.Get(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+lock, nil, &seq, &head); err != nil {
		return fmt.Errorf("reading the audit head: %w", err)
	}
	if len(head) < 32 {
		return fmt.Errorf("the audit head is damaged")
	}
	// The newest entry's hash; a head from before the HMAC has it alone.
	prev := head[:32]
	roles := make([]string, len(actor.Roles))
	for i, r := range actor.Roles {
		roles[i] = string(r)
	}
	e := spiker.AuditEntry{Seq: seq + 1, At: tx.Now(), ActorID: actor.UserID, Actor: actor.Username,
		Roles: strings.Join(roles, ","), Scope: actor.RegionCode, Action: action, RecordKind: kind, RecordID: id, Reason: reason}
	kv := s.Secrets.Current(vault.PurposeAudit)
	h := auditHash(kv, prev, &e)
	head = headValue(kv, e.Seq, h)
	var actorID any
	if e.ActorID != 0 {
		actorID = e.ActorID
	}
	const insert = `INSERT INTO audit_log (seq, at, actor_id, actor, roles, scope, action, record_kind, record_id, reason, key_id, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	args := []any{e.Seq, e.At, actorID, e.Actor, e.Roles, e.Scope, e.Action, e.RecordKind, e.RecordID, e.Reason, int64(kv.ID), prev, h}
	if tx.Dialect() == sqldb.Postgres {
		// One statement for the entry and the head, sent with the commit:
		// every audited write waits on this lock, so it is held as briefly
		// as possible.
		return tx.Queue(ctx, `WITH entry AS (`+insert+` RETURNING seq)
			UPDATE audit_head SET seq = entry.seq, hash = $14 FROM entry WHERE audit_head.id = 1`, append(args, head)...)
	}
	if _, err := tx.Exec(ctx, insert, args...); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, head)
	return err
}

// putField writes s length-prefixed, so fields cannot be shifted into one
// another.
func putField(m hash.Hash, s string) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	m.Write(n[:])
	m.Write([]byte(s))
}

// headValue is what the head holds: the newest entry's hash, then an HMAC
// of its number and hash under the audit key that entry was written with.
func headValue(kv vault.KeyVersion, seq int64, hash []byte) []byte {
	m := hmac.New(sha256.New, kv.Key)
	putField(m, "audit.head")
	putField(m, fmt.Sprint(seq))
	putField(m, string(hash))
	return append(append([]byte{}, hash...), m.Sum(nil)...)
}

// anchorMAC signs an anchor: entry number, hash and time.
func anchorMAC(kv vault.KeyVersion, a *spiker.AuditAnchor) []byte {
	m := hmac.New(sha256.New, kv.Key)
	putField(m, "audit.anchor")
	putField(m, fmt.Sprint(a.Seq))
	putField(m, string(a.Hash))
	putField(m, a.At.UTC().Format(time.RFC3339))
	return m.Sum(nil)
}

// auditHash is HMAC-SHA256 under the audit key over the previous hash and
// every field of the entry, each length-prefixed so fields cannot be shifted
// into one another.
func auditHash(kv vault.KeyVersion, prev []byte, e *spiker.AuditEntry) []byte {
	m := hmac.New(sha256.New, kv.Key)
	put := func(s string) { putField(m, s) }
	put(string(prev))
	put(fmt.Sprint(e.Seq))
	put(e.At.UTC().Format(sqldb.TimeLayout))
	put(fmt.Sprint(e.ActorID))
	for _, f := range []string{e.Actor, e.Roles, e.Scope, e.Action, e.RecordKind, e.RecordID, e.Reason} {
		put(f)
	}
	return m.Sum(nil)
}

// VerifyAudit walks the whole chain and reports the first broken link: an
// altered entry, a missing one, or a deleted tail (a head that names more
// entries than there are, or one that is not authenticated by the audit key).
func (s AuditService) VerifyAudit(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = s.verifyIn(ctx, tx, nil)
		return err
	})
	return n, err
}

// VerifyAuditAnchor verifies the chain and that it still holds the anchored
// entry unchanged.
func (s AuditService) VerifyAuditAnchor(ctx context.Context, a spiker.AuditAnchor) (int64, error) {
	kv, ok := s.Secrets.Version(vault.PurposeAudit, a.KeyID)
	if !ok {
		return 0, spiker.Errorf(spiker.ECONFLICT, "the anchor names audit key %d, which the secret file does not have", a.KeyID)
	}
	if !hmac.Equal(anchorMAC(kv, &a), a.MAC) {
		return 0, spiker.Errorf(spiker.ECONFLICT, "the anchor's signature does not verify: it was altered or made with another secret file")
	}
	var n int64
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = s.verifyIn(ctx, tx, &a)
		return err
	})
	return n, err
}

// AnchorAudit verifies the chain and signs its newest entry.
func (s AuditService) AnchorAudit(ctx context.Context) (spiker.AuditAnchor, error) {
	var a spiker.AuditAnchor
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		a, err = s.anchorIn(ctx, tx)
		return err
	})
	return a, err
}

func (s AuditService) anchorIn(ctx context.Context, tx *sqldb.Tx) (spiker.AuditAnchor, error) {
	var a spiker.AuditAnchor
	n, err := s.verifyIn(ctx, tx, nil)
	if err != nil {
		return a, err
	}
	a.Seq, a.Hash = n, make([]byte, 32)
	if n > 0 {
		if err := tx.Get(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, []any{n}, &a.Hash); err != nil {
			return a, err
		}
	}
	kv := s.Secrets.Current(vault.PurposeAudit)
	a.At, a.KeyID = tx.Now().UTC().Truncate(time.Second), kv.ID
	a.MAC = anchorMAC(kv, &a)
	return a, nil
}

// verifyIn walks the chain in tx; with an anchor, it also checks that the
// anchored entry is still there and unchanged.
func (s AuditService) verifyIn(ctx context.Context, tx *sqldb.Tx, anchor *spiker.AuditAnchor) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT seq, at, COALESCE(actor_id, 0), actor, roles, scope, action, record_kind, record_id, reason, key_id, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n, lastKey int64
	prev := make([]byte, 32)
	for rows.Next() {
		var e spiker.AuditEntry
		var keyID int64
		var prevHash, hash []byte
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Roles, &e.Scope, &e.Action, &e.RecordKind, &e.RecordID, &e.Reason, &keyID, &prevHash, &hash); err != nil {
			return n, err
		}
		if e.Seq != n+1 {
			return n, spiker.Errorf(spiker.ECONFLICT, "audit entry %d is missing: the log jumps from entry %d to %d", n+1, n, e.Seq)
		}
		if !hmac.Equal(prevHash, prev) {
			return n, spiker.Errorf(spiker.ECONFLICT, "audit entry %d does not follow entry %d: an entry was removed or altered", e.Seq, n)
		}
		kv, ok := s.Secrets.Version(vault.PurposeAudit, uint32(keyID))
		if !ok {
			return n, spiker.Errorf(spiker.ECONFLICT, "audit entry %d names audit key %d, which the secret file does not have", e.Seq, keyID)
		}
		if !hmac.Equal(auditHash(kv, prev, &e), hash) {
			return n, spiker.Errorf(spiker.ECONFLICT, "audit entry %d has been altered", e.Seq)
		}
		if anchor != nil && e.Seq == anchor.Seq && !hmac.Equal(hash, anchor.Hash) {
			return n, spiker.Errorf(spiker.ECONFLICT, "audit entry %d differs from the anchor of %s: the log was rewritten from there on",
				e.Seq, anchor.At.UTC().Format(time.RFC3339))
		}
		prev, n, lastKey = hash, e.Seq, keyID
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	rows.Close()
	if anchor != nil && anchor.Seq > n {
		return n, spiker.Errorf(spiker.ECONFLICT, "the log has been cut back: anchored entry %d (anchor of %s) is missing; the log ends at entry %d",
			anchor.Seq, anchor.At.UTC().Format(time.RFC3339), n)
	}
	var headSeq int64
	var headHash []byte
	if err := tx.Get(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`, nil, &headSeq, &headHash); err != nil {
		return n, err
	}
	if headSeq > n {
		return n, spiker.Errorf(spiker.ECONFLICT, "the newest audit entries after entry %d have been deleted (the log recorded %d)", n, headSeq)
	}
	if headSeq < n {
		return n, spiker.Errorf(spiker.ECONFLICT, "the audit head names entry %d but the log goes on to entry %d: the head was rewound", headSeq, n)
	}
	if n == 0 {
		if !hmac.Equal(headHash, make([]byte, 32)) {
			return n, spiker.Errorf(spiker.ECONFLICT, "the audit log is empty but its head is not the initial one: entries have been deleted")
		}
		return n, nil
	}
	kv, _ := s.Secrets.Version(vault.PurposeAudit, uint32(lastKey))
	if !hmac.Equal(headValue(kv, n, prev), headHash) {
		return n, spiker.Errorf(spiker.ECONFLICT, "the audit head is not authenticated by the audit key: the log was cut back to entry %d and the head rewound", n)
	}
	return n, nil
}

// ListAudit returns up to limit entries from seq on.
func (s AuditService) ListAudit(ctx context.Context, fromSeq int64, limit int) ([]spiker.AuditEntry, error) {
	var out []spiker.AuditEntry
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = queryEntries(ctx, tx, `SELECT `+entryColumns+` FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`, fromSeq, limit)
		return err
	})
	return out, err
}

// FindAudit returns the entries matching f, newest first, to a holder of
// PermAudit: entries of actors within the actor's region, and of the
// system (no region). The search itself is audited.
func (s AuditService) FindAudit(ctx context.Context, actor *spiker.Actor, f spiker.AuditFilter) ([]spiker.AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	var out []spiker.AuditEntry
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		// The operator at the console holds the database: no policy to
		// apply, but the reading is logged like any other.
		if actor != spiker.Console {
			if denied = spiker.Authorize(actor, spiker.PermAudit, spiker.Scope{}); denied != nil {
				if actor == nil || actor.UserID == 0 {
					return nil
				}
				return s.audit(ctx, tx, actor, "audit.read_denied", f.RecordKind, f.RecordID, "policy")
			}
		}
		var err error
		if out, err = searchAudit(ctx, tx, actor, f); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "audit.read", f.RecordKind, f.RecordID, auditQuery(f))
	})
	if err == nil && denied != nil {
		return nil, denied
	}
	return out, err
}

// searchAudit returns the entries matching f that the actor may see:
// those of actors within the actor's region, and of the system.
func searchAudit(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, f spiker.AuditFilter) ([]spiker.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if actor.RegionCode != "" {
		add(`(scope = '' OR scope = ? OR scope LIKE ? || '.%')`, actor.RegionCode)
	}
	if f.Actor != "" {
		add(`actor = ?`, f.Actor)
	}
	if f.RecordKind != "" {
		add(`record_kind = ?`, f.RecordKind)
	}
	if f.RecordID != "" {
		add(`record_id = ?`, f.RecordID)
	}
	if p, ok := strings.CutSuffix(f.Action, "."); ok {
		add(`action LIKE ?`, p+".%")
	} else if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if !f.From.IsZero() {
		add(`at >= ?`, f.From)
	}
	if !f.To.IsZero() {
		add(`at < ?`, f.To)
	}
	if f.Before > 0 {
		add(`seq < ?`, f.Before)
	}
	q := `SELECT ` + entryColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args))
	return queryEntries(ctx, tx, q, args...)
}

// auditQuery describes a search for its own audit entry.
func auditQuery(f spiker.AuditFilter) string {
	var p []string
	if f.Actor != "" {
		p = append(p, "user="+f.Actor)
	}
	if f.Action != "" {
		p = append(p, "action="+f.Action)
	}
	if !f.From.IsZero() {
		p = append(p, "from="+f.From.UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		p = append(p, "to="+f.To.UTC().Format(time.RFC3339))
	}
	if f.Before > 0 {
		p = append(p, fmt.Sprintf("before=%d", f.Before))
	}
	return strings.Join(p, " ")
}

const entryColumns = `seq, at, COALESCE(actor_id, 0), actor, roles, scope, action, record_kind, record_id, reason`

// queryEntries runs a query selecting entryColumns.
func queryEntries(ctx context.Context, tx *sqldb.Tx, q string, args ...any) ([]spiker.AuditEntry, error) {
	rows, err := tx.Query(ctx, q, args...)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (e spiker.AuditEntry, err error) {
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Roles, &e.Scope, &e.Action, &e.RecordKind, &e.RecordID, &e.Reason); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		return e, nil
	})
}
