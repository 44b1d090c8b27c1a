package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// JobWhatsAppMedia fetches the file of a WhatsApp message from the
// platform (internal/notify handles it: the store does not speak HTTP).
const JobWhatsAppMedia = "whatsapp.media"

// MediaJob is the payload of a JobWhatsAppMedia job.
type MediaJob = spiker.WhatsAppMediaJob

// mediaStored is a file fetched and encrypted under its own key, waiting to
// join its report's files.
const mediaStored = "stored"

func mediaField(id string) vault.Field {
	return vault.Field{Table: "whatsapp_media", Column: "content", Record: id}
}

// mediaRefAD binds a sealed media id to its row.
func mediaRefAD(id string) []byte { return []byte("whatsapp_media.media_ref/" + id) }

// addWhatsAppMedia records in tx the file that came with a message: pending,
// with the platform's media id sealed under the secret file and a job to
// fetch it; or, when it cannot be stored, as a note for staff.
func (s ReportService) addWhatsAppMedia(ctx context.Context, tx *sqldb.Tx, reportID string, msg WhatsAppMessage) error {
	if msg.Media == "" {
		return nil
	}
	id := newID()
	state, ref := spiker.MediaType, []byte(nil)
	if msg.MediaID != "" {
		state, ref = spiker.MediaPending, s.Secrets.Seal(vault.PurposeChannels, []byte(msg.MediaID), mediaRefAD(id))
	}
	if err := tx.Queue(ctx, `INSERT INTO whatsapp_media (id, report_id, created_at, kind, state, media_ref) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, reportID, tx.Now(), msg.Media, state, ref); err != nil {
		return err
	}
	if state != spiker.MediaPending {
		return nil
	}
	return EnqueueIn(ctx, tx, JobWhatsAppMedia, "whatsapp.media:"+id, tx.Now(), MediaJob{Media: id})
}

// PendingWhatsAppMedia returns the platform's media id of a file still to
// be fetched, or "" when there is nothing left to do (it was stored or
// noted, or its report is gone).
func (s ReportService) PendingWhatsAppMedia(ctx context.Context, id string) (string, error) {
	var ref []byte
	err := s.DB.Get(ctx, `SELECT media_ref FROM whatsapp_media WHERE id = $1 AND state = $2`, []any{id, spiker.MediaPending}, &ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	b, err := s.Secrets.Open(vault.PurposeChannels, ref, mediaRefAD(id))
	return string(b), err
}

// StoreWhatsAppMedia stores a fetched file, already cleaned of metadata,
// of the given kind (its MIME type). The webhook's job holds no report
// key, so the file is encrypted under a key of its own, granted to the
// holders of the report's key; a holder opening the report's files moves
// it among them (foldMedia). A file no longer pending is left as it is.
func (s ReportService) StoreWhatsAppMedia(ctx context.Context, id, kind string, data []byte) error {
	if len(data) == 0 || len(data) > spiker.MaxFileSize {
		return s.NoteWhatsAppMedia(ctx, id, spiker.MediaSize)
	}
	k := vault.NewDataKey()
	var content bytes.Buffer
	if _, err := vault.EncryptStream(&content, bytes.NewReader(data), k, mediaField(id)); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var reportID string
		err := tx.Get(ctx, `SELECT report_id FROM whatsapp_media WHERE id = $1 AND state = $2`, []any{id, spiker.MediaPending}, &reportID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE whatsapp_media SET state = $1, media_ref = NULL, mime = $2, size = $3, content = $4 WHERE id = $5`,
			mediaStored, kind, int64(len(data)), content.Bytes(), id); err != nil {
			return err
		}
		if err := grantLikeReport(ctx, tx, kindMedia, id, k, reportID); err != nil {
			return err
		}
		return s.audit(ctx, tx, whatsappActor, "report.files", kindReport, reportID, "whatsapp")
	})
}

