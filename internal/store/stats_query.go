package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// StatsService answers the dashboards and the public page from the summary
// counts.
type StatsService struct{ *Store }

// statRows sums the counts of a period and region by dimension and value.
func statRows(ctx context.Context, tx *sqldb.Tx, from, to, region string) (map[string]map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT dimension, value, SUM(n) FROM stats_counts
		WHERE region_code = $3 AND month >= $1 AND month <= $2 GROUP BY dimension, value`,
		from, to, region)
	type sum struct {
		dimension, value string
		n                int64
	}
	sums, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (s sum, err error) { return s, rows.Scan(&s.dimension, &s.value, &s.n) })
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int64{}
	for _, s := range sums {
		if out[s.dimension] == nil {
			out[s.dimension] = map[string]int64{}
		}
		out[s.dimension][s.value] = s.n
	}
	return out, nil
}

// groupedCases sums the case counts of a period and region by month, or by
// the first width characters of the region code (8: kecamatan, 13: desa).
func groupedCases(ctx context.Context, tx *sqldb.Tx, from, to, region, by string, width int) (map[string]int64, error) {
	q := `SELECT month, SUM(n) FROM stats_counts WHERE dimension = 'kasus' AND month >= $1 AND month <= $2 AND region_code = $3 GROUP BY month`
	args := []any{from, to, region}
	if by == "region" {
		// The regions one level down (kecamatan: 8 characters, desa: 13),
		// each with its own rows.
		q = `SELECT region_code, SUM(n) FROM stats_counts WHERE dimension = 'kasus' AND month >= $1 AND month <= $2
			AND region_code LIKE $3 AND LENGTH(region_code) = ` + map[int]string{8: "8", 13: "13"}[width] + ` GROUP BY region_code`
		args = []any{from, to, region + ".%"}
	}
	rows, err := tx.Query(ctx, q, args...)
	return countsByKey(rows, err)
}

// monthsBetween lists the months from..to.
func monthsBetween(from, to string) []string {
	f, _ := time.Parse("2006-01", from)
	t, _ := time.Parse("2006-01", to)
	var out []string
	for m := f; !m.After(t); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// Dashboard computes the statistics of a period and region (the regency or
// a kecamatan) for a role that may see them, every table disclosed by
// spiker.InternalDisclosure: exact at regency and kecamatan level; the
// desa-level table (supervisors only) suppressed as on the public page.
func (s StatsService) Dashboard(ctx context.Context, actor *spiker.Actor, f spiker.StatsFilter) (*spiker.Dashboard, error) {
	if err := spiker.Authorize(actor, spiker.PermStats, spiker.Scope{}); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Region == "" {
		f.Region = actor.RegionCode
	}
	if err := spiker.Authorize(actor, spiker.PermStats, spiker.Scope{RegionCode: f.Region}); err != nil {
		return nil, err
	}
	level := spiker.StatLevelOf(f.Region)
	if level >= spiker.LevelVillage {
		// A desa's own dashboard would publish its figures next to the
		// kecamatan's exact ones, and give away by subtraction what the
		// cases-by-desa table withholds.
		return nil, &spiker.Error{Code: spiker.EINVALID, Message: "choose the regency or a kecamatan",
			Fields: map[string]string{"region": "stats.err.region_level"}}
	}
	// Every table is shown by the back office's rule, at its level.
	disclose := func(t spiker.StatTable, level spiker.RegionLevel) spiker.StatTable {
		t.Level = level
		t.Disclose(spiker.AudienceInternal)
		return t
	}
	d := &spiker.Dashboard{Filter: f}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		c, err := statRows(ctx, tx, f.From, f.To, f.Region)
		if err != nil {
			return err
		}
		cases, victims := c[statCases][all], c[statVictims][all]
		for _, t := range []struct {
			dim    string
			labels []string
			total  int64
		}{
			{statType, spiker.JenisKekerasan, victims},
			{statSexualForm, spiker.BentukKekerasanSeksual, victims},
			{statAge, spiker.KelompokUmurKorban, victims},
			{statSex, spiker.JenisKelamin, victims},
			{statPlace, spiker.TempatKejadian, victims},
			{statRelation, spiker.HubunganPelaku, sum(c[statRelation])},
			{statService, append(append([]string{}, spiker.JenisLayanan...), spiker.FungsiUPTD...), sum(c[statService])},
			{statChannel, channelLabels(), cases},
			{statDisability, []string{"Ya", "Tidak"}, victims},
		} {
			if t.dim == statType || t.dim == statSexualForm {
				d.Tables = append(d.Tables, disclose(spiker.OverlappingTable(t.dim, c[t.dim], t.labels, t.total), level))
				continue
			}
			d.Tables = append(d.Tables, disclose(spiker.Table(t.dim, c[t.dim], t.labels, t.total), level))
		}
		byMonth, err := groupedCases(ctx, tx, f.From, f.To, f.Region, "month", 0)
		if err != nil {
			return err
		}
		d.Months = disclose(spiker.Table("bulan", byMonth, monthsBetween(f.From, f.To), cases), level)
		width, regionLevel := 8, spiker.LevelDistrict
		if actor.HasRole(spiker.RoleSupervisor) && level == spiker.LevelDistrict {
			// A supervisor looking at a kecamatan sees its desa, protected.
			width, regionLevel = 13, spiker.LevelVillage
		}
		byRegion, err := groupedCases(ctx, tx, f.From, f.To, f.Region, "region", width)
		if err != nil {
			return err
		}
		// Every region one level down is listed, those without cases too:
		// a desa table of only the desa with cases would give away, next
		// to the kecamatan's exact total, what its suppression hides.
		var labels []string
		if s.Regions != nil && level == regionLevel-1 {
			for _, r := range s.Regions.Children(f.Region) {
				labels = append(labels, r.Code)
			}
		}
		d.Regions = disclose(spiker.Table("wilayah", byRegion, labels, cases), regionLevel)

		// Time to first response and compliance, by risk.
		for _, risk := range []string{"tinggi", "sedang", "rendah", "belum"} {
			in, late := c[statResponse][risk+":dalam"], c[statResponse][risk+":lewat"]
			t := disclose(spiker.Table("respon", map[string]int64{"dalam": in, "lewat": late}, []string{"dalam", "lewat"}, in+late), level)
			r := spiker.ResponseStat{Risk: risk, Responses: t.Total, Within: t.Cells[0], Late: t.Cells[1], AvgMinutes: -1}
			if in+late >= minForAverage(t) {
				r.AvgMinutes = float64(c[statRespMin][risk]) / float64(in+late)
			}
			d.Response = append(d.Response, r)
		}
		breaches, err := breachCounts(ctx, tx, f, s.zone())
		if err != nil {
			return err
		}
		d.Breaches = disclose(spiker.Table("pelanggaran", breaches, []string{spiker.ClockFirstResponse, spiker.ClockRisk, spiker.ClockTPKS,
			spiker.ClockReferral, spiker.ClockPlan, spiker.ClockPDP, spiker.ClockTakedown}, sum(breaches)), level)

		// Referrals by agency and outcome.
		byAgency := map[string]map[string]int64{}
		for v, n := range c[statReferral] {
			agency, status, _ := strings.Cut(v, ":")
			if byAgency[agency] == nil {
				byAgency[agency] = map[string]int64{}
			}
			byAgency[agency][status] += n
		}
		names, err := agencyNames(ctx, tx)
		if err != nil {
			return err
		}
		for agency, counts := range byAgency {
			name := names[agency]
			if name == "" {
				name = agency
			}
			d.Referral = append(d.Referral, spiker.ReferralStat{Agency: name, Table: disclose(spiker.Table("rujukan", counts,
				[]string{spiker.ReferralSent, spiker.ReferralDone, spiker.ReferralDeclined, spiker.ReferralWithdrawn}, counts[spiker.ReferralSent]), level)})
		}
		d.Closed, d.Open, d.AvgDays = c[statClosed][all], cases-c[statClosed][all], -1
		d.Status = disclose(spiker.Table("status", map[string]int64{"terbuka": d.Open, "ditutup": d.Closed}, []string{"terbuka", "ditutup"}, cases), level)
		if d.Closed >= minForAverage(d.Status) {
			d.AvgDays = float64(c[statDays][all]) / float64(d.Closed)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// kindStatistics is the audit log's record kind of a dashboard download.
const kindStatistics = "statistics"

// ExportDashboard answers a download of the dashboard's tables: Dashboard's
// figures, with the download in the audit log.
func (s StatsService) ExportDashboard(ctx context.Context, actor *spiker.Actor, f spiker.StatsFilter, table, format string) (*spiker.Dashboard, error) {
	d, err := s.Dashboard(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	if table == "" {
		table = "semua"
	}
	if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		return s.audit(ctx, tx, actor, "stats.export", kindStatistics, d.Filter.From+".."+d.Filter.To+" "+d.Filter.Region, table+"."+format)
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// minForAverage is the fewest counted items whose average may be shown:
// one where the table's counts are shown exactly, else MinCell.
func minForAverage(t spiker.StatTable) int64 {
	if t.Exact() {
		return 1
	}
	return spiker.MinCell
}

func sum(m map[string]int64) int64 {
	var t int64
	for _, n := range m {
		t += n
	}
	return t
}

func channelLabels() []string {
	var out []string
	for _, c := range spiker.ReportChannels {
		out = append(out, string(c))
	}
	return out
}

// breachCounts counts the breaches of a period (by due date) and region.
func breachCounts(ctx context.Context, tx *sqldb.Tx, f spiker.StatsFilter, zone *time.Location) (map[string]int64, error) {
	from, _ := time.ParseInLocation("2006-01", f.From, zone)
	to, _ := time.ParseInLocation("2006-01", f.To, zone)
	rows, err := tx.Query(ctx, `SELECT clock, COUNT(*) FROM clock_breaches WHERE due_at >= $1 AND due_at < $2
		AND (region_code = $3 OR region_code LIKE $4) GROUP BY clock`, from.UTC(), to.AddDate(0, 1, 0).UTC(), f.Region, f.Region+".%")
	return countsByKey(rows, err)
}

// countsByKey reads rows of a key and a count into a map.
func countsByKey(rows *sql.Rows, err error) (map[string]int64, error) {
	type count struct {
		key string
		n   int64
	}
	counts, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (c count, err error) { return c, rows.Scan(&c.key, &c.n) })
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, c := range counts {
		out[c.key] = c.n
	}
	return out, nil
}

func agencyNames(ctx context.Context, tx *sqldb.Tx) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT id, name FROM agencies`)
	agencies, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (a [2]string, err error) { return a, rows.Scan(&a[0], &a[1]) })
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, a := range agencies {
		out[a[0]] = a[1]
	}
	return out, nil
}

