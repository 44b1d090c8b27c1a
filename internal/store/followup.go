package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// FollowupService implements spiker.FollowupService.
type FollowupService struct {
	*Store
	Reports ReportService
}

// Follow-up sessions are short: a phone left on a table must not stay open.
const (
	FollowupIdle = 15 * time.Minute
	FollowupMax  = time.Hour
)

var errSession = &spiker.Error{Code: spiker.EUNAUTHORIZED, Message: "the follow-up session has ended; enter the receipt again"}

// StartFollowup opens a session for the report of a receipt. The token is
// "<id>.<secret>": the database keeps a hash of the id and the report key
// sealed under the secret, so neither the row nor the token alone opens it.
func (s FollowupService) StartFollowup(ctx context.Context, receipt, client string) (string, error) {
	r, k, err := s.Reports.openByReceipt(ctx, receipt, client)
	if spiker.ErrorCode(err) == spiker.ENOTFOUND {
		return "", &spiker.Error{Code: spiker.EUNAUTHORIZED, Message: "no report has this receipt; check the 16 digits",
			Fields: map[string]string{"receipt": "followup.err.receipt_unknown"}}
	} else if err != nil {
		return "", err
	}
	h, token := newHandle()
	sealed := vault.SealSymmetric(h.Secret, k[:], h.IDHash[:])
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM followup_sessions WHERE last_seen < $1 OR created_at < $2`,
			tx.Now().Add(-FollowupIdle), tx.Now().Add(-FollowupMax)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO followup_sessions (id_hash, report_id, sealed_key, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)`,
			h.IDHash[:], r.ID, sealed, tx.Now())
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// session resolves a token to its report and key inside tx, refreshing it.
func (s FollowupService) session(ctx context.Context, tx *sqldb.Tx, token string) (string, vault.DataKey, error) {
	var k vault.DataKey
	h, ok := parseHandle(token)
	if !ok {
		return "", k, errSession
	}
	idHash, secret := h.IDHash, h.Secret
	var reportID string
	var sealed []byte
	var created, seen time.Time
	err := tx.Get(ctx, `SELECT report_id, sealed_key, created_at, last_seen FROM followup_sessions WHERE id_hash = $1`,
		[]any{idHash[:]}, &reportID, &sealed, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return "", k, errSession
	} else if err != nil {
		return "", k, err
	}
	if tx.Now().Sub(seen) > FollowupIdle || tx.Now().Sub(created) > FollowupMax {
		tx.Exec(ctx, `DELETE FROM followup_sessions WHERE id_hash = $1`, idHash[:])
		return "", k, errSession
	}
	b, err := vault.OpenSymmetric(secret, sealed, idHash[:])
	if err != nil || len(b) != 32 {
		return "", k, errSession
	}
	if _, err := tx.Exec(ctx, `UPDATE followup_sessions SET last_seen = $1 WHERE id_hash = $2`, tx.Now(), idHash[:]); err != nil {
		return "", k, err
	}
	return reportID, vault.DataKey(b), nil
}

// Followup returns the status, the conversation and the files' descriptions.
func (s FollowupService) Followup(ctx context.Context, token string) (*spiker.Followup, error) {
	f := &spiker.Followup{}
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		id, k, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		f.ReportID = id
		var status string
		if err := tx.Get(ctx, `SELECT created_at, status FROM reports WHERE id = $1`, []any{id}, &f.CreatedAt, &status); err != nil {
			return err
		}
		f.Status, f.CreatedAt = spiker.ReportStatus(status), f.CreatedAt.UTC()
		if f.Messages, err = listMessages(ctx, tx, k, id); err != nil {
			return err
		}
		if f.Files, err = listFiles(ctx, tx, k, id); err != nil {
			return err
		}
		if f.Meetings, err = meetingNotices(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, spiker.Public, "report.followup", kindReport, id, "")
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// meetingNotices returns the meetings the office proposed or confirmed in
// answer to a report: when and the kind of place, never who.
func meetingNotices(ctx context.Context, tx *sqldb.Tx, reportID string) ([]spiker.MeetingNotice, error) {
	rows, err := tx.Query(ctx, `SELECT at, place_kind, reporter_status FROM visits
		WHERE report_id = $1 AND reporter_status <> '' AND status = $2 ORDER BY at`, reportID, spiker.VisitScheduled)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (m spiker.MeetingNotice, err error) {
		err = rows.Scan(&m.At, &m.PlaceKind, &m.Status)
		m.At = m.At.UTC()
		return m, err
	})
}

