package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
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

// ReceiveWhatsApp stores a message sent to the office's WhatsApp number:
// the first from a number becomes a report in the duty inbox (channel
// WhatsApp, the number encrypted as its contact); later ones join that
// report's conversation while it is open. A message delivered twice is
// stored once. region is the regency: where it happened is asked later.
func (s ReportService) ReceiveWhatsApp(ctx context.Context, messageID, from, text, region string) (reportID string, err error) {
	phone := vault.NormalizePhone(from)
	if phone == "" || messageID == "" || strings.TrimSpace(text) == "" {
		return "", spiker.Errorf(spiker.EINVALID, "a WhatsApp message needs an id, a sender and text")
	}
	if len([]rune(text)) > spiker.MaxNarrative {
		text = string([]rune(text)[:spiker.MaxNarrative])
	}
	index := vault.BlindIndex(s.Secrets.Current(vault.PurposeBlindIndex), "phone", phone)
	source := vault.MAC(s.Secrets.Current(vault.PurposePepper).Key, "spiker/whatsapp-message", []byte(messageID))
	// The first message of a report is its submission token: seen before,
	// it is a redelivery.
	token := "whatsapp:" + messageID
	if receipt, err := s.submittedReceipt(ctx, token); err != nil || receipt != "" {
		return "", err
	}
	var existing string
	err = s.DB.View(ctx, func(tx *Tx) error {
		return tx.Get(ctx, `SELECT id FROM reports WHERE channel = $1 AND contact_index = $2 AND status <> $3 AND created_at > $4
			ORDER BY created_at DESC LIMIT 1`, []any{string(spiker.ChannelWhatsApp), index, string(spiker.ReportClosed), tx.Now().Add(-whatsappThread)}, &existing)
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if existing == "" {
		r := &spiker.Report{Channel: spiker.ChannelWhatsApp, RegionCode: region, ReporterRole: spiker.ReporterLainnya,
			ViolenceTypes: []string{"Lainnya"}, VictimAge: -1, ContactWanted: true, Consent: true,
			// The number as the platform gives it (international digits),
			// which is what a reply through its API needs.
			Content: spiker.ReportContent{Narrative: text, Contact: spiker.ReportContact{Channel: "whatsapp", Number: strings.TrimPrefix(from, "+")}}}
		if _, err := s.createReport(ctx, whatsappActor, r, token); err != nil {
			return "", err
		}
		return r.ID, nil
	}
	err = s.DB.Update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.Get(ctx, `SELECT COUNT(*) FROM report_inbound WHERE source_hash = $1`, []any{source}, &n); err != nil || n > 0 {
			return err
		}
		id := newID()
		k := vault.NewDataKey()
		if _, err := tx.Exec(ctx, `INSERT INTO report_inbound (id, report_id, created_at, body, source_hash) VALUES ($1, $2, $3, $4, $5)`,
			id, existing, tx.Now(), []byte(k.SealString(inboundField(id), text)), source); err != nil {
			return err
		}
		// The message key goes to whoever holds the report's key.
		if err := grantStandard(ctx, tx, kindInbound, id, k, "whatsapp", GroupIntake, GroupSupervisors); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT holder_id FROM key_grants WHERE record_kind = 'report' AND record_id = $1 AND holder_kind = 'user'`, existing)
		if err != nil {
			return err
		}
		var users []string
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			users = append(users, h)
		}
		rows.Close()
		for _, h := range users {
			var uid int64
			fmt.Sscan(h, &uid)
			pub, err := userPublicKey(ctx, tx, uid)
			if err != nil {
				continue // a disabled user
			}
			if err := grant(ctx, tx, kindInbound, id, holderUser, h, pub, k, "whatsapp"); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, whatsappActor, "report.message", kindReport, existing, "whatsapp")
	})
	return existing, err
}

// SkipWhatsApp records in the audit log the messages of a webhook delivery
// that were not stored because they were malformed, each by its position
// in the delivery and the reason, never its content.
func (s ReportService) SkipWhatsApp(ctx context.Context, reasons []string) error {
	if len(reasons) == 0 {
		return nil
	}
	return s.DB.Update(ctx, func(tx *Tx) error {
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
func foldInbound(ctx context.Context, tx *Tx, actor *spiker.Actor, k vault.DataKey, reportID string) error {
	rows, err := tx.Query(ctx, `SELECT id, created_at, body FROM report_inbound WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	if err != nil {
		return err
	}
	type inbound struct {
		id   string
		at   time.Time
		body vault.Ciphertext
	}
	var pending []inbound
	for rows.Next() {
		var in inbound
		if err := rows.Scan(&in.id, &in.at, (*[]byte)(&in.body)); err != nil {
			rows.Close()
			return err
		}
		pending = append(pending, in)
	}
	rows.Close()
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
	err = s.withReportKey(ctx, actor, spiker.PermReportReply, id, "report.contact_read", func(tx *Tx, k vault.DataKey) error {
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
