package spiker

import (
	"context"
	"sort"
	"time"
)

// MinCell is the smallest count shown outside the case team: any cell
// below it is shown as "<5" (DESIGN.md §2.7).
const MinCell = 5

// Suppressed is how a suppressed count is shown, in pages, CSV and JSON.
const Suppressed = "<5"

// StatCell is one labelled count of a table, with what may be shown.
type StatCell struct {
	Label string `json:"label"`
	Count int64  `json:"-"`
	// Shown is the count as text, or "<5"; Hidden says it was suppressed.
	Shown  string `json:"count"`
	Hidden bool   `json:"-"`
}

// StatTable is one dimension's counts with their total.
type StatTable struct {
	Dimension string     `json:"dimension"`
	Cells     []StatCell `json:"cells"`
	Total     StatCell   `json:"total"`
	// Overlapping cells (several violence types per victim) do not add up
	// to the total, so no cell can be worked out from it.
	Overlapping bool `json:"-"`
	// Level is the smallest area the cells count (the regency, a
	// kecamatan or a desa; 0 is the regency); Crossed says that each cell
	// counts people by two or more of their own attributes at once (age
	// group × sex). Together they decide what the back office sees
	// (InternalDisclosure).
	Level   RegionLevel `json:"-"`
	Crossed bool        `json:"-"`
}

// StatLevelOf returns the level of a region code as a table counts it: a
// province or regency (35.24) is LevelRegency.
func StatLevelOf(region string) RegionLevel {
	return max(LevelRegency, Region{Code: region}.Level())
}

// InternalDisclosure is the back office's rule (DESIGN.md §2.7), in one
// place: inside the back office, roles entitled to statistics see a table's
// exact counts when its cells count a regency or a kecamatan, each by one
// attribute of people at a time (cases by month, victims by sex, cases by
// kecamatan, first responses by risk, referrals by agency and outcome).
// A table whose cells are desa (cases by desa), or cross two attributes of
// the same people (age group × sex), could single out a person who is
// known in the village: it stays protected as on the public pages.
func InternalDisclosure(t *StatTable) bool {
	return t.Level < LevelVillage && !t.Crossed
}

// Audience is who a table is shown to.
type Audience int

const (
	// AudiencePublic is the public pages and files: everything below 5
	// suppressed.
	AudiencePublic Audience = iota
	// AudienceInternal is the back office, for roles entitled to
	// statistics.
	AudienceInternal
)

// Disclose sets what the table shows to an audience. Public: Suppress.
// Internal: the exact counts where InternalDisclosure allows them; else a
// desa table is suppressed as on the public pages, against its total
// shown exactly (it is the kecamatan's), and a crossed table with any cell
// hidden is withheld whole ("x"), since its margins (single attributes)
// are shown exactly elsewhere and would otherwise give its small cells
// away by subtraction.
func (t *StatTable) Disclose(a Audience) {
	switch {
	case a == AudienceInternal && InternalDisclosure(t):
		t.showExact()
	case a == AudienceInternal && t.Crossed:
		t.Suppress()
		if t.anyHidden() {
			for i := range t.Cells {
				t.Cells[i].Shown, t.Cells[i].Hidden = Withheld, true
			}
		}
		// The total is the count of the people of the area, shown
		// exactly in the single-attribute tables.
		if t.Level < LevelVillage {
			t.Total.Shown, t.Total.Hidden = itoa(t.Total.Count), false
		}
	case a == AudienceInternal:
		// A desa table inside: its total, the kecamatan's, is shown
		// exactly elsewhere, so the withholding works against it even
		// when it is small.
		t.suppress(true)
	default:
		t.Suppress()
	}
}

// Exact reports whether every count of the table is shown as it is.
func (t *StatTable) Exact() bool {
	return !t.anyHidden() && !t.Total.Hidden
}

func (t *StatTable) showExact() {
	for i := range t.Cells {
		t.Cells[i].Shown, t.Cells[i].Hidden = itoa(t.Cells[i].Count), false
	}
	t.Total.Shown, t.Total.Hidden = itoa(t.Total.Count), false
}

// Withheld is how a count hidden only to protect a small one is shown:
// it is not below 5, so it is not shown as "<5".
const Withheld = "x"

