package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
)

// The protection forms of the case page: restitusi and protection orders,
// the structured risk assessment and the safety plan. Each change is the
// case team's (PermCaseWrite and the case key, checked by the store).

// afterProtection redirects back to the case's section, or shows the case
// with the errors beside the form that was sent (protect_form names it).
func (s *Server) afterProtection(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, form, anchor string, err error) {
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/kasus/"+r.PathValue("id")+"#"+anchor, http.StatusSeeOther)
	case spiker.EINVALID:
		errs := spiker.ErrorFields(err)
		if errs == nil {
			errs = map[string]string{}
		}
		errs["protect_form"] = form
		s.showCase(w, r, sess, http.StatusUnprocessableEntity, errs)
	default:
		s.staffError(w, r, sess, err)
	}
}

// parseRupiah reads an amount typed as "25.000.000", "Rp 25,000,000" or
// "25000000": whole rupiah, -1 when it is not a number, 0 when empty.
func parseRupiah(v string) int64 {
	v = strings.NewReplacer("Rp", "", "rp", "", ".", "", ",", "", " ", "").Replace(strings.TrimSpace(v))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// formatRupiah writes an amount the Indonesian way: "Rp 25.000.000".
func formatRupiah(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return "Rp " + b.String()
}

func (s *Server) caseRestitution(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	rest := &spiker.Restitution{ID: r.PostFormValue("target"), RequestedOn: r.PostFormValue("rest_requested_on"),
		AmountRequested: parseRupiah(r.PostFormValue("rest_amount_requested")), DecidedOn: r.PostFormValue("rest_decided_on"),
		AmountDecided: parseRupiah(r.PostFormValue("rest_amount_decided")), Payment: r.PostFormValue("rest_payment"), Notes: r.PostFormValue("rest_notes")}
	err := s.Cases.SaveRestitution(r.Context(), sess.Actor, r.PathValue("id"), rest)
	s.afterProtection(w, r, sess, "restitusi-"+r.PostFormValue("target"), "perlindungan", err)
}

func (s *Server) caseProtectionOrder(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	o := &spiker.ProtectionOrder{ID: r.PostFormValue("target"), Kind: r.PostFormValue("order_kind"), Issuer: r.PostFormValue("order_issuer"),
		StartsOn: r.PostFormValue("order_starts"), EndsOn: r.PostFormValue("order_ends"), Status: r.PostFormValue("order_status"), Notes: r.PostFormValue("order_notes")}
	err := s.Cases.SaveProtectionOrder(r.Context(), sess.Actor, r.PathValue("id"), o)
	s.afterProtection(w, r, sess, "perintah-"+r.PostFormValue("target"), "perlindungan", err)
}

// riskDraft writes answers back for the form: "ya", "tidak", or absent
// when unanswered.
func riskDraft(answers map[string]bool) map[string]string {
	out := map[string]string{}
	for id, yes := range answers {
		out[id] = "tidak"
		if yes {
			out[id] = "ya"
		}
	}
	return out
}

// riskAnswers reads the assessment's yes/no answers; an unanswered
// question is left out (and refused by the domain).
func riskAnswers(r *http.Request) map[string]bool {
	answers := map[string]bool{}
	for _, q := range spiker.RiskQuestions {
		switch r.PostFormValue("risk_" + q.ID) {
		case "ya":
			answers[q.ID] = true
		case "tidak":
			answers[q.ID] = false
		}
	}
	return answers
}

// caseRisk takes the risk assessment in two steps: "Lihat usulan" scores
// the answers and shows the proposal beside them (nothing is saved), then
// the officer accepts it or chooses another level with a reason, and it
// is kept.
func (s *Server) caseRisk(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	a := &spiker.RiskAssessment{Answers: riskAnswers(r), Chosen: r.PostFormValue("risk_chosen"), Reason: r.PostFormValue("risk_reason")}
	if r.PostFormValue("step") == "usul" {
		if len(a.Answers) < len(spiker.RiskQuestions) {
			errs := map[string]string{"protect_form": "risiko"}
			for _, q := range spiker.RiskQuestions {
				if _, ok := a.Answers[q.ID]; !ok {
					errs["risk_"+q.ID] = "risk.err.answer"
				}
			}
			s.showCaseWith(w, r, sess, http.StatusUnprocessableEntity, errs, false, map[string]any{"RiskDraft": riskDraft(a.Answers)})
			return
		}
		proposed, score := spiker.ProposeRisk(a.Answers)
		s.showCaseWith(w, r, sess, http.StatusOK, nil, false, map[string]any{"RiskDraft": riskDraft(a.Answers), "RiskProposed": proposed, "RiskScore": score})
		return
	}
	err := s.Cases.AssessRisk(r.Context(), sess.Actor, r.PathValue("id"), a)
	if spiker.ErrorCode(err) == spiker.EINVALID {
		errs := spiker.ErrorFields(err)
		errs["protect_form"] = "risiko"
		s.showCaseWith(w, r, sess, http.StatusUnprocessableEntity, errs, false, map[string]any{"RiskDraft": riskDraft(a.Answers), "RiskProposed": a.Proposed, "RiskScore": a.Score})
		return
	}
	s.afterProtection(w, r, sess, "risiko", "risiko", err)
}

func (s *Server) caseSafetyPlan(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	p := &spiker.SafetyPlan{SafeContacts: r.PostFormValue("plan_safe_contacts"), SafePlace: r.PostFormValue("plan_safe_place"),
		CodeWord: r.PostFormValue("plan_code_word"), EscapePlan: r.PostFormValue("plan_escape_plan"), KeepReady: r.PostFormValue("plan_keep_ready"),
		MustNotKnow: r.PostFormValue("plan_must_not_know")}
	err := s.Cases.SaveSafetyPlan(r.Context(), sess.Actor, r.PathValue("id"), p)
	s.afterProtection(w, r, sess, "rencana", "rencana-aman", err)
}

// protectionView is what the case page shows of the protections: the
// orders in force (those ending soon marked) and who wrote each version.
type protectionView struct {
	Today   string
	Current []spiker.ProtectionOrder
	Ending  map[string]bool
}

func (s *Server) protectionView(c *spiker.Case) protectionView {
	v := protectionView{Today: s.Clock.Now().In(s.Clock.Zone()).Format("2006-01-02"), Ending: map[string]bool{}}
	for _, o := range c.ProtectionOrders {
		if o.Current(v.Today) {
			v.Current = append(v.Current, o)
			v.Ending[o.ID] = o.EndingSoon(v.Today)
		}
	}
	return v
}
