package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
)

// userList is the administrator's page: accounts of their region with
// their roles, scope and state, and the forms to manage them.
func (s *Server) userList(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showUsers(w, r, sess, http.StatusOK, map[string]any{})
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, data map[string]any) {
	// ?peran= narrows the list to one role; an unknown role lists all.
	filter := spiker.UserFilter{Role: spiker.Role(r.URL.Query().Get("peran"))}
	if filter.Validate() != nil {
		filter.Role = ""
	}
	users, err := s.Users.FindUsers(r.Context(), sess.Actor, filter)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	data["Filter"] = filter
	agencies, err := s.Network.Agencies(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	data["Users"], data["Roles"], data["Agencies"] = users, spiker.Roles, agencies
	data["RegionOptions"] = s.regionOptions()
	data["Saved"] = r.Method == http.MethodGet && r.URL.Query().Get("disimpan") == "1"
	if data["Errors"] == nil {
		data["Errors"] = map[string]string{}
	}
	s.renderStaff(w, r, status, "staff_users.html", sess, data)
}

func formRoles(r *http.Request) []spiker.Role {
	var roles []spiker.Role
	for _, v := range r.PostForm["roles"] {
		roles = append(roles, spiker.Role(v))
	}
	return roles
}

func (s *Server) userAdd(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	// The service checks it all, and an empty region is the admin's own.
	u := &spiker.User{Username: strings.TrimSpace(r.PostFormValue("username")), Roles: formRoles(r),
		RegionCode: strings.TrimSpace(r.PostFormValue("region")), AgencyID: r.PostFormValue("agency")}
	token, err := s.Users.AddUser(r.Context(), sess.Actor, u)
	if spiker.ErrorCode(err) == spiker.EINVALID {
		s.showUsers(w, r, sess, http.StatusUnprocessableEntity, map[string]any{"Errors": spiker.ErrorFields(err), "Message": spiker.ErrorMessage(err)})
		return
	} else if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	// The link is shown once, here, for the admin to hand over. It sets
	// no password: its owner chooses one.
	s.showUsers(w, r, sess, http.StatusOK, map[string]any{"Created": u.Username, "Link": "/staf/daftar?t=" + token})
}

func pathUserID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func (s *Server) afterUserChange(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, err error) {
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/pengguna?disimpan=1", http.StatusSeeOther)
	case spiker.EINVALID:
		s.showUsers(w, r, sess, http.StatusUnprocessableEntity, map[string]any{"Errors": spiker.ErrorFields(err), "Message": spiker.ErrorMessage(err)})
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) userDisable(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterUserChange(w, r, sess, s.Users.SetDisabled(r.Context(), sess.Actor, pathUserID(r), r.PostFormValue("disabled") == "ya"))
}

func (s *Server) userRoles(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Users.SetRoles(r.Context(), sess.Actor, pathUserID(r), formRoles(r), strings.TrimSpace(r.PostFormValue("region")))
	if key := spiker.ErrorFields(err)["roles"]; key != "" {
		// Shown above the list, not beside the form for a new user.
		err = &spiker.Error{Code: spiker.EINVALID, Message: spiker.ErrorMessage(err), Fields: map[string]string{"edit": key}}
	}
	s.afterUserChange(w, r, sess, err)
}

// userReset ends a user's password, key pair and sessions and shows the
// new enrolment link once.
func (s *Server) userReset(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	u, err := s.Users.FindUserByID(r.Context(), pathUserID(r))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	token, err := s.Users.ResetPassword(r.Context(), sess.Actor, u.ID)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	s.showUsers(w, r, sess, http.StatusOK, map[string]any{"Reset": u.Username, "Link": "/staf/daftar?t=" + token})
}

// regionOption is a region a user's scope can be: the regency, a
// kecamatan or a desa, by name.
type regionOption struct{ Code, Name string }

// regionOptions lists the regency, its kecamatan and their desa, for
// choosing a user's scope by name rather than typing a code.
func (s *Server) regionOptions() []regionOption {
	out := []regionOption{{s.RegionCode, s.regionName(s.RegionCode)}}
	for _, k := range s.kecamatan() {
		out = append(out, regionOption{k.Region.Code, "Kec. " + k.Region.Name})
		for _, d := range k.Desa {
			out = append(out, regionOption{d.Code, d.Name + ", " + k.Region.Name})
		}
	}
	return out
}
