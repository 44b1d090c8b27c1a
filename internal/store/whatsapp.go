package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// whatsappActor files reports that arrive on the office's WhatsApp number.
var whatsappActor = &spiker.Actor{Username: "whatsapp"}

// whatsappThread is how long later messages from the same number join the
// report they started instead of opening a new one.
const whatsappThread = 30 * 24 * time.Hour

func inboundField(id string) vault.Field {
	return vault.Field{Table: "report_inbound", Column: "body", Record: id}
}

// WhatsAppMessage is one message to the office's number, as the webhook
// read it.
type WhatsAppMessage = spiker.WhatsAppMessage

// ReceiveWhatsApp stores a message sent to the office's WhatsApp number:
// the first from a number becomes a report in the duty inbox (channel
// WhatsApp, the number encrypted as its contact); later ones join that
// report's conversation while it is open. A file that came with it gets a
// row for the job that fetches it. A message delivered twice is stored
// once within WhatsAppSeenKept (twice the platform's redelivery window), by
// a keyed hash of its id. region is the regency: where it happened is
// asked later.
func (s ReportService) ReceiveWhatsApp(ctx context.Context, msg WhatsAppMessage, region string) (reportID string, err error) {
	phone := vault.NormalizePhone(msg.From)
	if phone == "" || msg.ID == "" || strings.TrimSpace(msg.Text) == "" {
		return "", spiker.Errorf(spiker.EINVALID, "a WhatsApp message needs an id, a sender and text")
	}
	if len([]rune(msg.Text)) > spiker.MaxNarrative {
		msg.Text = string([]rune(msg.Text)[:spiker.MaxNarrative])
	}
	if seen, err := s.whatsappSeen(ctx, msg.ID); err != nil || seen {
		return "", err
	}
	existing, err := s.openWhatsAppReport(ctx, phone)
	if err != nil {
		return "", err
	}
	if existing == "" {
		reportID, err = s.startWhatsAppReport(ctx, msg, region)
	} else {
		reportID, err = existing, s.DB.Update(ctx, func(tx *sqldb.Tx) error { return s.joinWhatsAppReport(ctx, tx, existing, msg) })
	}
	if errors.Is(err, errSeen) {
		return "", nil // a redelivery that raced this one
	}
	return reportID, err
}

// openWhatsAppReport returns the open WhatsApp report a number started
// within whatsappThread, or "" (see whatsappThreads).
func (s ReportService) openWhatsAppReport(ctx context.Context, phone string) (string, error) {
	since := s.DB.Now().Add(-whatsappThread)
	id := s.threads.find(phone, since)
	if id == "" {
		return "", nil
	}
	var n int
	err := s.DB.Get(ctx, `SELECT COUNT(*) FROM reports WHERE id = $1 AND channel = $2 AND status <> $3`,
		[]any{id, string(spiker.ChannelWhatsApp), string(spiker.ReportClosed)}, &n)
	if err != nil || n == 1 {
		return id, err
	}
	s.threads.forget(phone, id)
	return "", nil
}

// rememberWhatsApp makes a WhatsApp report that is still open the thread
// of its number again, when a holder reads it (after a restart).
func (s ReportService) rememberWhatsApp(r *spiker.Report, now time.Time) {
	if r.Channel != spiker.ChannelWhatsApp || r.Status == spiker.ReportClosed {
		return
	}
	if since := now.Add(-whatsappThread); r.CreatedAt.After(since) {
		s.threads.remember(vault.NormalizePhone(r.Content.Contact.Number), r.ID, r.CreatedAt, since)
	}
}

