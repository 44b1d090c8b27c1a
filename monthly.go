package spiker

import (
	"context"
	"time"
)

// TrendMonths is how many months before the report's month its trend shows:
// twelve, so that the same month last year is the trend's first.
const TrendMonths = 12

// MonthlyReport is the monthly report to the Bupati and the DPRD: the
// dashboard of one month and region, with the trend of the months before.
// Every figure is taken from Dashboard (never counted a second time), so the
// report always says what the dashboard says for the same period and region.
type MonthlyReport struct {
	Month  string `json:"month"`  // YYYY-MM
	Region string `json:"region"` // regency or kecamatan code
	// Dashboard is the month's dashboard.
	Dashboard *Dashboard `json:"dashboard"`
	// Trend is cases by month, from the same month last year to Month
	// (TrendMonths+1 cells), from the dashboard of those months.
	Trend StatTable `json:"trend"`
	// GeneratedAt is when the figures were taken; Stored says they come
	// from the report generated on the first working day, not just now.
	GeneratedAt time.Time `json:"generated_at"`
	Stored      bool      `json:"-"`
}

// LastYear is the same month a year before, as the trend shows it.
func (m *MonthlyReport) LastYear() StatCell { return m.Trend.Cells[0] }

// ThisMonth is the month's cases as the month's dashboard shows them (the
// trend's cell for it may be withheld to protect a smaller month).
func (m *MonthlyReport) ThisMonth() StatCell { return m.Dashboard.Months.Total }

// Table returns the dashboard's table of a dimension (empty when absent).
func (m *MonthlyReport) Table(dimension string) StatTable {
	for _, t := range m.Dashboard.Tables {
		if t.Dimension == dimension {
			return t
		}
	}
	return StatTable{Dimension: dimension}
}

// ValidMonth checks a YYYY-MM month of the report.
func ValidMonth(month string) error {
	if _, err := time.Parse("2006-01", month); err != nil {
		return &Error{Code: EINVALID, Message: "choose a month", Fields: map[string]string{"month": "stats.err.month"}}
	}
	return nil
}

// AddMonths moves a YYYY-MM month by n months.
func AddMonths(month string, n int) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return t.AddDate(0, n, 0).Format("2006-01")
}

// MonthlyReports gives the monthly report.
type MonthlyReports interface {
	// MonthlyReport is the report of a month and a region (the regency
	// or a kecamatan): the one generated on the first working day when
	// there is one, else taken now from the dashboard; audited.
	MonthlyReport(ctx context.Context, actor *Actor, month, region string) (*MonthlyReport, error)
}

// BuildMonthlyReport takes a month's report from dashboard, which is the
// Statistics' Dashboard for the one who asks: the month's own, and the
// trend's months.
func BuildMonthlyReport(ctx context.Context, dashboard func(context.Context, StatsFilter) (*Dashboard, error), month, region string) (*MonthlyReport, error) {
	if err := ValidMonth(month); err != nil {
		return nil, err
	}
	d, err := dashboard(ctx, StatsFilter{From: month, To: month, Region: region})
	if err != nil {
		return nil, err
	}
	trend, err := dashboard(ctx, StatsFilter{From: AddMonths(month, -TrendMonths), To: month, Region: region})
	if err != nil {
		return nil, err
	}
	return &MonthlyReport{Month: month, Region: d.Filter.Region, Dashboard: d, Trend: trend.Months}, nil
}

// FirstWorkingDay is the first day of a month (any time in it, read in
// zone) that is Monday to Friday and not a holiday (YYYY-MM-DD).
func FirstWorkingDay(t time.Time, zone *time.Location, holidays map[string]bool) time.Time {
	l := t.In(zone)
	d := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone)
	for {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && !holidays[d.Format(time.DateOnly)] {
			return d
		}
		d = d.AddDate(0, 0, 1)
	}
}

// AlertMonthlyReport: the monthly report of the month before is ready; the
// alert links to it and never carries its figures.
const AlertMonthlyReport = "monthly_report"
