package web

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

// Passkeys (WebAuthn) on the account page and at sign-in. A ceremony begins
// with a POST that answers JSON options (the challenge stays server-side)
// and ends with an ordinary form POST carrying the browser's answer, so the
// result is a page like any other. static/passkey.js does the browser part.

// maxPasskeyBytes bounds a browser's WebAuthn answer.
const maxPasskeyBytes = 64 << 10

// relyingParty is whom passkeys are bound to: the back office's configured
// address, or, without one, a localhost address as the request names it (a
// developer's machine). Elsewhere passkeys are off until it is configured.
func (s *Server) relyingParty(r *http.Request) (spiker.RelyingParty, bool) {
	if s.Users == nil {
		return spiker.RelyingParty{}, false
	}
	if s.PasskeyURL != "" {
		u, err := url.Parse(s.PasskeyURL)
		if err != nil || u.Hostname() == "" || u.Scheme != "https" && u.Scheme != "http" {
			return spiker.RelyingParty{}, false
		}
		return spiker.RelyingParty{ID: u.Hostname(), Origin: u.Scheme + "://" + u.Host, Name: "Spiker Perak"}, true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	if host != "localhost" && !strings.HasSuffix(host, ".localhost") {
		return spiker.RelyingParty{}, false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return spiker.RelyingParty{ID: host, Origin: scheme + "://" + r.Host, Name: "Spiker Perak"}, true
}

// passkeyJSON answers a ceremony's first step: the options, or an error
// message in the reader's language.
func (s *Server) passkeyJSON(w http.ResponseWriter, r *http.Request, options []byte, err error, failKey string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err == nil {
		w.Write(options)
		return
	}
	status, key := ErrorStatus(err), failKey
	switch code := spiker.ErrorCode(err); {
	case code == spiker.ETOOMANY:
		key = "error.too_many"
	case code == spiker.EUNAVAILABLE:
		status, key = http.StatusConflict, "passkey.err.unavailable"
	case code == spiker.EINTERNAL:
		s.Logger.Error("passkey ceremony failed", "route", r.Pattern, "err", err)
		key = "passkey.err.failed"
	}
	for _, k := range spiker.ErrorFields(err) {
		key = k
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": locale.Printer{Lang: locale.Match(r.Header.Get("Accept-Language"))}.Text(key)})
}

func (s *Server) unavailablePasskey(w http.ResponseWriter, r *http.Request) {
	s.passkeyJSON(w, r, nil, spiker.Errorf(spiker.EUNAVAILABLE, "passkeys need SPIKER_STAFF_URL"), "")
}

// accountPasskeyBegin starts registering a passkey.
func (s *Server) accountPasskeyBegin(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	rp, ok := s.relyingParty(r)
	if !ok {
		s.unavailablePasskey(w, r)
		return
	}
	opts, err := s.Users.BeginPasskeyRegistration(r.Context(), sess.Actor, rp)
	s.passkeyJSON(w, r, opts, err, "passkey.err.failed")
}

// accountPasskeyAdd stores the passkey the browser made.
func (s *Server) accountPasskeyAdd(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	rp, ok := s.relyingParty(r)
	errs := map[string]string{}
	if !ok {
		errs["passkey"] = "passkey.err.unavailable"
	} else {
		err := s.Users.FinishPasskeyRegistration(r.Context(), sess.Actor, rp, r.PostFormValue("name"), []byte(r.PostFormValue("credential")))
		switch spiker.ErrorCode(err) {
		case "":
			s.renderAccountWith(w, r, sess, http.StatusOK, nil, accountNews{passkeyAdded: true})
			return
		case spiker.EINVALID:
			errs = spiker.ErrorFields(err)
		case spiker.EUNAUTHORIZED:
			errs["passkey"] = "passkey.err.failed"
		case spiker.ECONFLICT:
			errs["passkey"] = "passkey.err.duplicate"
		default:
			s.staffError(w, r, sess, err)
			return
		}
	}
	s.renderAccountWith(w, r, sess, http.StatusUnprocessableEntity, errs, accountNews{})
}

// accountPasskeyRemove removes one of the user's passkeys; it needs their
// password.
func (s *Server) accountPasskeyRemove(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	err := s.Users.RemovePasskey(r.Context(), sess.Actor, id, r.PostFormValue("password"))
	errs := map[string]string{}
	switch spiker.ErrorCode(err) {
	case "":
		s.renderAccountWith(w, r, sess, http.StatusOK, nil, accountNews{passkeyRemoved: true})
		return
	case spiker.EUNAUTHORIZED, spiker.ECONFLICT:
		// Shown on the page (a wrong password is not a lost session).
		errs = spiker.ErrorFields(err)
	case spiker.ETOOMANY:
		errs["passkey_password"] = "error.too_many"
	case spiker.ENOTFOUND:
		errs["passkey"] = "passkey.err.gone"
	default:
		s.staffError(w, r, sess, err)
		return
	}
	s.renderAccountWith(w, r, sess, http.StatusUnprocessableEntity, errs, accountNews{})
}

// accountPasskeyRename changes a passkey's name.
func (s *Server) accountPasskeyRename(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	err := s.Users.RenamePasskey(r.Context(), sess.Actor, id, r.PostFormValue("name"))
	switch spiker.ErrorCode(err) {
	case "":
		s.renderAccountWith(w, r, sess, http.StatusOK, nil, accountNews{passkeyRenamed: true})
	case spiker.EINVALID:
		s.renderAccountWith(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err), accountNews{})
	case spiker.ENOTFOUND:
		s.renderAccountWith(w, r, sess, http.StatusUnprocessableEntity, map[string]string{"passkey": "passkey.err.gone"}, accountNews{})
	default:
		s.staffError(w, r, sess, err)
	}
}

// staffPasskeyBegin is the sign-in's passkey step: after the password, the
// request options for the user's passkeys.
func (s *Server) staffPasskeyBegin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes)
	rp, ok := s.relyingParty(r)
	if !ok {
		s.unavailablePasskey(w, r)
		return
	}
	opts, err := s.Users.BeginPasskeySignIn(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), s.ClientKey(r), rp)
	if code := spiker.ErrorCode(err); code == spiker.EUNAUTHORIZED && len(spiker.ErrorFields(err)) == 0 {
		err = spiker.Errorf(spiker.EUNAUTHORIZED, "wrong") // the same answer for a wrong name or password
	}
	s.passkeyJSON(w, r, opts, err, "staff.err.signin_passkey")
}

