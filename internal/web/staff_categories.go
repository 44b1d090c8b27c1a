package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
)

// categoryList is the administrator's page of the office's own case
// categories ("kategori lokal"): add, rename, re-label, deactivate.
func (s *Server) categoryList(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showCategories(w, r, sess, http.StatusOK, nil, nil, r.URL.Query().Get("disimpan") == "ya")
}

func (s *Server) showCategories(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, form *spiker.OfficeCategory, saved bool) {
	list, err := s.Network.OfficeCategories(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	if form == nil {
		form = &spiker.OfficeCategory{}
	}
	s.renderStaff(w, r, status, "staff_categories.html", sess, map[string]any{
		"Categories": list, "Errors": errs, "F": form, "Types": spiker.JenisKekerasan, "Saved": saved,
	})
}

// categorySave adds a category (POST /staf/kategori) or changes one (POST
// /staf/kategori/{id}).
func (s *Server) categorySave(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	c := &spiker.OfficeCategory{ID: r.PathValue("id"), Name: strings.TrimSpace(r.PostFormValue("name")),
		SimfoniType: r.PostFormValue("simfoni"), Active: r.PostFormValue("active") != "tidak"}
	err := s.Network.SaveOfficeCategory(r.Context(), sess.Actor, c)
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/kategori?disimpan=ya", http.StatusSeeOther)
	case spiker.EINVALID:
		s.showCategories(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err), c, false)
	default:
		s.staffError(w, r, sess, err)
	}
}

// ampkOption is one AMPK category: the exact label stored, and the catalog
// key of its text in the page's language.
type ampkOption struct{ Label, Key string }

var ampkOptions = func() []ampkOption {
	out := make([]ampkOption, len(spiker.AMPKCategories))
	for i, l := range spiker.AMPKCategories {
		out[i] = ampkOption{Label: l, Key: "ampk." + strconv.Itoa(i+1)}
	}
	return out
}()

// ampkKey returns the catalog key of an AMPK label, or "" for none.
func ampkKey(label string) string {
	for _, o := range ampkOptions {
		if o.Label == label {
			return o.Key
		}
	}
	return ""
}
