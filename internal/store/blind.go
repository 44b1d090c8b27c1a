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

// The blind indexes of phone numbers and NIKs are keyed with the index key:
// a random data key sealed, like a record's, to the holder groups (and the
// escrow), never derived from the secret file. Whoever holds the database
// and the secret file but no member's password cannot compute an index
// value, so cannot try every number of a prefix against the stored ones.
//
// Intake has no member at hand (the public form, the WhatsApp webhook, a
// filer outside the groups), so a new record is stored with index_pending
// set; the next holder session that looks for duplicates or searches
// decrypts the value with its own keys and stores the index (indexPending).
// Migration 0028 erased the values written under the secret file's key and
// marked their rows pending the same way.
const (
	kindIndex = "index"
	indexID   = "blind"
)

// indexSweep bounds the pending rows one holder request indexes.
const indexSweep = 200

// ensureIndexKey creates the index key, sealed to the holder groups and
// the escrow, unless it exists. Nodes that start together may both get
// here: a grant that exists is kept, never replaced, so values indexed
// under the first key stay comparable.
func ensureIndexKey(ctx context.Context, tx *sqldb.Tx) error {
	var n int
	if err := tx.Get(ctx, `SELECT COUNT(*) FROM key_grants WHERE record_kind = $1 AND record_id = $2`, []any{kindIndex, indexID}, &n); err != nil || n > 0 {
		return err
	}
	holders, err := standardHolders(ctx, tx, GroupIntake, GroupSupervisors)
	if err != nil {
		return err
	}
	k := vault.NewDataKey()
	for _, h := range holders {
		if _, err := tx.Exec(ctx, `INSERT INTO key_grants (record_kind, record_id, holder_kind, holder_id, sealed_key, granted_by, granted_at)
			VALUES ($1, $2, $3, $4, $5, 'setup', $6) ON CONFLICT (record_kind, record_id, holder_kind, holder_id) DO NOTHING`,
			kindIndex, indexID, h.kind, h.id, []byte(vault.SealTo(h.pub, k)), tx.Now()); err != nil {
			return err
		}
	}
	return nil
}

// indexKey returns the index key through the actor's group membership, or
// ok=false if the actor holds none.
func indexKey(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor) (k vault.DataKey, ok bool, err error) {
	k, err = openRecordKey(ctx, tx, actor, kindIndex, indexID)
	if errors.Is(err, errNotHolder) {
		return k, false, nil
	}
	return k, err == nil, err
}

// phoneIndex and nikIndex return the blind index of a value, or nil when
// it is not a phone number or NIK.
func phoneIndex(k vault.DataKey, number string) []byte {
	if phone := vault.NormalizePhone(number); phone != "" {
		return vault.BlindIndex(k, "phone", phone)
	}
	return nil
}

func nikIndex(k vault.DataKey, nik string) []byte {
	if n := vault.NormalizeNIK(nik); n != "" {
		return vault.BlindIndex(k, "nik", n)
	}
	return nil
}

// indexPending computes the blind indexes of pending rows the actor can
// decrypt, under the index key k, and audits how many (never a value).
func (s *Store) indexPending(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, k vault.DataKey) error {
	reports, err := s.indexPendingReports(ctx, tx, actor, k)
	if err != nil {
		return err
	}
	victims, err := s.indexPendingVictims(ctx, tx, actor, k)
	if err != nil || reports+victims == 0 {
		return err
	}
	return s.audit(ctx, tx, actor, "index.compute", kindIndex, indexID, fmt.Sprintf("%d reports, %d victims", reports, victims))
}

// The sweep's queries run on every report and case view (the duplicate
// hints); the partial indexes reports_pending and case_victims_pending
// (migration 0044) hold only the waiting rows, so that an empty sweep
// reads nothing (TestPendingSweepPlan).
const (
	pendingReportsQuery = `SELECT id, id, contact FROM reports WHERE index_pending ORDER BY created_at LIMIT $1`
	pendingVictimsQuery = `SELECT id, case_id, nik FROM case_victims WHERE index_pending ORDER BY created_at LIMIT $1`
)

type pendingRow struct {
	id, record string
	sealed     vault.Ciphertext
}

func pendingRows(ctx context.Context, tx *sqldb.Tx, query string) ([]pendingRow, error) {
	rows, err := tx.Query(ctx, query, indexSweep)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (p pendingRow, err error) {
		return p, rows.Scan(&p.id, &p.record, (*[]byte)(&p.sealed))
	})
}

func (s *Store) indexPendingReports(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, k vault.DataKey) (int, error) {
	pending, err := pendingRows(ctx, tx, pendingReportsQuery)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pending {
		rk, err := openRecordKey(ctx, tx, actor, kindReport, p.id)
		if errors.Is(err, errNotHolder) {
			continue
		} else if err != nil {
			return n, err
		}
		b, err := rk.Open(reportField(p.id, "contact"), p.sealed)
		if err != nil {
			return n, fmt.Errorf("report %s contact: %w", p.id, err)
		}
		var c spiker.ReportContact
		if err := json.Unmarshal(b, &c); err != nil {
			return n, fmt.Errorf("report %s contact: %w", p.id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET contact_index = $1, index_pending = FALSE WHERE id = $2`, phoneIndex(k, c.Number), p.id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Store) indexPendingVictims(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, k vault.DataKey) (int, error) {
	pending, err := pendingRows(ctx, tx, pendingVictimsQuery)
	if err != nil {
		return 0, err
	}
	keys := map[string]*vault.DataKey{} // by case; nil: not held
	n := 0
	for _, p := range pending {
		ck, seen := keys[p.record]
		if !seen {
			got, err := openRecordKey(ctx, tx, actor, kindCase, p.record)
			if err == nil {
				ck = &got
			} else if !errors.Is(err, errNotHolder) {
				return n, err
			}
			keys[p.record] = ck
		}
		if ck == nil {
			continue
		}
		nik, err := ck.OpenString(victimField(p.id, "nik"), p.sealed)
		if err != nil {
			return n, fmt.Errorf("victim %s nik: %w", p.id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE case_victims SET nik_index = $1, index_pending = FALSE WHERE id = $2`, nikIndex(k, nik), p.id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// victimIndex returns what a new victim row stores: its NIK's index if the
// actor holds the index key, else pending.
func victimIndex(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, nik string) (index []byte, pending bool, err error) {
	if vault.NormalizeNIK(nik) == "" {
		return nil, false, nil
	}
	k, ok, err := indexKey(ctx, tx, actor)
	if err != nil || !ok {
		return nil, err == nil, err
	}
	return nikIndex(k, nik), false, nil
}