func messageField(id string) vault.Field {
	return vault.Field{Table: "report_messages", Column: "body", Record: id}
}

func listMessages(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, reportID string) ([]spiker.Message, error) {
	rows, err := tx.Query(ctx, `SELECT id, created_at, sender, kind, body FROM report_messages WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (m spiker.Message, err error) {
		var body vault.Ciphertext
		if err := rows.Scan(&m.ID, &m.At, &m.From, &m.Kind, (*[]byte)(&body)); err != nil {
			return m, err
		}
		m.Body, err = k.OpenString(messageField(m.ID), body)
		m.At = m.At.UTC()
		return m, err
	})
}

// AddMessage stores a message from the reporter.
func (s FollowupService) AddMessage(ctx context.Context, token, kind, body string) error {
	if err := spiker.ValidateMessage(kind, body); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		id, k, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if err := insertMessage(ctx, tx, k, id, spiker.FromReporter, kind, body); err != nil {
			return err
		}
		return s.audit(ctx, tx, spiker.Public, "report.message", kindReport, id, kind)
	})
}

func insertMessage(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, reportID, from, kind, body string) error {
	mid := newID()
	_, err := tx.Exec(ctx, `INSERT INTO report_messages (id, report_id, created_at, sender, kind, body) VALUES ($1, $2, $3, $4, $5, $6)`,
		mid, reportID, tx.Now(), from, kind, []byte(k.SealString(messageField(mid), body)))
	return err
}

// AddFiles stores more files for the report of the session.
func (s FollowupService) AddFiles(ctx context.Context, token string, files []spiker.Upload) error {
	if len(files) == 0 || len(files) > spiker.MaxFilesPerPost {
		return &spiker.Error{Code: spiker.EINVALID, Message: "send 1 to 5 files", Fields: map[string]string{"files": "report.err.file_count"}}
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		id, k, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, k, id, files); err != nil {
			return err
		}
		return s.audit(ctx, tx, spiker.Public, "report.files", kindReport, id, "")
	})
}

func fileField(id, column string) vault.Field {
	return vault.Field{Table: "report_files", Column: column, Record: id}
}

// insertFiles encrypts each file as a padded chunk stream under the report
// key; the stored size is the padded one.
func insertFiles(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, reportID string, files []spiker.Upload) error {
	for _, f := range files {
		if err := insertFile(ctx, tx, k, reportID, tx.Now(), f); err != nil {
			return err
		}
	}
	return nil
}

// insertFile stores one file of a report, received at at. Its encrypted
// chunk stream is written in parts (see filePartWriter) as the file is read,
// so a large file never sits whole in memory.
func insertFile(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, reportID string, at time.Time, f spiker.Upload) error {
	if f.Len() == 0 || f.Len() > spiker.MaxUploadSize(f.Kind) {
		return &spiker.Error{Code: spiker.EINVALID, Message: "a file is empty or too large", Fields: map[string]string{"files": "report.err.file_size"}}
	}
	fid := newID()
	if _, err := tx.Exec(ctx, `INSERT INTO report_files (id, report_id, created_at, kind, size, name, content) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		fid, reportID, at, f.Kind, f.Len(), []byte(k.SealString(fileField(fid, "name"), f.Name)), []byte{}); err != nil {
		return err
	}
	w := &filePartWriter{ctx: ctx, tx: tx, fileID: fid}
	n, err := vault.EncryptStream(w, f.Reader(), k, fileField(fid, "content"))
	if err != nil {
		return err
	}
	if n != f.Len() {
		return fmt.Errorf("store: file of %d bytes read as %d", f.Len(), n)
	}
	return w.flush()
}

