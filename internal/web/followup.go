package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

// The portal's cookies hold a handle to something the server keeps for this
// browser for a short while: the follow-up session (/cek) and the receipt
// view after the report form. They are host-only, HttpOnly,
// SameSite=Strict, and __Host- prefixed and Secure when the client reaches
// us over https (see Server.https); they are the only cookies the public
// portal sets.
const (
	cookieFollowup = "spiker_cek"
	cookieReceipt  = "spiker_tt"
)

func (s *Server) portalCookie(r *http.Request, name string) string {
	if s.https(r) {
		return "__Host-" + name
	}
	return name
}

// setPortalCookie sets a handle cookie for maxAge (0: the browser session),
// or removes it when value is "".
func (s *Server) setPortalCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: s.portalCookie(r, name), Value: value, Path: "/", HttpOnly: true, Secure: s.https(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge / time.Second)}
	if value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func (s *Server) portalHandle(r *http.Request, name string) string {
	if c, err := r.Cookie(s.portalCookie(r, name)); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) setFollowupCookie(w http.ResponseWriter, r *http.Request, token string) {
	s.setPortalCookie(w, r, cookieFollowup, token, 0)
}

func (s *Server) followupToken(r *http.Request) string { return s.portalHandle(r, cookieFollowup) }

// followupPage shows the receipt form, or the conversation while a session
// is open.
func (s *Server) followupPage(w http.ResponseWriter, r *http.Request) {
	token := s.followupToken(r)
	if token == "" {
		s.render(w, r, http.StatusOK, "followup_start.html", nil)
		return
	}
	f, err := s.Reports.Followup(r.Context(), token)
	if spiker.ErrorCode(err) == spiker.EUNAUTHORIZED {
		s.setFollowupCookie(w, r, "")
		s.render(w, r, http.StatusOK, "followup_start.html", map[string]any{"Ended": true})
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "followup.html", map[string]any{"F": f, "Sent": r.URL.Query().Get("terkirim") != ""})
}

// startFollowup takes the receipt (POST only: it is never in a URL).
func (s *Server) startFollowup(w http.ResponseWriter, r *http.Request) {
	fd, err := s.parseForm(w, r)
	defer fd.remove()
	if err != nil {
		s.Error(w, r, spiker.Errorf(spiker.EINVALID, "bad form"))
		return
	}
	token, err := s.Reports.StartFollowup(r.Context(), fd.get("receipt"), s.ClientKey(r))
	switch spiker.ErrorCode(err) {
	case "":
		s.setFollowupCookie(w, r, token)
		http.Redirect(w, r, "/cek", http.StatusSeeOther)
	case spiker.EINVALID, spiker.EUNAUTHORIZED:
		key := spiker.ErrorFields(err)["receipt"]
		if key == "" {
			key = "followup.err.receipt_unknown"
		}
		s.render(w, r, http.StatusUnauthorized, "followup_start.html", map[string]any{"Error": key})
	case spiker.ETOOMANY:
		// When to try again, and Retry-After: never a bare refusal.
		s.render(w, r, http.StatusTooManyRequests, "followup_start.html", map[string]any{"Error": "error.too_many", "RetryAt": s.retryAt(w, err)})
	default:
		s.Error(w, r, err)
	}
}

// followupPost adds a message, information, a meeting request or files.
func (s *Server) followupPost(w http.ResponseWriter, r *http.Request) {
	token := s.followupToken(r)
	if token == "" {
		http.Redirect(w, r, "/cek", http.StatusSeeOther)
		return
	}
	fd, err := s.parseForm(w, r)
	defer fd.remove()
	switch {
	case errors.Is(err, errFileTooLarge), errors.Is(err, errTooLarge):
		s.followupError(w, r, token, "report.err.file_size")
		return
	case errors.Is(err, errTooManyFiles):
		s.followupError(w, r, token, "report.err.file_count")
		return
	case err != nil:
		s.Error(w, r, err)
		return
	}
	switch kind := fd.get("kind"); kind {
	case "berkas":
		uploads, _, fileErr := s.cleanUploads(fd, "")
		if fileErr == "" && len(uploads) == 0 {
			fileErr = "report.err.file_count"
		}
		if fileErr != "" {
			s.followupError(w, r, token, fileErr)
			return
		}
		for range uploads {
			if err := s.Limiter.Allow(r.Context(), spiker.ActionFile, s.ClientKey(r)); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		err = s.Reports.AddFiles(r.Context(), token, uploads)
	case spiker.MessageMeeting:
		body := ""
		if place, when := fd.get("place"), fd.get("when"); place != "" || when != "" {
			body = requestPlacePrefix + place + "\nWaktu: " + when
		}
		err = s.Reports.AddMessage(r.Context(), token, kind, body)
	default:
		err = s.Reports.AddMessage(r.Context(), token, kind, fd.get("body"))
	}
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cek?terkirim=1", http.StatusSeeOther)
	case spiker.EUNAUTHORIZED:
		s.setFollowupCookie(w, r, "")
		http.Redirect(w, r, "/cek", http.StatusSeeOther)
	case spiker.EINVALID:
		key := "followup.err.empty"
		for _, v := range spiker.ErrorFields(err) {
			key = v
		}
		s.followupError(w, r, token, key)
	default:
		s.Error(w, r, err)
	}
}

func (s *Server) followupError(w http.ResponseWriter, r *http.Request, token, key string) {
	f, err := s.Reports.Followup(r.Context(), token)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, "followup.html", map[string]any{"F": f, "Error": key})
}

// endFollowup ends the follow-up session and the receipt view: the
// "finished" button, and the quick exit's beacon. It answers without
// content either way.
func (s *Server) endFollowup(w http.ResponseWriter, r *http.Request) {
	if token := s.followupToken(r); token != "" {
		s.Reports.EndFollowup(r.Context(), token)
	}
	s.setFollowupCookie(w, r, "")
	s.endReceipt(w, r)
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/cek", http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// requestPlacePrefix starts the place line of a meeting request; the case
// page takes the place from it (requestedPlace).
const requestPlacePrefix = "Tempat: "
