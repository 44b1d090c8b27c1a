package spiker

import (
	"math"
	"slices"
	"time"
)

// Work management: how much open work each officer and each team
// (the staff of a kecamatan) carries, from categorical columns and dates
// only. Nothing here names a victim, and nothing is decrypted.

// WorkloadPeriod is the window of the response figures: the reports that
// arrived in the last 30 days (from the start of the office's local day 29
// days ago to now).
const WorkloadPeriod = 30

// The overload rule: an officer is overloaded when their open cases are
// more than OverloadFactor times the median of the officers listed with
// them, and more than OverloadMinimum in any case, so that in a quiet
// kecamatan (everyone holding one or two cases) nobody is flagged for
// holding three.
const (
	OverloadFactor  = 1.5
	OverloadMinimum = 5
)

// WorkloadRoles are the roles whose holders are listed: those who answer
// reports or work cases.
var WorkloadRoles = []Role{RoleKonselorPiket, RoleManajerKasus, RolePendamping, RoleSupervisor}

// WorkFigures are one officer's or one team's figures.
type WorkFigures struct {
	// OpenCases are the cases not closed: for an officer, those they are
	// on (a lasting grant, not a break-glass opening); Managed, of which
	// they are the case manager. For a team, its region's cases;
	// Unmanaged, those with no case manager named yet.
	OpenCases, Managed, Unmanaged int
	// OverduePlan: plan items (rencana) of open cases past the end of
	// their due date with no service of their category recorded since
	// (Case.PlanDeadline). OverdueReferrals: referrals of open cases still
	// sent or accepted past the end of their due date.
	OverduePlan, OverdueReferrals int
	// Responses: reports of the period that were answered; Waiting, those
	// still new and unanswered. ResponseMedian and ResponseP90 are the
	// time from arrival to the first response (zero with no response).
	// An officer's are the reports they answered first.
	Responses, Waiting          int
	ResponseMedian, ResponseP90 time.Duration
	// Steps counts the open cases per workflow step (CaseSteps).
	Steps map[string]int
}

// Overdue is all overdue items.
func (f WorkFigures) Overdue() int { return f.OverduePlan + f.OverdueReferrals }

// StepCounts lists the open cases per step in the standard's order.
func (f WorkFigures) StepCounts() []int {
	out := make([]int, len(CaseSteps))
	for i, s := range CaseSteps {
		out[i] = f.Steps[s]
	}
	return out
}

// OfficerLoad is one officer's figures.
type OfficerLoad struct {
	UserID     int64
	Username   string
	Roles      []Role
	RegionCode string
	WorkFigures
	Overloaded bool
}

// TeamLoad is one team's figures: the staff and cases of one kecamatan
// (or of the regency office itself).
type TeamLoad struct {
	RegionCode string
	Officers   int
	WorkFigures
}

// Workload is the supervisor's view of a region.
type Workload struct {
	RegionCode string
	From, To   time.Time // the period of the response figures
	// Officers, most loaded first (open cases, then overdue items).
	Officers []OfficerLoad
	// Total is the region's; Teams, its kecamatan's (one when the region
	// is a kecamatan).
	Total TeamLoad
	Teams []TeamLoad
	// Median is the median of the officers' open cases; Threshold, the
	// count above which an officer is overloaded (OverloadThreshold).
	Median    float64
	Threshold float64
}

// OverloadThreshold is the number of open cases above which an officer
// among officers holding open is overloaded: OverloadFactor × their
// median, at least OverloadMinimum. It returns the median too.
func OverloadThreshold(open []int) (median, threshold float64) {
	if len(open) > 0 {
		s := slices.Clone(open)
		slices.Sort(s)
		n := len(s)
		if n%2 == 1 {
			median = float64(s[n/2])
		} else {
			median = float64(s[n/2-1]+s[n/2]) / 2
		}
	}
	return median, math.Max(OverloadFactor*median, OverloadMinimum)
}

// SortWorkload marks the overloaded officers and sorts them, most loaded
// first: by open cases, then overdue items, then name.
func (w *Workload) SortWorkload() {
	open := make([]int, len(w.Officers))
	for i, o := range w.Officers {
		open[i] = o.OpenCases
	}
	w.Median, w.Threshold = OverloadThreshold(open)
	for i := range w.Officers {
		w.Officers[i].Overloaded = float64(w.Officers[i].OpenCases) > w.Threshold
	}
	slices.SortStableFunc(w.Officers, func(a, b OfficerLoad) int {
		switch {
		case a.OpenCases != b.OpenCases:
			return b.OpenCases - a.OpenCases
		case a.Overdue() != b.Overdue():
			return b.Overdue() - a.Overdue()
		case a.Username < b.Username:
			return -1
		case a.Username > b.Username:
			return 1
		}
		return 0
	})
}

// Percentile returns the p-th percentile (0 < p ≤ 1) of sorted durations
// by the nearest-rank method: the smallest value with at least p of them
// at or below it. Zero for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// ResponseFigures sets the response figures from the response times.
func (f *WorkFigures) ResponseFigures(took []time.Duration) {
	slices.Sort(took)
	f.Responses = len(took)
	f.ResponseMedian, f.ResponseP90 = Percentile(took, 0.5), Percentile(took, 0.9)
}
