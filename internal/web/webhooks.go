package web

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	"github.com/spikerperak/spiker/internal/notify"
)

// The platforms' webhooks, on the public listener. They log neither numbers
// nor content nor addresses: only what went wrong, by position.

// whatsappWebhook serves the WhatsApp Business Cloud API's webhook: the
// subscription challenge, and the messages sent to the office's number,
// each of which becomes a report in the duty inbox or joins its sender's
// open report. Without the app secret configured it does not exist.
func (s *Server) whatsappWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.Channels.ChannelSettings(ctx)
	if err != nil {
		s.Logger.Error("whatsapp webhook: channel settings", "err", err)
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
	switch err := s.Channels.TakeWhatsApp(ctx, body); {
	case errors.Is(err, notify.ErrWebhook):
		// The reason names a position in the payload, never its text.
		s.Logger.Warn("whatsapp webhook: unreadable payload", "err", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
	case err != nil:
		// Not acknowledged: the platform delivers the batch again later,
		// and what was stored is recognised then.
		s.Logger.Error("whatsapp webhook: storing a message", "err", err)
		http.Error(w, "not stored", http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// telegramWebhook takes the bot's updates that Telegram POSTs, when the
// portal has a public https address and the bot is set up; otherwise it
// does not exist. Every well-formed update is answered 200, taken or not,
// so that Telegram does not deliver it again.
func (s *Server) telegramWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	secret, err := s.Channels.TelegramWebhookSecret(ctx)
	if err != nil {
		s.Logger.Error("telegram webhook: channel settings", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if secret == "" {
		http.NotFound(w, r)
		return
	}
	switch got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token"); {
	case got == "":
		http.Error(w, "no secret token", http.StatusUnauthorized)
		return
	case subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1:
		http.Error(w, "wrong secret token", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, notify.MaxTelegramUpdate))
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	switch err := s.Channels.TakeTelegramUpdate(ctx, body); {
	case errors.Is(err, notify.ErrTelegramUpdate):
		// The reason names a position in the body, never its text.
		s.Logger.Warn("telegram webhook: unreadable update", "err", err)
		http.Error(w, "bad update", http.StatusBadRequest)
	case err != nil:
		// Not acknowledged: Telegram delivers it again later.
		s.Logger.Error("telegram webhook: taking an update", "err", err)
		http.Error(w, "not taken", http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusOK)
	}
}
