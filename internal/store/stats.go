package store

import (
	"context"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Dimensions of the summary counts.
const (
	statCases      = "kasus"
	statVictims    = "korban"
	statChannel    = "kanal"
	statSex        = "jenis_kelamin"
	statAge        = "kelompok_umur"
	statType       = "jenis_kekerasan"
	statSexualForm = "bentuk_kekerasan_seksual"
	statPlace      = "tempat_kejadian"
	statRelation   = "hubungan_pelaku"
	statService    = "jenis_layanan"
	statDisability = "disabilitas"
	statClosed     = "ditutup"
	statDays       = "durasi_hari"
	statResponse   = "respon"       // value risk:dalam|lewat
	statRespMin    = "respon_menit" // value risk, n = minutes
	statReferral   = "rujukan"      // value agency:status
	all            = "semua"
)

// bump adds delta to one month's counts of each value of a dimension, for
// the region and each region containing it (kecamatan, regency): a
// dashboard then reads its own region's few rows instead of adding up its
// desa's.
func bump(ctx context.Context, tx *sqldb.Tx, month, region string, delta int64, dimension string, values ...string) error {
	for _, v := range values {
		if v == "" {
			v = "NA"
		}
		for _, r := range regionAndAncestors(region) {
			if _, err := tx.Exec(ctx, `INSERT INTO stats_counts (month, region_code, dimension, value, n) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (month, region_code, dimension, value) DO UPDATE SET n = stats_counts.n + excluded.n`,
				month, r, dimension, v, delta); err != nil {
				return err
			}
		}
	}
	return nil
}

// regionAndAncestors returns 35.24.22.2001, 35.24.22 and 35.24 for a desa:
// the region and those containing it down from the regency.
func regionAndAncestors(region string) []string {
	parts := strings.Split(region, ".")
	var out []string
	for i := len(parts); i >= 2; i-- {
		out = append(out, strings.Join(parts[:i], "."))
	}
	return out
}

func (s *Store) month(t time.Time) string { return t.In(s.zone()).Format("2006-01") }

// caseStatsKey returns the month (of opening) and region a case counts in.
func (s *Store) caseStatsKey(ctx context.Context, tx *sqldb.Tx, caseID string) (month, region string, err error) {
	var at time.Time
	if err := tx.Get(ctx, `SELECT created_at, region_code FROM cases WHERE id = $1`, []any{caseID}, &at, &region); err != nil {
		return "", "", err
	}
	return s.month(at), region, nil
}

// counter adds delta to a month's count of each value of a dimension in a
// region. In a transaction it is bump's; the demo data sums a batch's
// counts in memory and bumps each once.
type counter func(month, region string, delta int64, dimension string, values ...string) error

// bumper is the counter that bumps in tx.
func bumper(ctx context.Context, tx *sqldb.Tx) counter {
	return func(month, region string, delta int64, dimension string, values ...string) error {
		return bump(ctx, tx, month, region, delta, dimension, values...)
	}
}

// countCaseOpened counts a new case and the channel of its first report.
func (s *Store) countCaseOpened(ctx context.Context, tx *sqldb.Tx, c *spiker.Case, channel string) error {
	return s.caseOpenedCounts(bumper(ctx, tx), c, channel)
}

func (s *Store) caseOpenedCounts(add counter, c *spiker.Case, channel string) error {
	m := s.month(c.CreatedAt)
	if err := add(m, c.RegionCode, 1, statCases, all); err != nil {
		return err
	}
	return add(m, c.RegionCode, 1, statChannel, channel)
}

// countVictim counts a victim recorded on a case (delta 1), or takes the
// count back (-1) when the record is corrected, under the case's month and
// the victim's desa when known.
func (s *Store) countVictim(ctx context.Context, tx *sqldb.Tx, caseID string, v *spiker.CaseVictim, delta int64) error {
	m, region, err := s.caseStatsKey(ctx, tx, caseID)
	if err != nil {
		return err
	}
	return victimCounts(bumper(ctx, tx), m, region, v, delta)
}

// victimCounts counts a victim of a case of month m and region.
func victimCounts(add counter, m, region string, v *spiker.CaseVictim, delta int64) error {
	if v.DesaCode != "" {
		region = v.DesaCode
	}
	dis, kdrt := "Tidak", "Tidak"
	if v.Disability {
		dis = "Ya"
	}
	if v.KDRT {
		kdrt = "Ya"
	}
	for _, d := range []struct {
		dim    string
		values []string
	}{
		{statVictims, []string{all}}, {statSex, []string{v.Sex}}, {statAge, []string{v.AgeGroup}}, {statType, v.ViolenceTypes},
		{statSexualForm, v.SexualForms}, {statPlace, []string{v.Place}}, {statDisability, []string{dis}}, {"kdrt", []string{kdrt}},
	} {
		if err := add(m, region, delta, d.dim, d.values...); err != nil {
			return err
		}
	}
	return nil
}

// countCaseDimension counts one value of a dimension on a case: the
// relationship of a perpetrator, a service given, a referral's outcome.
func (s *Store) countCaseDimension(ctx context.Context, tx *sqldb.Tx, caseID, dimension, value string, delta int64) error {
	m, region, err := s.caseStatsKey(ctx, tx, caseID)
	if err != nil {
		return err
	}
	return bump(ctx, tx, m, region, delta, dimension, value)
}

// countClosure counts a case closing (delta 1) or reopening (delta -1),
// with its duration in days from opening.
func (s *Store) countClosure(ctx context.Context, tx *sqldb.Tx, caseID string, closedAt time.Time, delta int64) error {
	var opened time.Time
	var region string
	if err := tx.Get(ctx, `SELECT created_at, region_code FROM cases WHERE id = $1`, []any{caseID}, &opened, &region); err != nil {
		return err
	}
	m := s.month(opened)
	if err := bump(ctx, tx, m, region, delta, statClosed, all); err != nil {
		return err
	}
	days := int64(closedAt.Sub(opened).Hours() / 24)
	return bump(ctx, tx, m, region, delta*days, statDays, all)
}

// countFirstResponse counts a report's first response, once: the minutes
// it took and whether it was within the limit, by the risk known then.
func (s *Store) countFirstResponse(ctx context.Context, tx *sqldb.Tx, reportID string) error {
	var created time.Time
	var first *time.Time
	var region, risk string
	if err := tx.Get(ctx, `SELECT created_at, first_response_at, region_code, risiko FROM reports WHERE id = $1`, []any{reportID},
		&created, &first, &region, &risk); err != nil {
		return err
	}
	if first == nil || !first.Equal(tx.Now().UTC().Truncate(time.Microsecond)) {
		return nil // answered before: counted then
	}
	l, err := timeLimits(ctx, tx)
	if err != nil {
		return err
	}
	return s.firstResponseCounts(bumper(ctx, tx), created, *first, region, risk, l.FirstResponse)
}

// firstResponseCounts counts a report's first response: the minutes it
// took and whether it was within limit, by its risk ("" before assessment).
func (s *Store) firstResponseCounts(add counter, created, first time.Time, region, risk string, limit time.Duration) error {
	took := first.Sub(created)
	within := "dalam"
	if took > limit {
		within = "lewat"
	}
	m := s.month(created)
	if risk == "" {
		risk = "belum"
	}
	if err := add(m, region, 1, statResponse, risk+":"+within); err != nil {
		return err
	}
	return add(m, region, int64(took.Minutes()), statRespMin, risk)
}
