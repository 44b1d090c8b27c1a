package web

import (
	"net/http"
	"time"

	"github.com/spikerperak/spiker"
)

// The KSBE takedown tracker on the case page: items (where the content
// is, the evidence hashes, the outcome) and the requests sent for them.
// Each change is the case team's or a supervisor's of the region
// (PermCaseWrite and the case key, checked by the store).

// localMinute is the form format of a datetime-local input.
const localMinute = "2006-01-02T15:04"

// takedownView is what the case page shows of the requests' clocks.
type takedownView struct {
	State map[string]string    // request id: ok, amber, red, done
	Due   map[string]time.Time // request id: when the addressee must have acted
	Open  int                  // requests still waiting
	Worst string               // the most urgent state of those: ok, amber or red
}

func (s *Server) takedownView(c *spiker.Case) takedownView {
	v := takedownView{State: map[string]string{}, Due: map[string]time.Time{}, Worst: spiker.LimitOK}
	rank := map[string]int{spiker.LimitOK: 0, spiker.LimitAmber: 1, spiker.LimitRed: 2}
	now := s.Clock.Now()
	for _, t := range c.Takedowns {
		for _, q := range t.Requests {
			if c.Status == spiker.CaseClosed {
				q.ItemDone = true
			}
			d := q.Deadline()
			v.State[q.ID], v.Due[q.ID] = d.State(now), d.Due
			if !d.Done {
				v.Open++
				if rank[v.State[q.ID]] > rank[v.Worst] {
					v.Worst = v.State[q.ID]
				}
			}
		}
	}
	return v
}

// takedownData is the page data the tracker's forms need.
func (s *Server) takedownData() map[string]any {
	return map[string]any{
		"TD": map[string]any{"Platforms": spiker.TakedownPlatforms, "Statuses": spiker.TakedownStatuses, "To": spiker.TakedownAddressees,
			"RequestStatuses": spiker.TakedownRequestStatuses, "Limit": int(spiker.TakedownLimit / time.Hour)},
		"NewTakedown": &spiker.Takedown{Status: spiker.TakedownOpen},
		"NewRequest":  &spiker.TakedownRequest{Status: spiker.RequestSent},
		// A new request's draft goes back to its own item's form only.
		"BlankRequest": &spiker.TakedownRequest{Status: spiker.RequestSent},
		"NowLocal":     s.Clock.Local().Format(localMinute),
	}
}

// afterTakedown redirects back to the tracker, or shows the case with the
// errors beside the form that was sent and, for a new record, what was
// typed.
func (s *Server) afterTakedown(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, form string, draft map[string]any, err error) {
	if spiker.ErrorCode(err) != spiker.EINVALID {
		s.afterProtection(w, r, sess, form, "ksbe", err)
		return
	}
	errs := spiker.ErrorFields(err)
	if errs == nil {
		errs = map[string]string{}
	}
	errs["protect_form"] = form
	s.showCaseWith(w, r, sess, http.StatusUnprocessableEntity, errs, false, draft)
}

func (s *Server) caseTakedown(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	if err := r.ParseForm(); err != nil {
		s.staffError(w, r, sess, spiker.Errorf(spiker.EINVALID, "bad form"))
		return
	}
	t := &spiker.Takedown{ID: r.PostFormValue("target"), Platform: r.PostFormValue("td_platform"), URL: r.PostFormValue("td_url"),
		FileIDs: r.PostForm["td_files"], EnteredHash: r.PostFormValue("td_hash"), Status: r.PostFormValue("td_status"),
		OutcomeOn: r.PostFormValue("td_outcome_on"), Outcome: r.PostFormValue("td_outcome")}
	err := s.Cases.SaveTakedown(r.Context(), sess.Actor, r.PathValue("id"), t)
	var draft map[string]any
	if t.ID == "" {
		draft = map[string]any{"NewTakedown": t}
	}
	s.afterTakedown(w, r, sess, "ksbe-"+t.ID, draft, err)
}

func (s *Server) caseTakedownRequest(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	q := &spiker.TakedownRequest{ID: r.PostFormValue("target"), TakedownID: r.PostFormValue("item"), To: r.PostFormValue("tr_to"),
		Reference: r.PostFormValue("tr_reference"), Status: r.PostFormValue("tr_status"), OutcomeOn: r.PostFormValue("tr_outcome_on")}
	sent := r.PostFormValue("tr_sent_at")
	if at, err := time.ParseInLocation(localMinute, sent, s.Clock.Zone()); err == nil {
		q.SentAt = at.UTC()
	}
	err := s.Cases.SaveTakedownRequest(r.Context(), sess.Actor, r.PathValue("id"), q)
	var draft map[string]any
	if q.ID == "" {
		draft = map[string]any{"NewRequest": q, "TRSent": sent}
	}
	s.afterTakedown(w, r, sess, "ksbe-req-"+q.TakedownID+"-"+q.ID, draft, err)
}
