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

// enrolPage shows a new staff member their TOTP secret as a QR code (drawn
// here, not by any outside service) and asks for the password and a first
// code. The link works once.
func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("t")
	u, secret, err := s.Enrolments.Enrolment(r.Context(), token)
	if err != nil {
		s.renderStaff(w, r, http.StatusNotFound, "staff_error.html", nil, map[string]any{"MessageKey": "staff.err.enrol"})
		return
	}
	s.renderStaff(w, r, http.StatusOK, "staff_enrol.html", nil, map[string]any{
		"Token": token, "Username": u.Username, "Secret": groupSecret(secret),
	})
}

// enrolQR draws the enrolment URI as a PNG QR code.
func (s *Server) enrolQR(w http.ResponseWriter, r *http.Request) {
	u, secret, err := s.Enrolments.Enrolment(r.Context(), r.URL.Query().Get("t"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	key, err := otp.NewKeyFromURL(totp.URI(u.Username, secret))
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
	token := r.PostFormValue("t")
	session, err := s.Enrolments.CompleteEnrolment(r.Context(), token, r.PostFormValue("password"), r.PostFormValue("code"), s.ClientKey(r))
	switch spiker.ErrorCode(err) {
	case "":
		http.SetCookie(w, &http.Cookie{Name: staffCookie(r), Value: session, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/staf/", http.StatusSeeOther)
	case spiker.EUNAUTHORIZED, spiker.ETOOMANY:
		u, secret, err2 := s.Enrolments.Enrolment(r.Context(), token)
		if err2 != nil {
			s.renderStaff(w, r, http.StatusNotFound, "staff_error.html", nil, map[string]any{"MessageKey": "staff.err.enrol"})
			return
		}
		s.renderStaff(w, r, ErrorStatus(err), "staff_enrol.html", nil, map[string]any{
			"Token": token, "Username": u.Username, "Secret": groupSecret(secret), "Error": "staff.err.signin"})
	case spiker.ENOTFOUND:
		s.renderStaff(w, r, http.StatusNotFound, "staff_error.html", nil, map[string]any{"MessageKey": "staff.err.enrol"})
	default:
		s.Error(w, r, err)
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