// NoteWhatsAppMedia records that a pending file will not be stored, and why:
// spiker.MediaType, MediaSize or MediaFailed. The media id is forgotten.
func (s ReportService) NoteWhatsAppMedia(ctx context.Context, id, state string) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE whatsapp_media SET state = $1, media_ref = NULL WHERE id = $2 AND state = $3`, state, id, spiker.MediaPending)
		return err
	})
}

// ReportFiles lists a report's files for a holder, after moving the
// WhatsApp files they can open among them, and the notes on the WhatsApp
// files that are not (yet) among them. Logged.
func (s ReportService) ReportFiles(ctx context.Context, actor *spiker.Actor, id string) ([]spiker.Attachment, []spiker.MediaNote, error) {
	var files []spiker.Attachment
	var notes []spiker.MediaNote
	err := s.withReportKey(ctx, actor, spiker.PermReportRead, id, "report.files_read", func(tx *sqldb.Tx, k vault.DataKey) error {
		var err error
		if files, err = reportFiles(ctx, tx, actor, k, id); err != nil {
			return err
		}
		notes, err = mediaNotes(ctx, tx, id)
		return err
	})
	return files, notes, err
}

// reportFiles lists a report's files with its key k, after moving in the
// WhatsApp files the actor can open.
func reportFiles(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, k vault.DataKey, id string) ([]spiker.Attachment, error) {
	if err := foldMedia(ctx, tx, actor, k, id); err != nil {
		return nil, err
	}
	return listFiles(ctx, tx, k, id)
}

// foldMedia moves the stored WhatsApp files whose key the actor holds into
// the report's files under the report key k, each with the time it came.
func foldMedia(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, k vault.DataKey, reportID string) error {
	ids, err := sqldb.QueryStrings(ctx, tx, `SELECT id FROM whatsapp_media WHERE report_id = $1 AND state = $2 ORDER BY created_at, id`, reportID, mediaStored)
	if err != nil {
		return err
	}
	for _, id := range ids {
		mk, err := openRecordKey(ctx, tx, actor, kindMedia, id)
		if errors.Is(err, errNotHolder) {
			continue
		} else if err != nil {
			return err
		}
		var at time.Time
		var kind string
		var content []byte
		if err := tx.Get(ctx, `SELECT created_at, mime, content FROM whatsapp_media WHERE id = $1`, []any{id}, &at, &kind, &content); err != nil {
			return err
		}
		var plain bytes.Buffer
		if _, err := vault.DecryptStream(&plain, bytes.NewReader(content), mk, mediaField(id)); err != nil {
			return err
		}
		f := spiker.Upload{Name: mediaName(at, kind), Kind: kind, Data: plain.Bytes()}
		if err := insertFile(ctx, tx, k, reportID, at, f); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM key_grants WHERE record_kind = $1 AND record_id = $2`, kindMedia, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM whatsapp_media WHERE id = $1`, id); err != nil {
			return err
		}
	}
	return nil
}

// mediaName names a file that came on WhatsApp by when it came.
func mediaName(at time.Time, kind string) string {
	ext := map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/mp4": ".m4a",
		"video/mp4": ".mp4", "video/quicktime": ".mov", "application/pdf": ".pdf"}[kind]
	return "whatsapp-" + at.UTC().Format("20060102-150405") + ext
}

// mediaNotes lists a report's WhatsApp files that are not among its files:
// being fetched, or waiting for a holder of their key, or not stored.
func mediaNotes(ctx context.Context, tx *sqldb.Tx, reportID string) ([]spiker.MediaNote, error) {
	rows, err := tx.Query(ctx, `SELECT created_at, kind, state FROM whatsapp_media WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (n spiker.MediaNote, err error) {
		if err := rows.Scan(&n.At, &n.Kind, &n.State); err != nil {
			return n, err
		}
		if n.State == mediaStored {
			n.State = spiker.MediaPending
		}
		n.At = n.At.UTC()
		return n, nil
	})
}
