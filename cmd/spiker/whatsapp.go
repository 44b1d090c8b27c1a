package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
	"github.com/spikerperak/spiker/internal/notify"
	"github.com/spikerperak/spiker/internal/store"
)

// whatsappWebhook serves the WhatsApp Business Cloud API's webhook: the
// subscription challenge, and the messages sent to the office's number,
// each of which becomes a report in the duty inbox or joins its sender's
// open report. Without the app secret configured it does not exist.
func (m *Main) whatsappWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := store.DutyService{Store: m.Store}.ChannelSettings(ctx)
	if err != nil {
		m.Logger.Error("whatsapp webhook: channel settings", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if c.WhatsAppAppSecret == "" {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		challenge, ok := notify.VerifyChallenge(r.URL.Query(), c.WhatsAppVerifyToken)
		if !ok {
			http.Error(w, "bad challenge", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, challenge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, notify.MaxWebhookBody))
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !notify.VerifySignature([]byte(c.WhatsAppAppSecret), body, r.Header.Get("X-Hub-Signature-256")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	msgs, skipped, err := notify.ParseWebhook(body)
	if err != nil {
		// The reason names a position in the payload, never its text.
		m.Logger.Warn("whatsapp webhook: unreadable payload", "err", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	reasons := make([]string, 0, len(skipped))
	for _, s := range skipped {
		reasons = append(reasons, s.String())
	}
	refused, err := m.storeWhatsApp(ctx, msgs)
	if err != nil {
		// Not acknowledged: the platform delivers the batch again later,
		// and what was stored is recognised then.
		m.Logger.Error("whatsapp webhook: storing a message", "err", err)
		http.Error(w, "not stored", http.StatusInternalServerError)
		return
	}
	// Malformed messages are recorded, without their content, and the
	// delivery is acknowledged: refusing it would only bring it back.
	reasons = append(reasons, refused...)
	for _, r := range reasons {
		m.Logger.Warn("whatsapp webhook: message skipped", "why", r)
	}
	if err := (store.ReportService{Store: m.Store}).SkipWhatsApp(ctx, reasons); err != nil {
		m.Logger.Error("whatsapp webhook: recording skipped messages", "err", err)
	}
	w.WriteHeader(http.StatusOK)
}

// storeWhatsApp stores the messages of a delivery. One the store refuses
// (it would refuse it however often it came) is skipped, with the reason.
func (m *Main) storeWhatsApp(ctx context.Context, msgs []notify.Inbound) (refused []string, err error) {
	for i, in := range msgs {
		err := m.receiveWhatsApp(ctx, in)
		if spiker.ErrorCode(err) == spiker.EINVALID {
			refused = append(refused, fmt.Sprintf("message %d of %d read: %s", i+1, len(msgs), spiker.ErrorMessage(err)))
		} else if err != nil {
			return nil, err
		}
	}
	return refused, nil
}

// receiveWhatsApp stores one message; the file that came with it is
// fetched by a job (whatsappMedia), which is woken at once.
func (m *Main) receiveWhatsApp(ctx context.Context, in notify.Inbound) error {
	msg := store.WhatsAppMessage{ID: in.ID, From: in.From, Text: in.Text}
	if in.Kind != "text" {
		msg.Text, msg.Media, msg.MediaID = whatsappMediaText(in)
	}
	if _, err := (store.ReportService{Store: m.Store}).ReceiveWhatsApp(ctx, msg, m.Config.Region); err != nil {
		return err
	}
	if msg.MediaID != "" && m.Jobs != nil {
		m.Jobs.Wake()
	}
	return nil
}

// whatsappFetched are the message types whose file is fetched: its bytes
// then decide whether it can be cleaned of metadata and stored (a photo, a
// voice note, a photo sent as a document). A video or a sticker cannot, so
// it is not fetched at all.
var whatsappFetched = map[string]bool{"image": true, "audio": true, "document": true}

// whatsappMediaText is what the conversation shows for a message that is
// not text (in Indonesian, stored with it), with its caption; and for a
// file, its type and the media id to fetch, if it is to be fetched.
func whatsappMediaText(in notify.Inbound) (text, media, mediaID string) {
	p := locale.Printer{Lang: "id"}
	kind := p.Text("whatsapp.kind." + in.Kind)
	switch {
	case in.MediaID == "":
		text = p.Text("whatsapp.media", kind) // a location, a contact: seen in the office's WhatsApp
	case whatsappFetched[in.Kind]:
		text, media, mediaID = p.Text("whatsapp.media_file", kind), in.Kind, in.MediaID
	default:
		text, media = p.Text("whatsapp.media_refused", kind), in.Kind
	}
	if in.Caption != "" {
		text += "\n" + in.Caption
	}
	return text, media, mediaID
}

// whatsappReplies sends staff replies to reports that came by WhatsApp.
type whatsappReplies struct{ m *Main }

// SendReply sends the reply through the WhatsApp Cloud API when the report
// came by WhatsApp and the channel is set up. It runs in the staff
// member's request because only they hold the key to the number.
func (a whatsappReplies) SendReply(ctx context.Context, actor *spiker.Actor, reportID, body string) (bool, error) {
	channel, number, err := store.ReportService{Store: a.m.Store}.ReplyTarget(ctx, actor, reportID)
	if err != nil || channel != string(spiker.ChannelWhatsApp) || number == "" {
		return false, err
	}
	c, err := store.DutyService{Store: a.m.Store}.ChannelSettings(ctx)
	if err != nil {
		return false, err
	}
	if c.WhatsAppToken == "" {
		return false, errors.New("the WhatsApp channel is not set up")
	}
	wa := notify.WhatsApp{Token: c.WhatsAppToken, PhoneNumberID: c.WhatsAppPhoneID, BaseURL: a.m.Config.WhatsAppAPI}
	if err := wa.SendText(ctx, number, body); err != nil {
		return false, err
	}
	return true, nil
}
