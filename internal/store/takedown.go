package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// The KSBE takedown tracker (spiker.Takedown): items and the requests sent
// for them, on a case. Each change needs PermCaseWrite and the case key
// (withCase) and is audited without content.

func takedownField(id string) vault.Field {
	return vault.Field{Table: "case_takedowns", Column: "body", Record: id}
}

func takedownRefField(id string) vault.Field {
	return vault.Field{Table: "case_takedown_requests", Column: "reference", Record: id}
}

// takedownBody is an item's sealed part: where the intimate content is,
// the hashes of the evidence, and the outcome note.
type takedownBody struct {
	URL     string                `json:"url"`
	Hashes  []spiker.EvidenceHash `json:"hashes,omitempty"`
	Outcome string                `json:"outcome,omitempty"`
}

var errNoSuchTakedown = spiker.Errorf(spiker.ENOTFOUND, "this takedown item is not on the case")

// SaveTakedown records a takedown item, or with an ID updates it. The
// hashes of chosen case files are computed here from the stored files, so
// they are the hashes of what the office holds.
func (s CaseService) SaveTakedown(ctx context.Context, actor *spiker.Actor, caseID string, t *spiker.Takedown) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.takedown", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := openCaseOnly(st); err != nil {
			return "", err
		}
		if err := t.Validate(tx.Now().In(s.zone()).Format(time.DateOnly)); err != nil {
			return "", err
		}
		var body takedownBody
		if t.ID != "" {
			var sealed []byte
			err := tx.Get(ctx, `SELECT body FROM case_takedowns WHERE id = $1 AND case_id = $2`, []any{t.ID, caseID}, &sealed)
			if errors.Is(err, sql.ErrNoRows) {
				return "", errNoSuchTakedown
			} else if err != nil {
				return "", err
			}
			plain, err := k.Open(takedownField(t.ID), sealed)
			if err != nil {
				return "", err
			}
			if err := json.Unmarshal(plain, &body); err != nil {
				return "", err
			}
		}
		if u := strings.TrimSpace(t.URL); u != "" {
			body.URL = u
		}
		body.Outcome = strings.TrimSpace(t.Outcome)
		add := func(h spiker.EvidenceHash) {
			if !slices.ContainsFunc(body.Hashes, func(o spiker.EvidenceHash) bool { return o.SHA256 == h.SHA256 }) {
				body.Hashes = append(body.Hashes, h)
			}
		}
		for _, id := range t.FileIDs {
			h, err := hashCaseFile(ctx, tx, k, caseID, id)
			if err != nil {
				return "", err
			}
			add(h)
		}
		entered, _ := spiker.ParseHashes(t.EnteredHash)
		for _, h := range entered {
			add(spiker.EvidenceHash{SHA256: h})
		}
		t.Hashes, t.URL = body.Hashes, body.URL
		plain, err := json.Marshal(body)
		if err != nil {
			return "", err
		}
		if t.ID == "" {
			t.ID, t.CreatedAt, t.ActorID = newID(), tx.Now(), actor.UserID
			_, err = tx.Exec(ctx, `INSERT INTO case_takedowns (id, case_id, created_at, actor_id, platform, status, outcome_on, body)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, caseID, t.CreatedAt, t.ActorID, t.Platform, t.Status, t.OutcomeOn,
				[]byte(k.Seal(takedownField(t.ID), plain)))
			return fmt.Sprintf("new %s %s %s, %d hashes", t.ID, t.Platform, t.Status, len(body.Hashes)), err
		}
		if _, err := tx.Exec(ctx, `UPDATE case_takedowns SET platform = $1, status = $2, outcome_on = $3, body = $4 WHERE id = $5 AND case_id = $6`,
			t.Platform, t.Status, t.OutcomeOn, []byte(k.Seal(takedownField(t.ID), plain)), t.ID, caseID); err != nil {
			return "", err
		}
		return fmt.Sprintf("update %s %s %s, %d hashes", t.ID, t.Platform, t.Status, len(body.Hashes)), nil
	})
}

// hashCaseFile returns the SHA-256 of a case file's decrypted content.
func hashCaseFile(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID, fileID string) (spiker.EvidenceHash, error) {
	var name, content []byte
	var referral sql.NullString
	err := tx.Get(ctx, `SELECT name, content, referral_id FROM case_files WHERE id = $1 AND case_id = $2`, []any{fileID, caseID}, &name, &content, &referral)
	if errors.Is(err, sql.ErrNoRows) {
		return spiker.EvidenceHash{}, &spiker.Error{Code: spiker.EINVALID, Message: "choose files of this case", Fields: map[string]string{"td_files": "takedown.err.file"}}
	} else if err != nil {
		return spiker.EvidenceHash{}, err
	}
	fk, err := (&fileKeys{ctx: ctx, tx: tx, k: k}).of(referral)
	if err != nil {
		return spiker.EvidenceHash{}, err
	}
	h := sha256.New()
	if _, err := vault.DecryptStream(h, bytes.NewReader(content), fk, caseFileField(fileID, "content")); err != nil {
		return spiker.EvidenceHash{}, err
	}
	n, err := fk.OpenString(caseFileField(fileID, "name"), name)
	return spiker.EvidenceHash{SHA256: hex.EncodeToString(h.Sum(nil)), FileID: fileID, FileName: n}, err
}

// SaveTakedownRequest records a request on an open item and starts its
// clock, or with an ID updates its status, outcome date and reference.
func (s CaseService) SaveTakedownRequest(ctx context.Context, actor *spiker.Actor, caseID string, q *spiker.TakedownRequest) error {
	return s.withCase(ctx, actor, spiker.PermCaseWrite, caseID, "case.takedown_request", true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if err := openCaseOnly(st); err != nil {
			return "", err
		}
		var itemStatus string
		err := tx.Get(ctx, `SELECT status FROM case_takedowns WHERE id = $1 AND case_id = $2`, []any{q.TakedownID, caseID}, &itemStatus)
		if errors.Is(err, sql.ErrNoRows) {
			return "", errNoSuchTakedown
		} else if err != nil {
			return "", err
		}
		if q.ID != "" {
			// The addressee and the sending time fixed the clock: they stay.
			err := tx.Get(ctx, `SELECT addressee, sent_at FROM case_takedown_requests WHERE id = $1 AND takedown_id = $2`, []any{q.ID, q.TakedownID}, &q.To, &q.SentAt)
			if errors.Is(err, sql.ErrNoRows) {
				return "", errNoSuchTakedown
			} else if err != nil {
				return "", err
			}
		} else if itemStatus != spiker.TakedownOpen {
			return "", spiker.Errorf(spiker.ECONFLICT, "this takedown item is closed; reopen it first")
		}
		if err := q.Validate(tx.Now(), s.zone()); err != nil {
			return "", err
		}
		if q.ID != "" {
			ref := []byte(k.SealString(takedownRefField(q.ID), strings.TrimSpace(q.Reference)))
			_, err := tx.Exec(ctx, `UPDATE case_takedown_requests SET status = $1, outcome_on = $2, reference = $3 WHERE id = $4`,
				q.Status, q.OutcomeOn, ref, q.ID)
			return fmt.Sprintf("update %s %s %s", q.ID, q.To, q.Status), err
		}
		q.ID, q.CreatedAt, q.ActorID, q.SentAt = newID(), tx.Now(), actor.UserID, q.SentAt.UTC()
		ref := []byte(k.SealString(takedownRefField(q.ID), strings.TrimSpace(q.Reference)))
		if _, err := tx.Exec(ctx, `INSERT INTO case_takedown_requests (id, takedown_id, case_id, created_at, actor_id, addressee, sent_at, status, outcome_on, reference)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, q.ID, q.TakedownID, caseID, q.CreatedAt, q.ActorID, q.To, q.SentAt, q.Status, q.OutcomeOn, ref); err != nil {
			return "", err
		}
		if !q.Answered() {
			c := clockJob{Clock: spiker.ClockTakedown, Kind: kindCase, ID: caseID, Item: q.ID, Region: st.region}
			if err := startClock(ctx, tx, c, q.Deadline()); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("new %s on %s to %s %s", q.ID, q.TakedownID, q.To, q.Status), nil
	})
}