// startWhatsAppReport files the first message from a number as a report.
// Its submission token is the message id, in a namespace of its own.
func (s ReportService) startWhatsAppReport(ctx context.Context, msg WhatsAppMessage, region string) (string, error) {
	r := &spiker.Report{Channel: spiker.ChannelWhatsApp, RegionCode: region, ReporterRole: spiker.ReporterLainnya,
		ViolenceTypes: []string{"Lainnya"}, VictimAge: -1, ContactWanted: true, Consent: true,
		// The number as the platform gives it (international digits),
		// which is what a reply through its API needs.
		Content: spiker.ReportContent{Narrative: msg.Text, Contact: spiker.ReportContact{Channel: "whatsapp", Number: strings.TrimPrefix(msg.From, "+")}}}
	_, err := s.createReport(ctx, whatsappActor, r, whatsappToken(msg.ID), func(tx *sqldb.Tx) error {
		if err := s.markSeen(ctx, tx, msg.ID); err != nil {
			return err
		}
		return s.addWhatsAppMedia(ctx, tx, r.ID, msg)
	})
	if err == nil {
		s.threads.remember(vault.NormalizePhone(msg.From), r.ID, r.CreatedAt, r.CreatedAt.Add(-whatsappThread))
	}
	return r.ID, err
}

// joinWhatsAppReport adds a later message to an existing report. The
// webhook holds no report key, so the message is sealed under a key of its
// own, granted to whoever holds the report's; the first holder to read the
// conversation folds it in (foldInbound).
func (s ReportService) joinWhatsAppReport(ctx context.Context, tx *sqldb.Tx, reportID string, msg WhatsAppMessage) error {
	if err := s.markSeen(ctx, tx, msg.ID); err != nil {
		return err
	}
	id := newID()
	k := vault.NewDataKey()
	if err := tx.Queue(ctx, `INSERT INTO report_inbound (id, report_id, created_at, body, source_hash) VALUES ($1, $2, $3, $4, $5)`,
		id, reportID, tx.Now(), []byte(k.SealString(inboundField(id), msg.Text)), s.seenHash(s.Secrets.Current(vault.PurposePepper), msg.ID)); err != nil {
		return err
	}
	if err := grantLikeReport(ctx, tx, kindInbound, id, k, reportID); err != nil {
		return err
	}
	if err := s.addWhatsAppMedia(ctx, tx, reportID, msg); err != nil {
		return err
	}
	return s.audit(ctx, tx, whatsappActor, "report.message", kindReport, reportID, "whatsapp")
}

// whatsappToken is the submission token of a report a WhatsApp message
// started. No public form or API token can take this form (see
// spiker.SubmissionToken), so none can fetch such a report's receipt.
func whatsappToken(messageID string) string { return "whatsapp:" + messageID }

// errSeen aborts the transaction of a message whose id was stored before.
var errSeen = errors.New("whatsapp message seen before")

func (s ReportService) seenHash(pepper vault.KeyVersion, messageID string) []byte {
	return vault.MAC(pepper.Key, "spiker/whatsapp-message", []byte(messageID))
}

// whatsappSeen reports whether a message id was stored before, under any
// pepper version.
func (s ReportService) whatsappSeen(ctx context.Context, messageID string) (bool, error) {
	for _, pepper := range s.Secrets.Keys[vault.PurposePepper] {
		var n int
		if err := s.DB.Get(ctx, `SELECT COUNT(*) FROM whatsapp_seen WHERE source_hash = $1`, []any{s.seenHash(pepper, messageID)}, &n); err != nil || n > 0 {
			return n > 0, err
		}
	}
	return false, nil
}

// markSeen records a message id in tx, or returns errSeen when a
// concurrent delivery of the same message got there first.
func (s ReportService) markSeen(ctx context.Context, tx *sqldb.Tx, messageID string) error {
	res, err := tx.Exec(ctx, `INSERT INTO whatsapp_seen (source_hash, created_at) VALUES ($1, $2) ON CONFLICT (source_hash) DO NOTHING`,
		s.seenHash(s.Secrets.Current(vault.PurposePepper), messageID), tx.Now())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, errSeen)
	}
	return nil
}

