package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/vault"
)

// receiptPath is the page the report form redirects to (Post/Redirect/Get):
// the receipt while the submitting browser's handle lasts, otherwise that
// the report was received, without its number.
const receiptPath = "/tanda-terima"

// answerReport ends a report form's POST: the receipt goes under a handle
// in a cookie for the receipt window, and the browser is sent to the
// receipt page, never shown the receipt in the POST's own answer (which
// Back and "confirm resubmission" would bring back). A resubmission after
// the window or after quick exit gets no handle.
func (s *Server) answerReport(w http.ResponseWriter, r *http.Request, token, receipt string) {
	handle := ""
	if s.Reports != nil {
		var err error
		if handle, err = s.Reports.HoldReceipt(r.Context(), token, receipt); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if handle != "" {
		s.setPortalCookie(w, r, cookieReceipt, handle, spiker.ReceiptWindow)
	}
	http.Redirect(w, r, receiptPath, http.StatusSeeOther)
}

// receiptPage shows the receipt to the browser holding its handle, while
// the window lasts; anyone else, or later, sees that the report was
// received and where to get help, never the number.
func (s *Server) receiptPage(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{"HelpTop": true}
	handle := s.portalHandle(r, cookieReceipt)
	var receipt string
	var until time.Time
	if handle != "" && s.Reports != nil {
		var err error
		if receipt, until, err = s.Reports.HeldReceipt(r.Context(), handle); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if receipt == "" {
		if handle != "" {
			s.setPortalCookie(w, r, cookieReceipt, "", 0)
		}
		s.render(w, r, http.StatusOK, "receipt_done.html", data)
		return
	}
	// The number comes first; the help box follows it.
	data["HelpTop"] = false
	data["Receipt"] = vault.FormatReceipt(receipt)
	data["Digits"] = strings.Fields(vault.FormatReceipt(receipt))
	data["Until"] = until
	if d := s.firstResponse(r); d%time.Hour == 0 {
		data["FirstHours"] = int(d / time.Hour)
	} else {
		data["FirstMinutes"] = int(d / time.Minute)
	}
	s.render(w, r, http.StatusOK, "receipt.html", data)
}

// receiptDone ends the receipt view when the reporter says they have the
// number written down.
func (s *Server) receiptDone(w http.ResponseWriter, r *http.Request) {
	s.endReceipt(w, r)
	http.Redirect(w, r, receiptPath, http.StatusSeeOther)
}

// endReceipt ends this browser's receipt view, if any, and removes its
// cookie.
func (s *Server) endReceipt(w http.ResponseWriter, r *http.Request) {
	if handle := s.portalHandle(r, cookieReceipt); handle != "" {
		if s.Reports != nil {
			s.Reports.EndReceipt(r.Context(), handle)
		}
		s.setPortalCookie(w, r, cookieReceipt, "", 0)
	}
}

// firstResponse is the first-response time limit from the settings, as
// the receipt page says it ("within 1 hour", "within 30 minutes").
func (s *Server) firstResponse(r *http.Request) time.Duration {
	d := spiker.DefaultTimeLimits.FirstResponse
	if s.Duty != nil {
		if l, err := s.Duty.TimeLimits(r.Context()); err == nil && l.FirstResponse > 0 {
			d = l.FirstResponse
		}
	}
	return d
}

// helpView is the office's contact as the help box shows it.
type helpView struct {
	Office, Address, Phone, WhatsApp string
	PhoneTel, WhatsAppIntl           string // for tel: and wa.me links
}

// officeHelp is the office's phone, WhatsApp and address from the
// settings, for the help box of the public pages. It is read at most once
// a minute.
func (s *Server) officeHelp(r *http.Request) *helpView {
	if s.Network == nil {
		return &helpView{}
	}
	s.helpMu.Lock()
	defer s.helpMu.Unlock()
	now := s.Clock.Now()
	if s.helpCache != nil && now.Sub(s.helpAt) < time.Minute && !now.Before(s.helpAt) {
		return s.helpCache
	}
	l, err := s.Network.Letterhead(r.Context())
	if err != nil {
		s.Logger.Error("reading the office's contact for the help box", "err", err)
		return &helpView{}
	}
	v := &helpView{Office: l.Office, Address: l.Address, Phone: l.Phone, WhatsApp: l.WhatsApp}
	v.PhoneTel = vault.NormalizePhone(l.Phone)
	if v.PhoneTel == "" {
		v.Phone = "" // not a number a phone can call
	}
	if wa := vault.NormalizePhone(l.WhatsApp); strings.HasPrefix(wa, "0") {
		v.WhatsAppIntl = "62" + wa[1:]
	} else {
		v.WhatsApp = ""
	}
	s.helpCache, s.helpAt = v, now
	return v
}