// loadTakedowns reads and decrypts a case's takedown items and their
// requests, for FindCase. A request's clock is done once the item or the
// case is over.
func loadTakedowns(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, c *spiker.Case) error {
	rows, err := tx.Query(ctx, `SELECT t.id, t.created_at, t.actor_id, t.platform, t.status, t.outcome_on, t.body, c.status
		FROM case_takedowns t JOIN cases c ON c.id = t.case_id WHERE t.case_id = $1 ORDER BY t.created_at, t.id`, c.ID)
	closed := false
	items, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (t spiker.Takedown, err error) {
		var sealed []byte
		var caseStatus string
		if err := rows.Scan(&t.ID, &t.CreatedAt, &t.ActorID, &t.Platform, &t.Status, &t.OutcomeOn, &sealed, &caseStatus); err != nil {
			return t, err
		}
		closed = caseStatus == spiker.CaseClosed
		plain, err := k.Open(takedownField(t.ID), sealed)
		var body takedownBody
		if err == nil {
			err = json.Unmarshal(plain, &body)
		}
		t.URL, t.Hashes, t.Outcome, t.CreatedAt = body.URL, body.Hashes, body.Outcome, t.CreatedAt.UTC()
		return t, err
	})
	if err != nil || len(items) == 0 {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT id, takedown_id, created_at, actor_id, addressee, sent_at, status, outcome_on, reference
		FROM case_takedown_requests WHERE case_id = $1 ORDER BY sent_at, id`, c.ID)
	reqs, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (q spiker.TakedownRequest, err error) {
		var ref []byte
		if err := rows.Scan(&q.ID, &q.TakedownID, &q.CreatedAt, &q.ActorID, &q.To, &q.SentAt, &q.Status, &q.OutcomeOn, &ref); err != nil {
			return q, err
		}
		q.CreatedAt, q.SentAt = q.CreatedAt.UTC(), q.SentAt.UTC()
		q.Reference, err = k.OpenString(takedownRefField(q.ID), ref)
		return q, err
	})
	if err != nil {
		return err
	}
	for i := range items {
		for _, q := range reqs {
			if q.TakedownID == items[i].ID {
				q.ItemDone = closed || items[i].Status != spiker.TakedownOpen
				items[i].Requests = append(items[i].Requests, q)
			}
		}
	}
	c.Takedowns = items
	return nil
}
