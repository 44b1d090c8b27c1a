package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

// auditPage is the audit search (PermAudit): who did what to which record,
// when and why, by user, record, action and period, newest first with
// keyset pagination ("sebelum" is the number of the last entry shown). The
// search is itself audited.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	q := r.URL.Query()
	form := map[string]string{"pengguna": strings.TrimSpace(q.Get("pengguna")), "catatan": strings.TrimSpace(q.Get("catatan")),
		"tindakan": strings.TrimSpace(q.Get("tindakan")), "dari": q.Get("dari"), "sampai": q.Get("sampai")}
	f := spiker.AuditFilter{Actor: form["pengguna"], Action: form["tindakan"], Limit: 50}
	f.RecordKind, f.RecordID, _ = strings.Cut(form["catatan"], "/")
	f.Before, _ = strconv.ParseInt(q.Get("sebelum"), 10, 64)
	errs := map[string]string{}
	zone := s.Clock.Zone()
	if v := form["dari"]; v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, zone)
		if err != nil {
			errs["period"] = "audit.err.date"
		}
		f.From = d
	}
	if v := form["sampai"]; v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, zone)
		if err != nil {
			errs["period"] = "audit.err.date"
		}
		f.To = d.AddDate(0, 0, 1)
	}
	var entries []spiker.AuditEntry
	if len(errs) == 0 {
		var err error
		if entries, err = s.Audit.FindAudit(r.Context(), sess.Actor, f); err != nil {
			s.staffError(w, r, sess, err)
			return
		}
	}
	next := ""
	if len(entries) == f.Limit {
		v := r.URL.Query()
		v.Set("sebelum", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		next = "/staf/audit?" + v.Encode()
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.renderStaff(w, r, status, "staff_audit.html", sess, map[string]any{
		"F": form, "Entries": entries, "Next": next, "First": f.Before > 0, "Errors": errs,
	})
}