// filePartSize is the size of a stored part of a file's encrypted stream.
const filePartSize = 1 << 20

// filePartWriter writes a file's encrypted stream as rows of
// report_file_parts, one part at a time.
type filePartWriter struct {
	ctx    context.Context
	tx     *sqldb.Tx
	fileID string
	seq    int
	buf    []byte
}

func (w *filePartWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = make([]byte, 0, filePartSize)
		}
		m := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf, p = w.buf[:len(w.buf)+m], p[m:]
		if len(w.buf) == cap(w.buf) {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *filePartWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.tx.Exec(w.ctx, `INSERT INTO report_file_parts (file_id, seq, data) VALUES ($1, $2, $3)`, w.fileID, w.seq, w.buf); err != nil {
		return err
	}
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// fileContent writes the encrypted stream of a stored file to dst: its
// parts in order, or the content column of a file stored whole.
func fileContent(ctx context.Context, tx *sqldb.Tx, fileID string, content []byte, dst io.Writer) error {
	if len(content) > 0 {
		_, err := dst.Write(content)
		return err
	}
	rows, err := tx.Query(ctx, `SELECT data FROM report_file_parts WHERE file_id = $1 ORDER BY seq`, fileID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var part []byte
		if err := rows.Scan(&part); err != nil {
			return err
		}
		if _, err := dst.Write(part); err != nil {
			return err
		}
	}
	return rows.Err()
}

func listFiles(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, reportID string) ([]spiker.Attachment, error) {
	rows, err := tx.Query(ctx, `SELECT id, created_at, kind, size, name FROM report_files WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (a spiker.Attachment, err error) {
		var name vault.Ciphertext
		if err := rows.Scan(&a.ID, &a.At, &a.Kind, &a.Size, (*[]byte)(&name)); err != nil {
			return a, err
		}
		a.Name, err = k.OpenString(fileField(a.ID, "name"), name)
		a.At = a.At.UTC()
		return a, err
	})
}

// EndFollowup deletes the session; an unknown or ended one is not an error.
func (s FollowupService) EndFollowup(ctx context.Context, token string) error {
	h, ok := parseHandle(token)
	if !ok {
		return nil
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM followup_sessions WHERE id_hash = $1`, h.IDHash[:])
		return err
	})
}

// ReadFile decrypts one of a report's files for a holder of the report.
func (s ReportService) ReadFile(ctx context.Context, actor *spiker.Actor, reportID, fileID string, dst *bytes.Buffer) (*spiker.Attachment, error) {
	a := &spiker.Attachment{ID: fileID}
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		k, err := openRecordKey(ctx, tx, actor, kindReport, reportID)
		if errors.Is(err, errNotHolder) {
			return spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this report")
		} else if err != nil {
			return err
		}
		var content []byte
		var name vault.Ciphertext
		err = tx.Get(ctx, `SELECT created_at, kind, size, name, content FROM report_files WHERE id = $1 AND report_id = $2`,
			[]any{fileID, reportID}, &a.At, &a.Kind, &a.Size, (*[]byte)(&name), &content)
		if errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "file not found")
		} else if err != nil {
			return err
		}
		if a.Name, err = k.OpenString(fileField(fileID, "name"), name); err != nil {
			return err
		}
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			pw.CloseWithError(fileContent(ctx, tx, fileID, content, pw))
		}()
		_, err = vault.DecryptStream(dst, pr, k, fileField(fileID, "content"))
		pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
		<-done // the transaction is used by one goroutine at a time
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "report.file_read", kindReport, reportID, fileID)
	})
	return a, err
}
