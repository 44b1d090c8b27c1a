package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

// workFigures are one row's figures as the page writes them.
type workFigures struct {
	spiker.WorkFigures
	Median, P90 string // "—" with no response
	Steps       []int  // per step, in CaseSteps order
	StepText    string // the steps that hold cases, "identifikasi 5 · asesmen 1"
}

func makeWorkFigures(p locale.Printer, f spiker.WorkFigures, stepName func(string) string) workFigures {
	w := workFigures{WorkFigures: f, Median: "—", P90: "—", Steps: f.StepCounts()}
	if f.Responses > 0 {
		w.Median, w.P90 = duration(p, f.ResponseMedian), duration(p, f.ResponseP90)
	}
	var parts []string
	for i, n := range w.Steps {
		if n > 0 {
			parts = append(parts, stepName(spiker.CaseSteps[i])+" "+strconv.Itoa(n))
		}
	}
	w.StepText = strings.Join(parts, " · ")
	return w
}

// duration writes a response time compactly: minutes under two hours,
// then hours and minutes, then days.
func duration(p locale.Printer, d time.Duration) string {
	switch {
	case d < time.Minute:
		return p.Text("age.under_minute")
	case d < 2*time.Hour:
		return p.Text("age.minutes", strconv.Itoa(int(d.Minutes())))
	case d < 48*time.Hour:
		return p.Text("work.hours_minutes", strconv.Itoa(int(d.Hours())), strconv.Itoa(int(d.Minutes())%60))
	}
	return p.Text("age.days", strconv.Itoa(int(d.Hours()/24)))
}

func (s *Server) stepNamer(p locale.Printer) func(string) string {
	return func(st string) string { return p.Text("case.step." + strings.ReplaceAll(st, " ", "_")) }
}

// workloadPage is the supervisor's view of who is overloaded: the
// officers of their region (or of one kecamatan in it) with their open
// cases, overdue items and response times, most loaded first, and the
// teams' figures.
func (s *Server) workloadPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	region := r.URL.Query().Get("wilayah")
	wl, err := s.Cases.Workload(r.Context(), sess.Actor, region)
	if spiker.ErrorCode(err) == spiker.EINVALID {
		// A kecamatan code of the region that the directory does not know.
		s.renderStaff(w, r, http.StatusUnprocessableEntity, "staff_error.html", sess, map[string]any{"MessageKey": spiker.ErrorFields(err)["wilayah"]})
		return
	}
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	p := locale.Printer{Lang: locale.Match(r.Header.Get("Accept-Language"))}
	name := s.stepNamer(p)
	type officerRow struct {
		spiker.OfficerLoad
		F      workFigures
		Region string
		Roles  []string
	}
	type teamRow struct {
		spiker.TeamLoad
		F      workFigures
		Region string
	}
	var officers []officerRow
	for _, o := range wl.Officers {
		row := officerRow{OfficerLoad: o, F: makeWorkFigures(p, o.WorkFigures, name), Region: s.regionName(o.RegionCode)}
		for _, role := range o.Roles {
			row.Roles = append(row.Roles, p.Text("roles."+string(role)))
		}
		officers = append(officers, row)
	}
	var teams []teamRow
	for _, t := range wl.Teams {
		row := teamRow{TeamLoad: t, F: makeWorkFigures(p, t.WorkFigures, name), Region: s.regionName(t.RegionCode)}
		if spiker.KecamatanOf(t.RegionCode) == "" {
			// The regency's own staff, apart from its kecamatan of the
			// same name.
			row.Region = p.Text("work.office", row.Region)
		}
		teams = append(teams, row)
	}
	// A regency's supervisor may look at one kecamatan at a time.
	var choices []kecamatanOption
	if spiker.KecamatanOf(sess.Actor.RegionCode) == "" {
		for _, k := range s.kecamatan() {
			if spiker.RegionContains(sess.Actor.RegionCode, k.Region.Code) {
				choices = append(choices, k)
			}
		}
	}
	var steps []string
	for _, st := range spiker.CaseSteps {
		steps = append(steps, name(st))
	}
	s.renderStaff(w, r, http.StatusOK, "staff_workload.html", sess, map[string]any{
		"W": wl, "Officers": officers, "Teams": teams, "Total": teamRow{TeamLoad: wl.Total, F: makeWorkFigures(p, wl.Total.WorkFigures, name)},
		"Region": s.regionName(wl.RegionCode), "Choices": choices, "Chosen": region, "Steps": steps,
		"Factor":  strings.Replace(strconv.FormatFloat(spiker.OverloadFactor, 'f', -1, 64), ".", p.Text("work.decimal"), 1),
		"Minimum": spiker.OverloadMinimum, "Median": strings.Replace(strconv.FormatFloat(wl.Median, 'f', -1, 64), ".", p.Text("work.decimal"), 1),
		"Threshold": strings.Replace(strconv.FormatFloat(wl.Threshold, 'f', -1, 64), ".", p.Text("work.decimal"), 1),
		"Days":      spiker.WorkloadPeriod,
	})
}

// myWorkloadData adds to a page's data the summary of the actor's own
// work (part_workload.html), for those who answer reports or work cases.
func (s *Server) myWorkloadData(r *http.Request, sess *spiker.StaffSession, data map[string]any) error {
	if s.Cases == nil || !slices.ContainsFunc(sess.Actor.Roles, func(role spiker.Role) bool { return slices.Contains(spiker.WorkloadRoles, role) }) {
		return nil
	}
	mine, err := s.Cases.MyWorkload(r.Context(), sess.Actor)
	if err != nil || mine == nil {
		return err
	}
	p := locale.Printer{Lang: locale.Match(r.Header.Get("Accept-Language"))}
	f := makeWorkFigures(p, mine.WorkFigures, s.stepNamer(p))
	data["Mine"], data["Days"], data["CanWorkload"] = &f, spiker.WorkloadPeriod, sess.Actor.Can(spiker.PermCaseAssign)
	return nil
}