// Suppress hides small counts: every cell and the total below MinCell is
// shown as "<5". Where the total is shown, further cells are withheld
// ("x", smallest first) until no hidden value can be worked out from the
// total and the shown cells (complementary suppression); if even that
// cannot do it, every hidden cell is shown as "x", so that a reader knows
// only their sum.
func (t *StatTable) Suppress() { t.suppress(false) }

// suppress is Suppress; totalKnown says the reader knows the total exactly
// from elsewhere (a desa table's kecamatan total, exact inside), so that
// the complementary withholding works against it even when it is small.
func (t *StatTable) suppress(totalKnown bool) {
	for i := range t.Cells {
		t.Cells[i].Shown, t.Cells[i].Hidden = itoa(t.Cells[i].Count), false
		if t.Cells[i].Count < MinCell {
			t.Cells[i].Shown, t.Cells[i].Hidden = Suppressed, true
		}
	}
	t.Total.Shown, t.Total.Hidden = itoa(t.Total.Count), t.Total.Count < MinCell
	if t.Total.Hidden {
		t.Total.Shown = Suppressed
	}
	if totalKnown {
		t.Total.Shown, t.Total.Hidden = itoa(t.Total.Count), false
	}
	if t.Total.Hidden || t.Overlapping || !t.anyHidden() {
		return
	}
	for t.Derivable() {
		idx := -1
		for i, c := range t.Cells {
			if !c.Hidden && (idx < 0 || c.Count < t.Cells[idx].Count) {
				idx = i
			}
		}
		if idx < 0 {
			for i := range t.Cells {
				t.Cells[i].Shown = Withheld
			}
			return
		}
		t.Cells[idx].Shown, t.Cells[idx].Hidden = Withheld, true
	}
}

func (t *StatTable) anyHidden() bool {
	for _, c := range t.Cells {
		if c.Hidden {
			return true
		}
	}
	return false
}

