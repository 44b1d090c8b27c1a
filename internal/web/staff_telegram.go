package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/spikerperak/spiker"
)

// A staff member links their Telegram chat to their account: the account
// page gives a one-time code, and the chat that sends it to the office bot
// becomes their Telegram alert address. Nobody types a chat id.

// telegramView is the Telegram part of the account page.
type telegramView struct {
	On      bool   // the admin has set the bot up
	Bot     string // the bot's username, for the t.me link; "" if unknown
	Linked  bool   // the user has a Telegram address
	Code    string // a new linking code, shown this once
	Link    string // https://t.me/<bot>?start=<code>
	Expires time.Time
}

// telegramAccount fills the Telegram part of the account page, with a new
// code when one was just made.
func (s *Server) telegramAccount(ctx context.Context, ch map[string]string, code string, expires time.Time) telegramView {
	v := telegramView{Linked: ch["telegram"] != ""}
	if s.Channels == nil {
		return v
	}
	v.On, v.Bot = s.Channels.TelegramBot(ctx)
	if code != "" {
		v.Code, v.Expires = code, expires
		if v.Bot != "" {
			v.Link = "https://t.me/" + url.PathEscape(v.Bot) + "?start=" + url.QueryEscape(code)
		}
	}
	return v
}

// accountTelegramCode makes a new linking code and shows it on the account
// page, this once: only its keyed hash is kept. Reloading makes another,
// which replaces it.
func (s *Server) accountTelegramCode(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	on := false
	if s.Channels != nil {
		on, _ = s.Channels.TelegramBot(r.Context())
	}
	if !on {
		s.showAccount(w, r, sess, http.StatusUnprocessableEntity, map[string]string{"telegram": "account.telegram.off"}, false)
		return
	}
	code, expires, err := s.Channels.NewTelegramCode(r.Context(), sess.Actor)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.renderAccount(w, r, sess, http.StatusOK, nil, false, code, expires)
}

// accountTelegramUnlink removes the user's Telegram address: alerts stop
// going to that chat.
func (s *Server) accountTelegramUnlink(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	if err := s.Duty.SetChannel(r.Context(), sess.Actor, "telegram", ""); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.showAccount(w, r, sess, http.StatusOK, nil, true)
}
