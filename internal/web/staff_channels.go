package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
)

// channelsPage shows the channel settings. Stored credentials are never
// sent back to the browser: their fields show whether one is set.
func (s *Server) channelsPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showChannels(w, r, sess, http.StatusOK, nil, "")
}

func (s *Server) showChannels(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, notice string) {
	c, err := s.Channels.ChannelSettings(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	s.renderStaff(w, r, status, "staff_channels.html", sess, map[string]any{"C": c, "Errors": errs, "Notice": notice,
		"Set": map[string]bool{"smtp_password": c.SMTPPassword != "", "telegram_token": c.TelegramToken != "",
			"whatsapp_token": c.WhatsAppToken != "", "whatsapp_app_secret": c.WhatsAppAppSecret != ""}})
}

func (s *Server) channelsSave(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	old, err := s.Channels.ChannelSettings(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	f := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	// An empty secret field keeps the stored secret; "hapus" clears it.
	secret := func(name, old string) string {
		switch v := f(name); v {
		case "":
			return old
		case "hapus":
			return ""
		default:
			return v
		}
	}
	// The Telegram and WhatsApp API addresses are not read from the form:
	// only the server's configuration overrides the official hosts.
	port, _ := strconv.Atoi(f("smtp_port"))
	c := &spiker.ChannelSettings{SMTPHost: f("smtp_host"), SMTPPort: port, SMTPUsername: f("smtp_username"),
		SMTPPassword: secret("smtp_password", old.SMTPPassword), SMTPFrom: f("smtp_from"), SMTPSecurity: f("smtp_security"),
		TelegramToken: secret("telegram_token", old.TelegramToken), WhatsAppToken: secret("whatsapp_token", old.WhatsAppToken),
		WhatsAppPhoneID: f("whatsapp_phone_id"), WhatsAppTemplate: f("whatsapp_template"), WhatsAppLanguage: f("whatsapp_language"),
		WhatsAppAppSecret: secret("whatsapp_app_secret", old.WhatsAppAppSecret), WhatsAppVerifyToken: f("whatsapp_verify_token"),
		VAPIDPublic: old.VAPIDPublic, VAPIDPrivate: old.VAPIDPrivate, VAPIDSubject: f("vapid_subject")}
	err = s.Channels.SaveChannelSettings(r.Context(), sess.Actor, c)
	switch spiker.ErrorCode(err) {
	case "":
		s.showChannels(w, r, sess, http.StatusOK, nil, "channels.saved")
	case spiker.EINVALID:
		s.showChannels(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err), "")
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) channelsTest(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Channels.SendTest(r.Context(), sess.Actor, r.PostFormValue("channel"))
	switch spiker.ErrorCode(err) {
	case "":
		s.showChannels(w, r, sess, http.StatusOK, nil, "channels.test_sent")
	case spiker.EINVALID:
		s.showChannels(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err), "")
	default:
		s.staffError(w, r, sess, err)
	}
}
