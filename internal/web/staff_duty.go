package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

// rosterPage shows a week of the roster, shift by shift, from ?dari=.
func (s *Server) rosterPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showRoster(w, r, sess, http.StatusOK, nil)
}

func (s *Server) showRoster(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	from, err := time.ParseInLocation(time.DateOnly, r.FormValue("dari"), s.Clock.Zone())
	if err != nil {
		// The week from the running shift's duty day: at 02:00 the night
		// shift that began yesterday at 23:00 is the first one shown.
		from = s.Clock.DutyWeek()
	}
	entries, err := s.Duty.Roster(r.Context(), sess.Actor, from.Format(time.DateOnly), 7)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	type cell struct {
		Shift       string
		Piket, Sups []string
	}
	type day struct {
		Date  string
		Day   time.Time
		Cells []cell
	}
	var days []day
	for i := range 7 {
		d := from.AddDate(0, 0, i)
		row := day{Date: d.Format(time.DateOnly), Day: d}
		for _, sh := range spiker.Shifts {
			c := cell{Shift: sh.Name}
			for _, e := range entries {
				if e.Day == row.Date && e.Shift == sh.Name {
					if e.Duty == spiker.DutyPiket {
						c.Piket = append(c.Piket, e.Username)
					} else {
						c.Sups = append(c.Sups, e.Username)
					}
				}
			}
			row.Cells = append(row.Cells, c)
		}
		days = append(days, row)
	}
	nowDay, nowShift := s.Clock.Shift()
	if errs == nil {
		errs = map[string]string{}
	}
	s.renderStaff(w, r, status, "staff_roster.html", sess, map[string]any{
		"Days": days, "Shifts": spiker.Shifts, "From": from.Format(time.DateOnly), "Errors": errs,
		"Prev": from.AddDate(0, 0, -7).Format(time.DateOnly), "Next": from.AddDate(0, 0, 7).Format(time.DateOnly),
		"NowDay": nowDay, "NowShift": nowShift,
	})
}

// rosterShiftPage is the form for one shift: who is on piket and on call.
func (s *Server) rosterShiftPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	day, shift := r.FormValue("hari"), r.FormValue("shift")
	if _, err := time.Parse(time.DateOnly, day); err != nil || !spiker.ValidShift(shift) {
		// Without a valid choice, the shift on now.
		day, shift = s.Clock.Shift()
	}
	piket, sups, err := s.Duty.DutyStaff(r.Context(), sess.Actor)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	entries, err := s.Duty.Roster(r.Context(), sess.Actor, day, 1)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	on := map[int64]bool{}
	for _, e := range entries {
		if e.Shift == shift {
			on[e.UserID] = true
		}
	}
	s.renderStaff(w, r, http.StatusOK, "staff_roster_shift.html", sess, map[string]any{
		"Day": day, "Shift": shift, "Piket": piket, "Sups": sups, "On": on,
	})
}

func formIDs(r *http.Request, name string) []int64 {
	var out []int64
	for _, v := range r.PostForm[name] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) rosterShiftSave(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	day, shift := r.PostFormValue("hari"), r.PostFormValue("shift")
	err := s.Duty.SetShift(r.Context(), sess.Actor, day, shift, formIDs(r, "piket"), formIDs(r, "supervisor"))
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/piket?dari="+day, http.StatusSeeOther)
	case spiker.EINVALID:
		s.showRoster(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) rosterGenerate(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	days, _ := strconv.Atoi(r.PostFormValue("days"))
	_, err := s.Duty.GenerateRoster(r.Context(), sess.Actor, r.PostFormValue("dari"), days)
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/piket?dari="+r.PostFormValue("dari"), http.StatusSeeOther)
	case spiker.EINVALID:
		s.showRoster(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

// alertsPage lists the user's alerts, open ones first.
func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	ns, err := s.Duty.Notifications(r.Context(), sess.Actor, 100)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.renderStaff(w, r, http.StatusOK, "staff_alerts.html", sess, map[string]any{"Notifications": ns})
}

func (s *Server) alertAck(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	if err := s.Duty.Acknowledge(r.Context(), sess.Actor, r.PathValue("id")); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/staf/peringatan", http.StatusSeeOther)
}

// accountPage is the user's own page: where their alerts go.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showAccount(w, r, sess, http.StatusOK, nil, false)
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, saved bool) {
	s.renderAccount(w, r, sess, status, errs, saved, "", time.Time{})
}

// renderAccount shows the account page, with a Telegram linking code when
// one was just made.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, saved bool,
	code string, expires time.Time) {
	s.renderAccountWith(w, r, sess, status, errs, accountNews{saved: saved, code: code, expires: expires})
}