// Derivable reports whether a reader who sees the table could work out a
// hidden cell exactly, knowing that the total is the sum of the cells, a
// "<5" cell lies in 0..4 and an "x" cell, withheld though not small, in
// 5.. (or, when every hidden cell is an "x" of a table with nothing "<5",
// in 0..).
func (t *StatTable) Derivable() bool {
	if t.Total.Hidden {
		return false
	}
	const inf = int64(1) << 50
	sum := t.Total.Count
	type bound struct{ lo, hi int64 }
	var hidden []bound
	onlyX := true
	for _, c := range t.Cells {
		if c.Hidden && c.Shown == Suppressed {
			onlyX = false
		}
	}
	for _, c := range t.Cells {
		switch {
		case !c.Hidden:
			sum -= c.Count
		case c.Shown == Suppressed:
			hidden = append(hidden, bound{0, MinCell - 1})
		case onlyX:
			hidden = append(hidden, bound{0, inf})
		default:
			hidden = append(hidden, bound{MinCell, inf})
		}
	}
	for i, b := range hidden {
		var loOthers, hiOthers int64
		for j, o := range hidden {
			if j != i {
				loOthers += o.lo
				hiOthers = min(inf, hiOthers+o.hi)
			}
		}
		lo, hi := max(b.lo, sum-hiOthers), min(b.hi, sum-loOthers)
		if lo >= hi {
			return true
		}
	}
	return false
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Table builds a suppressed table from counts, in the order of labels
// (then any other label found, sorted), with the given total.
func Table(dimension string, counts map[string]int64, labels []string, total int64) StatTable {
	t := StatTable{Dimension: dimension, Total: StatCell{Label: "Total", Count: total}}
	seen := map[string]bool{}
	for _, l := range labels {
		t.Cells = append(t.Cells, StatCell{Label: l, Count: counts[l]})
		seen[l] = true
	}
	var rest []string
	for l := range counts {
		if !seen[l] {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	for _, l := range rest {
		t.Cells = append(t.Cells, StatCell{Label: l, Count: counts[l]})
	}
	t.Suppress()
	return t
}

// OverlappingTable is Table for a dimension with several values per
// person, whose cells do not add up to the total.
func OverlappingTable(dimension string, counts map[string]int64, labels []string, total int64) StatTable {
	t := Table(dimension, counts, labels, total)
	t.Overlapping = true
	t.Suppress()
	return t
}

// StatsFilter chooses the months (YYYY-MM, inclusive) and the region.
type StatsFilter struct {
	From, To string
	Region   string // a code inside the actor's region; "" is all of it
}

// Validate checks the months and the period's length.
func (f *StatsFilter) Validate() error {
	from, err1 := time.Parse("2006-01", f.From)
	to, err2 := time.Parse("2006-01", f.To)
	if err1 != nil || err2 != nil || to.Before(from) || to.Sub(from) > 5*366*24*time.Hour {
		return &Error{Code: EINVALID, Message: "choose a period of months, at most five years", Fields: map[string]string{"period": "stats.err.period"}}
	}
	if f.Region != "" && !ValidRegionCodeSyntax(f.Region) {
		return &Error{Code: EINVALID, Message: "choose a region", Fields: map[string]string{"region": "staff.err.choose"}}
	}
	return nil
}

// Dashboard is the statistics of a period and region, every table already
// disclosed by InternalDisclosure. Counts are of cases (reports that became cases) and of their
// victims; never of unverified reports.
type Dashboard struct {
	Filter   StatsFilter
	Tables   []StatTable
	Months   StatTable // cases by month
	Regions  StatTable // cases by kecamatan (or every desa of a kecamatan, for supervisors)
	Response []ResponseStat
	Breaches StatTable
	Referral []ReferralStat
	// Status is the open and closed cases (raw counts stay inside).
	Status StatTable
	Closed int64 `json:"-"`
	Open   int64 `json:"-"`
	// AvgDays is the average duration of closed cases, in days; -1 when
	// too few cases closed to publish it.
	AvgDays float64
}

// ResponseStat is the time to first response and compliance for one risk
// level ("" before identification).
type ResponseStat struct {
	Risk       string
	Responses  StatCell
	Within     StatCell
	Late       StatCell
	AvgMinutes float64 // -1 when suppressed
}

// ReferralStat is one agency's referrals by outcome.
type ReferralStat struct {
	Agency string
	Table  StatTable
}

// PublicStats is what the public page publishes, suppressed.
type PublicStats struct {
	Updated time.Time     `json:"updated"`
	Region  string        `json:"region"`
	Months  []PublicMonth `json:"months"`
}

// PublicMonth is one month's cases by violence type, age group and kecamatan.
type PublicMonth struct {
	Month     string    `json:"month"`
	Cases     StatCell  `json:"cases"`
	Types     StatTable `json:"jenis_kekerasan"`
	AgeGroups StatTable `json:"kelompok_umur"`
	Kecamatan StatTable `json:"kecamatan"`
}

// Statistics is the counts: the dashboards and the SIMFONI-PPA register with its identity grants.
type Statistics interface {
	// Stats answers the dashboards and the public figures from summary
	// counts kept in the same transactions as the changes they count.

	Dashboard(ctx context.Context, actor *Actor, f StatsFilter) (*Dashboard, error)
	// ExportDashboard is Dashboard for a download of its tables (table
	// names one, "" all; format is "csv" or "xlsx"): the same figures under
	// the same rule, and the download goes to the audit log.
	ExportDashboard(ctx context.Context, actor *Actor, f StatsFilter, table, format string) (*Dashboard, error)
	// PublicStats is the open-data page: regency-wide monthly figures.
	// kecamatan lists the regency's kecamatan codes, so that each appears.
	PublicStats(ctx context.Context, months int, region string, kecamatan []string) (*PublicStats, error)

	// Register gives the SIMFONI-PPA register and the identity-export
	// grants.

	// Register exports a period and region. Identities are filled for the
	// cases whose key the actor holds when the actor may read them (a
	// supervisor), or from grantID: the actor's approved, unused, unexpired
	// grant for exactly this period and region, which the download uses up.
	Register(ctx context.Context, actor *Actor, f StatsFilter, grantID string) (*Register, error)
	RequestIdentityExport(ctx context.Context, actor *Actor, f StatsFilter, reason string) (*RegisterGrant, error)
	// DecideIdentityExport approves (sealing the identities the approver
	// holds to the requester) or refuses a request; never the requester's.
	DecideIdentityExport(ctx context.Context, actor *Actor, id string, approve bool) error
	// IdentityGrants lists the requests the actor made or may decide.
	IdentityGrants(ctx context.Context, actor *Actor) ([]RegisterGrant, error)

	MonthlyReports
}
