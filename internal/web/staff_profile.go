package web

import (
	"net/http"

	"github.com/spikerperak/spiker"
)

// The staff profile: the full name, jabatan and NIP a user signs letters
// with, edited by the user on their account page and by an administrator
// on the users page.

func formProfile(r *http.Request) spiker.Profile {
	return spiker.Profile{FullName: r.PostFormValue("full_name"), Position: r.PostFormValue("jabatan"), NIP: r.PostFormValue("nip")}
}

// profileAccountData adds the user's profile to the account page: the
// values just sent when they were refused, else the stored ones.
func (s *Server) profileAccountData(r *http.Request, sess *spiker.StaffSession, data map[string]any, news accountNews) error {
	data["ProfileSaved"] = news.profileSaved
	if news.profile != nil {
		data["Profile"] = *news.profile
		return nil
	}
	u, err := s.Users.FindUserByID(r.Context(), sess.Actor.UserID)
	if err != nil {
		return err
	}
	data["Profile"] = u.Profile
	return nil
}

// accountProfile saves the user's own profile.
func (s *Server) accountProfile(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	p := formProfile(r)
	err := s.Users.SetProfile(r.Context(), sess.Actor, sess.Actor.UserID, p)
	switch spiker.ErrorCode(err) {
	case "":
		s.renderAccountWith(w, r, sess, http.StatusOK, nil, accountNews{profileSaved: true})
	case spiker.EINVALID:
		s.renderAccountWith(w, r, sess, http.StatusUnprocessableEntity, profileErrors(err), accountNews{profile: &p})
	default:
		s.staffError(w, r, sess, err)
	}
}

// profileErrors names the profile form's fields in a refusal, so that
// they do not collide with the account page's other forms.
func profileErrors(err error) map[string]string {
	out := map[string]string{}
	for k, v := range spiker.ErrorFields(err) {
		out["profile_"+k] = v
	}
	return out
}

// userProfile is the administrator setting a user's profile. A refusal is
// shown above the list, as a role change's is, in the page's language.
func (s *Server) userProfile(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Users.SetProfile(r.Context(), sess.Actor, pathUserID(r), formProfile(r))
	if spiker.ErrorCode(err) != spiker.EINVALID {
		s.afterUserChange(w, r, sess, err)
		return
	}
	fields := map[string]string{}
	for _, f := range []string{"nip", "full_name", "position"} {
		if key := spiker.ErrorFields(err)[f]; key != "" {
			fields["edit"] = key
			break
		}
	}
	s.showUsers(w, r, sess, http.StatusUnprocessableEntity, map[string]any{"Errors": fields})
}