// accountNews is what just happened on the account page.
type accountNews struct {
	saved, passwordChanged       bool
	passkeyAdded, passkeyRemoved bool
	passkeyRenamed               bool
	profileSaved                 bool
	profile                      *spiker.Profile // the values sent, shown again with their errors
	code                         string          // a new Telegram linking code, until expires
	expires                      time.Time
}

func (s *Server) renderAccountWith(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, news accountNews) {
	ch, err := s.Duty.Channels(r.Context(), sess.Actor)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	vapid := ""
	if s.Channels != nil {
		if c, err := s.Channels.ChannelSettings(r.Context()); err == nil {
			vapid = c.VAPIDPublic
		}
	}
	data := map[string]any{"Ch": ch, "Errors": errs, "Saved": news.saved, "PasswordChanged": news.passwordChanged,
		"Channels": typedChannels, "VAPID": vapid, "Push": ch["webpush"] != "", "Telegram": s.telegramAccount(r.Context(), ch, news.code, news.expires),
		"PasskeyAdded": news.passkeyAdded, "PasskeyRemoved": news.passkeyRemoved, "PasskeyRenamed": news.passkeyRenamed}
	if err := s.profileAccountData(r, sess, data, news); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if err := s.passkeyAccountData(r, sess, data); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if err := s.myWorkloadData(r, sess, data); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.renderStaff(w, r, status, "staff_account.html", sess, data)
}

// typedChannels are the alert addresses staff type on their account page.
// Telegram is not one: its chat is linked by a code sent to the bot.
var typedChannels = []string{"email", "whatsapp"}

func (s *Server) accountChannels(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	errs := map[string]string{}
	for _, ch := range typedChannels {
		if err := s.Duty.SetChannel(r.Context(), sess.Actor, ch, normalizeAddress(ch, r.PostFormValue(ch))); err != nil {
			if spiker.ErrorCode(err) != spiker.EINVALID {
				s.staffError(w, r, sess, err)
				return
			}
			for k, v := range spiker.ErrorFields(err) {
				errs[k] = v
			}
		}
	}
	if len(errs) > 0 {
		s.showAccount(w, r, sess, http.StatusUnprocessableEntity, errs, false)
		return
	}
	s.showAccount(w, r, sess, http.StatusOK, nil, true)
}

// normalizeAddress accepts a WhatsApp number as people write it (0812-…,
// +62 812 …) and stores it as 62812…
func normalizeAddress(channel, v string) string {
	b := []byte{}
	for _, c := range []byte(v) {
		if channel != "whatsapp" {
			b = append(b, c)
		} else if c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	out := string(b)
	if channel == "whatsapp" && len(out) > 1 && out[0] == '0' {
		out = "62" + out[1:]
	}
	if channel != "whatsapp" {
		return strings.TrimSpace(out)
	}
	return out
}

// settingsLimits saves the time limits, given in minutes (and working days
// for risk "rendah").
func (s *Server) settingsLimits(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	minutes := func(name string) time.Duration {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			return -1
		}
		return time.Duration(n) * time.Minute
	}
	rendah, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("rendah")))
	if err != nil {
		rendah = -1
	}
	l := spiker.TimeLimits{FirstResponse: minutes("first_response"), Sedang: minutes("sedang"), RendahWorkdays: rendah,
		TPKSPolice: minutes("tpks"), PDP: minutes("pdp"), AckUrgent: minutes("ack_urgent"), AckNormal: minutes("ack_normal")}
	s.afterSettings(w, r, sess, s.Duty.SetTimeLimits(r.Context(), sess.Actor, l))
}

func (s *Server) settingsHoliday(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterSettings(w, r, sess, s.Duty.SetHoliday(r.Context(), sess.Actor, r.PostFormValue("day"), strings.TrimSpace(r.PostFormValue("name"))))
}

func (s *Server) afterSettings(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, err error) {
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/pengaturan", http.StatusSeeOther)
	case spiker.EINVALID:
		s.showSettings(w, r, sess, http.StatusUnprocessableEntity, nil, spiker.ErrorFields(err), false)
	default:
		s.staffError(w, r, sess, err)
	}
}

// accountPush saves (or with "hapus" removes) this browser's push
// subscription, sent by push.js.
func (s *Server) accountPush(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	sub := r.PostFormValue("subscription")
	if sub == "hapus" {
		sub = ""
	}
	err := s.Duty.SetChannel(r.Context(), sess.Actor, "webpush", sub)
	switch spiker.ErrorCode(err) {
	case "":
		s.showAccount(w, r, sess, http.StatusOK, nil, true)
	case spiker.EINVALID:
		s.showAccount(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err), false)
	default:
		s.staffError(w, r, sess, err)
	}
}