// grantLikeReport seals a record's key to the holders of a report's key:
// the intake and supervisor groups, the escrow, and each user the report's
// key is granted to.
func grantLikeReport(ctx context.Context, tx *sqldb.Tx, kind, id string, k vault.DataKey, reportID string) error {
	if err := grantStandard(ctx, tx, kind, id, k, "whatsapp", GroupIntake, GroupSupervisors); err != nil {
		return err
	}
	users, err := sqldb.QueryStrings(ctx, tx, `SELECT holder_id FROM key_grants WHERE record_kind = 'report' AND record_id = $1 AND holder_kind = 'user'`, reportID)
	if err != nil {
		return err
	}
	for _, h := range users {
		var uid int64
		fmt.Sscan(h, &uid)
		pub, err := userPublicKey(ctx, tx, uid)
		if err != nil {
			continue // a disabled user
		}
		if err := grant(ctx, tx, kind, id, holderUser, h, pub, k, "whatsapp"); err != nil {
			return err
		}
	}
	return nil
}

// SkipWhatsApp records in the audit log the messages of a webhook delivery
// that were not stored because they were malformed, each by its position
// in the delivery and the reason, never its content.
func (s ReportService) SkipWhatsApp(ctx context.Context, reasons []string) error {
	if len(reasons) == 0 {
		return nil
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		for _, r := range reasons {
			if err := s.audit(ctx, tx, whatsappActor, "whatsapp.skipped", "whatsapp", "", r); err != nil {
				return err
			}
		}
		return nil
	})
}

// foldInbound moves the WhatsApp messages waiting under their own keys into
// the report's conversation under the report key k, as the reporter's
// messages. Messages the actor cannot open stay for another holder.
func foldInbound(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, k vault.DataKey, reportID string) error {
	type inbound struct {
		id   string
		at   time.Time
		body vault.Ciphertext
	}
	rows, err := tx.Query(ctx, `SELECT id, created_at, body FROM report_inbound WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	pending, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (in inbound, err error) {
		return in, rows.Scan(&in.id, &in.at, (*[]byte)(&in.body))
	})
	if err != nil {
		return err
	}
	for _, in := range pending {
		mk, err := openRecordKey(ctx, tx, actor, kindInbound, in.id)
		if errors.Is(err, errNotHolder) {
			continue
		} else if err != nil {
			return err
		}
		text, err := mk.OpenString(inboundField(in.id), in.body)
		if err != nil {
			return err
		}
		mid := newID()
		if _, err := tx.Exec(ctx, `INSERT INTO report_messages (id, report_id, created_at, sender, kind, body) VALUES ($1, $2, $3, $4, $5, $6)`,
			mid, reportID, in.at, spiker.FromReporter, spiker.MessageReply, []byte(k.SealString(messageField(mid), text))); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM key_grants WHERE record_kind = $1 AND record_id = $2`, kindInbound, in.id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM report_inbound WHERE id = $1`, in.id); err != nil {
			return err
		}
	}
	return nil
}

// ReplyTarget returns how to reach a report's reporter outside the app: the
// channel it came by and the number, decrypted for a holder and logged.
func (s ReportService) ReplyTarget(ctx context.Context, actor *spiker.Actor, id string) (channel, number string, err error) {
	err = s.withReportKey(ctx, actor, spiker.PermReportReply, id, "report.contact_read", func(tx *sqldb.Tx, k vault.DataKey) error {
		var contact vault.Ciphertext
		if err := tx.Get(ctx, `SELECT channel, contact FROM reports WHERE id = $1`, []any{id}, &channel, (*[]byte)(&contact)); err != nil {
			return err
		}
		b, err := k.Open(reportField(id, "contact"), contact)
		if err != nil {
			return err
		}
		var c spiker.ReportContact
		if err := json.Unmarshal(b, &c); err != nil {
			return err
		}
		number = c.Number
		return nil
	})
	return channel, number, err
}
