package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/locale"
	"github.com/spikerperak/spiker/internal/media"
)

// TakeWhatsApp takes a delivery of the WhatsApp webhook whose signature
// was checked: each message becomes a report in the duty inbox or joins
// its sender's open report. An unreadable payload is an ErrWebhook.
// Malformed messages are recorded, without their content, and taken: a
// refused delivery would only come back. An error otherwise means the
// delivery is not acknowledged: the platform delivers the batch again
// later, and what was stored is recognised then.
func (o *Office) TakeWhatsApp(ctx context.Context, body []byte) error {
	msgs, skipped, err := ParseWebhook(body)
	if err != nil {
		// The reason names a position in the payload, never its text.
		return err
	}
	reasons := make([]string, 0, len(skipped))
	for _, s := range skipped {
		reasons = append(reasons, s.String())
	}
	refused, err := o.storeWhatsApp(ctx, msgs)
	if err != nil {
		return err
	}
	reasons = append(reasons, refused...)
	for _, r := range reasons {
		o.Logger.Warn("whatsapp webhook: message skipped", "why", r)
	}
	if err := o.Reports.SkipWhatsApp(ctx, reasons); err != nil {
		o.Logger.Error("whatsapp webhook: recording skipped messages", "err", err)
	}
	return nil
}

// storeWhatsApp stores the messages of a delivery. One the store refuses
// (it would refuse it however often it came) is skipped, with the reason.
func (o *Office) storeWhatsApp(ctx context.Context, msgs []Inbound) (refused []string, err error) {
	for i, in := range msgs {
		err := o.receiveWhatsApp(ctx, in)
		if spiker.ErrorCode(err) == spiker.EINVALID {
			refused = append(refused, fmt.Sprintf("message %d of %d read: %s", i+1, len(msgs), spiker.ErrorMessage(err)))
		} else if err != nil {
			return nil, err
		}
	}
	return refused, nil
}

// receiveWhatsApp stores one message; the file that came with it is
// fetched by a job (FetchWhatsAppMedia), which is woken at once.
func (o *Office) receiveWhatsApp(ctx context.Context, in Inbound) error {
	msg := spiker.WhatsAppMessage{ID: in.ID, From: in.From, Text: in.Text}
	if in.Kind != "text" {
		msg.Text, msg.Media, msg.MediaID = whatsappMediaText(in)
	}
	if _, err := o.Reports.ReceiveWhatsApp(ctx, msg, o.Region); err != nil {
		return err
	}
	if msg.MediaID != "" && o.Wake != nil {
		o.Wake()
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
func whatsappMediaText(in Inbound) (text, fileKind, mediaID string) {
	p := locale.Printer{Lang: "id"}
	kind := p.Text("whatsapp.kind." + in.Kind)
	switch {
	case in.MediaID == "":
		text = p.Text("whatsapp.media", kind) // a location, a contact: seen in the office's WhatsApp
	case whatsappFetched[in.Kind]:
		text, fileKind, mediaID = p.Text("whatsapp.media_file", kind), in.Kind, in.MediaID
	default:
		text, fileKind = p.Text("whatsapp.media_refused", kind), in.Kind
	}
	if in.Caption != "" {
		text += "\n" + in.Caption
	}
	return text, fileKind, mediaID
}

// SendReply sends the reply through the WhatsApp Cloud API when the report
// came by WhatsApp and the channel is set up. It runs in the staff
// member's request because only they hold the key to the number.
func (o *Office) SendReply(ctx context.Context, actor *spiker.Actor, reportID, body string) (bool, error) {
	channel, number, err := o.Reports.ReplyTarget(ctx, actor, reportID)
	if err != nil || channel != string(spiker.ChannelWhatsApp) || number == "" {
		return false, err
	}
	c, err := o.Duty.ChannelSettings(ctx)
	if err != nil {
		return false, err
	}
	if c.WhatsAppToken == "" {
		return false, errors.New("the WhatsApp channel is not set up")
	}
	wa := WhatsApp{Token: c.WhatsAppToken, PhoneNumberID: c.WhatsAppPhoneID, BaseURL: o.WhatsAppAPI}
	if err := wa.SendText(ctx, number, body); err != nil {
		return false, err
	}
	return true, nil
}

// FetchWhatsAppMedia is the whatsapp.media job: it fetches the file of a
// WhatsApp message from the Cloud API, cleans it of metadata as the report
// form does with uploads, and stores it encrypted.
//
// Why a job and not the webhook: the message, with its caption and a row
// for the file, is stored and acknowledged first, in the webhook's own
// transaction, so nothing is lost while the platform or the network is slow
// or down, and a slow download (up to 10 MB) never holds the webhook past
// the platform's timeout, which would make it deliver the batch again. The
// job retries with backoff for about a day, well inside the 30 days the
// platform keeps a file, and survives restarts. A file that cannot be had or
// cleaned leaves a note for staff instead.
func (o *Office) FetchWhatsAppMedia(ctx context.Context, j spiker.Job) error {
	var p spiker.WhatsAppMediaJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return jobs.Permanent(err)
	}
	reports := o.Reports
	mediaID, err := reports.PendingWhatsAppMedia(ctx, p.Media)
	if err != nil || mediaID == "" {
		return err
	}
	c, err := o.Duty.ChannelSettings(ctx)
	if err != nil {
		return err
	}
	wa := WhatsApp{Token: c.WhatsAppToken, BaseURL: o.WhatsAppAPI}
	file, err := wa.FetchMedia(ctx, mediaID, spiker.MaxFileSize)
	switch {
	case errors.Is(err, ErrTooLarge):
		return reports.NoteWhatsAppMedia(ctx, p.Media, spiker.MediaSize)
	case errors.Is(err, ErrPermanent) || err != nil && j.Attempts >= j.MaxAttempts:
		// The error names neither the media id nor the file's address.
		o.Logger.Warn("whatsapp media not fetched", "job", j.ID, "err", err)
		return reports.NoteWhatsAppMedia(ctx, p.Media, spiker.MediaFailed)
	case err != nil:
		if after, ok := RetryAfter(err); ok {
			return jobs.RetryAfter(err, after)
		}
		return err
	}
	data, kind, err := media.Clean(file.Data)
	if err != nil || !media.Strips(kind) {
		// Not a kind whose metadata can be removed (a WAV), or broken: not
		// stored.
		return reports.NoteWhatsAppMedia(ctx, p.Media, spiker.MediaType)
	}
	return reports.StoreWhatsAppMedia(ctx, p.Media, string(kind), data)
}
