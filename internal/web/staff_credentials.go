package web

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// accountPassword changes the signed-in user's password: the same private
// key is wrapped under the new one, so every grant keeps working.
func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	current, next := r.PostFormValue("current"), r.PostFormValue("new")
	errs := map[string]string{}
	if r.PostFormValue("new2") != next {
		errs["new2"] = "enrol.err.repeat"
	} else {
		err := s.Users.ChangePassword(r.Context(), sess.Actor.Username, current, next, sess)
		switch spiker.ErrorCode(err) {
		case "":
			s.renderAccountWith(w, r, sess, http.StatusOK, nil, accountNews{passwordChanged: true})
			return
		case spiker.EUNAUTHORIZED:
			errs["current"] = "account.err.current"
		case spiker.EINVALID:
			// The strength check names what is guessable and how to fix it.
			errs["new"] = "admin.err.password"
			if key := spiker.ErrorFields(err)["password"]; key != "" {
				errs["new"] = key
			}
		case spiker.ETOOMANY:
			errs["current"] = "error.too_many"
		default:
			s.staffError(w, r, sess, err)
			return
		}
	}
	s.renderAccountWith(w, r, sess, http.StatusUnprocessableEntity, errs, accountNews{})
}

// lostAuthenticatorPage lets a user who lost their authenticator ask for a
// new one by proving their password; a supervisor approves it.
func (s *Server) lostAuthenticatorPage(w http.ResponseWriter, r *http.Request) {
	s.renderStaff(w, r, http.StatusOK, "staff_lost.html", nil, nil)
}

func (s *Server) lostAuthenticator(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes)
	err := s.Users.RequestAuthenticatorResetBySignIn(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), s.ClientKey(r))
	switch spiker.ErrorCode(err) {
	case "", spiker.ECONFLICT:
		// The same answer whether or not the details were right.
		s.renderStaff(w, r, http.StatusOK, "staff_lost.html", nil, map[string]any{"Sent": true})
	case spiker.ETOOMANY:
		s.renderStaff(w, r, http.StatusTooManyRequests, "staff_lost.html", nil, map[string]any{"Error": "error.too_many"})
	default:
		s.Error(w, r, err)
	}
}

// userLostAuthenticator is the admin asking for a user's new authenticator;
// a supervisor who did not ask approves it.
func (s *Server) userLostAuthenticator(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Users.RequestAuthenticatorReset(r.Context(), sess.Actor, pathUserID(r))
	if spiker.ErrorCode(err) == spiker.ECONFLICT {
		s.showUsers(w, r, sess, http.StatusConflict, map[string]any{"Message": spiker.ErrorMessage(err)})
		return
	}
	s.afterUserChange(w, r, sess, err)
}

// authenticatorRequests is the supervisor's list of lost authenticators.
func (s *Server) authenticatorRequests(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showAuthenticatorRequests(w, r, sess, http.StatusOK, map[string]any{})
}

func (s *Server) showAuthenticatorRequests(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, data map[string]any) {
	reqs, err := s.Users.AuthenticatorRequests(r.Context(), sess.Actor)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	data["Requests"] = reqs
	s.renderStaff(w, r, status, "staff_authenticators.html", sess, data)
}

func (s *Server) authenticatorApprove(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	token, err := s.Users.ApproveAuthenticatorReset(r.Context(), sess.Actor, pathUserID(r))
	if err != nil {
		if spiker.ErrorCode(err) == spiker.EFORBIDDEN || spiker.ErrorCode(err) == spiker.ENOTFOUND {
			s.showAuthenticatorRequests(w, r, sess, ErrorStatus(err), map[string]any{"Refused": true, "Message": spiker.ErrorMessage(err)})
			return
		}
		s.staffError(w, r, sess, err)
		return
	}
	u, err := s.Users.FindUserByID(r.Context(), pathUserID(r))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	// The link is shown once, here, for the supervisor to hand over; it
	// needs the user's password, so it gives the supervisor nothing.
	s.showAuthenticatorRequests(w, r, sess, http.StatusOK, map[string]any{"Approved": u.Username, "Link": "/staf/daftar?t=" + token})
}