// PublicStats returns the regency's monthly figures of the last months,
// suppressed: cases by month, victims by violence type and age group, and
// cases by kecamatan.
func (s StatsService) PublicStats(ctx context.Context, months int, region string, kecamatan []string) (*spiker.PublicStats, error) {
	now := s.DB.Now().In(s.zone())
	p := &spiker.PublicStats{Updated: s.DB.Now(), Region: region}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		for i := months - 1; i >= 0; i-- {
			m := now.AddDate(0, -i, 0).Format("2006-01")
			c, err := statRows(ctx, tx, m, m, region)
			if err != nil {
				return err
			}
			byKec, err := groupedCases(ctx, tx, m, m, region, "region", 8)
			if err != nil {
				return err
			}
			cases := c[statCases][all]
			total := spiker.Table("kasus", nil, nil, cases)
			p.Months = append(p.Months, spiker.PublicMonth{Month: m, Cases: total.Total,
				Types:     spiker.OverlappingTable(statType, c[statType], spiker.JenisKekerasan, c[statVictims][all]),
				AgeGroups: spiker.Table(statAge, c[statAge], spiker.KelompokUmurKorban, c[statVictims][all]),
				Kecamatan: spiker.Table("kecamatan", byKec, kecamatan, cases)})
		}
		return nil
	})
	return p, err
}