// staffPasskeySignIn signs in with the password and the passkey's answer.
func (s *Server) staffPasskeySignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes+maxPasskeyBytes)
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	rp, ok := s.relyingParty(r)
	if !ok {
		s.renderStaff(w, r, http.StatusConflict, "staff_signin.html", nil, map[string]any{"Error": "passkey.err.unavailable", "Username": username})
		return
	}
	token, sess, err := s.Users.SignInWithPasskey(r.Context(), username, password, []byte(r.PostFormValue("credential")), s.ClientKey(r), rp)
	if err != nil {
		s.signInRefused(w, r, username, err, "staff.err.signin_passkey")
		return
	}
	s.startStaffSession(w, r, token, sess)
}

// signInRefused shows the sign-in page again with why.
func (s *Server) signInRefused(w http.ResponseWriter, r *http.Request, username string, err error, key string) {
	switch code := spiker.ErrorCode(err); {
	case code == spiker.ETOOMANY:
		key = "error.too_many"
	case code != spiker.EUNAUTHORIZED:
		s.Error(w, r, err)
		return
	}
	if k := spiker.ErrorFields(err)["passkey"]; k != "" {
		key = k
	}
	s.renderStaff(w, r, ErrorStatus(err), "staff_signin.html", nil, map[string]any{"Error": key, "Username": username, "RetryAt": s.retryAt(w, err)})
}

// startStaffSession sets the session cookie and goes to the back office; a
// user the office requires a passkey of, who has none, goes to the account
// page to register one.
func (s *Server) startStaffSession(w http.ResponseWriter, r *http.Request, token string, sess *spiker.StaffSession) {
	http.SetCookie(w, &http.Cookie{Name: s.staffCookie(r), Value: token, Path: "/", HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteStrictMode})
	next := "/staf/"
	if s.Users != nil && sess != nil {
		if required, n, err := s.Users.PasskeyStatus(r.Context(), sess.Actor); err == nil && required && n == 0 {
			next = "/staf/akun#passkey"
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// settingsPasskey saves the office's "wajib passkey" setting.
func (s *Server) settingsPasskey(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	p := spiker.PasskeyPolicy{All: r.PostFormValue("all") == "1"}
	for _, v := range r.PostForm["role"] {
		p.Roles = append(p.Roles, spiker.Role(v))
	}
	s.afterSettings(w, r, sess, s.Users.SetPasskeyPolicy(r.Context(), sess.Actor, spiker.ParsePasskeyPolicy(p.String())))
}

// passkeyAccountData is what the account page shows of passkeys.
func (s *Server) passkeyAccountData(r *http.Request, sess *spiker.StaffSession, data map[string]any) error {
	if s.Users == nil {
		return nil
	}
	keys, err := s.Users.Passkeys(r.Context(), sess.Actor)
	if err != nil {
		return err
	}
	required, _, err := s.Users.PasskeyStatus(r.Context(), sess.Actor)
	if err != nil {
		return err
	}
	_, ok := s.relyingParty(r)
	data["Passkeys"], data["PasskeyRequired"], data["PasskeyOn"] = keys, required, ok
	return nil
}
