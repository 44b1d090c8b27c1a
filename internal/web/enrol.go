package web

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"

	"github.com/pquerna/otp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/totp"
)

// enrolPage is the one step of an enrolment link: it shows a pending TOTP
// secret as a QR code (drawn here, not by any outside service) together
// with the password fields and the first code. Nothing is stored until the
// form is completed, so the secret shown to whoever opens the link is worth
// nothing unless they complete it; a used or expired link shows nothing.
func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) {
	e, err := s.Users.Enrolment(r.Context(), r.URL.Query().Get("t"), "")
	if err != nil {
		s.enrolDead(w, r, err)
		return
	}
	s.renderEnrol(w, r, http.StatusOK, r.URL.Query().Get("t"), e, nil)
}

func (s *Server) enrolDead(w http.ResponseWriter, r *http.Request, err error) {
	if spiker.ErrorCode(err) != spiker.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	s.renderStaff(w, r, http.StatusNotFound, "staff_error.html", nil, map[string]any{"MessageKey": "staff.err.enrol"})
}

func (s *Server) renderEnrol(w http.ResponseWriter, r *http.Request, status int, token string, e *spiker.Enrolment, errs map[string]string) {
	if errs == nil {
		errs = map[string]string{}
	}
	s.renderStaff(w, r, status, "staff_enrol.html", nil, map[string]any{
		"Token": token, "Username": e.User.Username, "Secret": groupSecret(e.Secret), "Pending": e.Pending,
		"Keep": e.Kind == spiker.EnrolAuthenticator, "Errors": errs,
	})
}

// enrolQR draws the pending secret of an open link as a PNG QR code.
func (s *Server) enrolQR(w http.ResponseWriter, r *http.Request) {
	pending := r.URL.Query().Get("p")
	e, err := s.Users.Enrolment(r.Context(), r.URL.Query().Get("t"), pending)
	if err != nil || pending == "" || e.Pending != pending {
		http.NotFound(w, r)
		return
	}
	key, err := otp.NewKeyFromURL(totp.URI(e.User.Username, e.Secret))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	img, err := key.Image(240, 240)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(buf.Bytes())
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes)
	token, pending := r.PostFormValue("t"), r.PostFormValue("p")
	password := r.PostFormValue("password")
	errs := map[string]string{}
	if r.PostFormValue("password2") != password && r.PostFormValue("keep") == "" {
		errs["password2"] = "enrol.err.repeat"
	}
	var session string
	var err error
	if len(errs) == 0 {
		session, err = s.Users.CompleteEnrolment(r.Context(), token, pending, password, r.PostFormValue("code"), s.ClientKey(r))
	} else {
		err = &spiker.Error{Code: spiker.EINVALID, Message: "the two passwords differ", Fields: errs}
	}
	switch spiker.ErrorCode(err) {
	case "":
		http.SetCookie(w, &http.Cookie{Name: s.staffCookie(r), Value: session, Path: "/", HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/staf/", http.StatusSeeOther)
	case spiker.EUNAUTHORIZED, spiker.EINVALID, spiker.ETOOMANY:
		// The same pending secret again: the app already holds it.
		e, err2 := s.Users.Enrolment(r.Context(), token, pending)
		if err2 != nil {
			s.enrolDead(w, r, err2)
			return
		}
		for k, v := range spiker.ErrorFields(err) {
			errs[k] = v
		}
		if len(errs) == 0 {
			errs["form"] = "staff.err.signin"
			if spiker.ErrorCode(err) == spiker.ETOOMANY {
				errs["form"] = "error.too_many"
			}
		}
		status := ErrorStatus(err)
		if spiker.ErrorCode(err) == spiker.EINVALID {
			status = http.StatusUnprocessableEntity
		}
		s.renderEnrol(w, r, status, token, e, errs)
	default:
		s.enrolDead(w, r, err)
	}
}

// groupSecret writes a base32 secret in groups of four for typing.
func groupSecret(s string) string {
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}
