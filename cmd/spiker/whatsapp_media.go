package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/notify"
	"github.com/spikerperak/spiker/internal/store"
)

// whatsappMedia is the whatsapp.media job: it fetches the file of a
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
func (m *Main) whatsappMedia(ctx context.Context, j spiker.Job) error {
	var p store.MediaJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return jobs.Permanent(err)
	}
	reports := store.ReportService{Store: m.Store}
	mediaID, err := reports.PendingWhatsAppMedia(ctx, p.Media)
	if err != nil || mediaID == "" {
		return err
	}
	c, err := store.DutyService{Store: m.Store}.ChannelSettings(ctx)
	if err != nil {
		return err
	}
	wa := notify.WhatsApp{Token: c.WhatsAppToken, BaseURL: m.Config.WhatsAppAPI}
	file, err := wa.FetchMedia(ctx, mediaID, spiker.MaxFileSize)
	switch {
	case errors.Is(err, notify.ErrTooLarge):
		return reports.NoteWhatsAppMedia(ctx, p.Media, spiker.MediaSize)
	case errors.Is(err, notify.ErrPermanent) || err != nil && j.Attempts >= j.MaxAttempts:
		// The error names neither the media id nor the file's address.
		m.Logger.Warn("whatsapp media not fetched", "job", j.ID, "err", err)
		return reports.NoteWhatsAppMedia(ctx, p.Media, spiker.MediaFailed)
	case err != nil:
		if after, ok := notify.RetryAfter(err); ok {
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
