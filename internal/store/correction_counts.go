package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// countCase adds delta to every count a case keeps under its own region:
// the case and its channel, its victims with no desa of their own, the
// perpetrators' relationships, the services, the referrals' outcomes and
// the closure. A move of the case takes them back (-1) under the old
// region and counts them again (+1) under the new one, in the same
// transaction, so the dashboards follow the move.
func (s *Store) countCase(ctx context.Context, tx *sqldb.Tx, caseID string, delta int64) error {
	m, region, err := s.caseStatsKey(ctx, tx, caseID)
	if err != nil {
		return err
	}
	var channel string
	if err := tx.Get(ctx, `SELECT channel FROM cases WHERE id = $1`, []any{caseID}, &channel); err != nil {
		return err
	}
	if err := bump(ctx, tx, m, region, delta, statCases, all); err != nil {
		return err
	}
	if err := bump(ctx, tx, m, region, delta, statChannel, channel); err != nil {
		return err
	}
	c := &spiker.Case{ID: caseID}
	if err := loadClearRecord(ctx, tx, c); err != nil {
		return err
	}
	for i := range c.Victims {
		if c.Victims[i].DesaCode == "" {
			if err := s.countVictim(ctx, tx, caseID, &c.Victims[i], delta); err != nil {
				return err
			}
		}
	}
	var dims [][2]string
	for _, p := range c.Perpetrators {
		dims = append(dims, [2]string{statRelation, p.Relationship})
	}
	services, err := sqldb.QueryStrings(ctx, tx, `SELECT category FROM case_entries WHERE case_id = $1 AND kind = 'layanan'`, caseID)
	if err != nil {
		return err
	}
	for _, cat := range services {
		dims = append(dims, [2]string{statService, cat})
	}
	// A referral counted "sent" when made, and once more when declined,
	// done or withdrawn (acceptance is not counted).
	rows, err := tx.Query(ctx, `SELECT COALESCE(agency_id, ''), status FROM referrals WHERE case_id = $1 AND kind = $2`, caseID, spiker.KindRujukan)
	referrals, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (r [2]string, err error) { return r, rows.Scan(&r[0], &r[1]) })
	if err != nil {
		return err
	}
	for _, r := range referrals {
		agency, status := r[0], r[1]
		dims = append(dims, [2]string{statReferral, agency + ":" + spiker.ReferralSent})
		switch status {
		case spiker.ReferralDeclined, spiker.ReferralDone, spiker.ReferralWithdrawn:
			dims = append(dims, [2]string{statReferral, agency + ":" + status})
		}
	}
	for _, d := range dims {
		if err := bump(ctx, tx, m, region, delta, d[0], d[1]); err != nil {
			return err
		}
	}
	var closedAt *time.Time
	if err := tx.Get(ctx, `SELECT closed_at FROM cases WHERE id = $1`, []any{caseID}, &closedAt); err != nil {
		return err
	}
	if closedAt != nil {
		return s.countClosure(ctx, tx, caseID, *closedAt, delta)
	}
	return nil
}

// loadClearRecord reads the categorical columns of a case's victims and
// perpetrators, without the key (for the counts).
func loadClearRecord(ctx context.Context, tx *sqldb.Tx, c *spiker.Case) error {
	rows, err := tx.Query(ctx, `SELECT id, sex, age, age_group, disability, violence_types, sexual_forms, place, desa_code, kdrt
		FROM case_victims WHERE case_id = $1`, c.ID)
	victims, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (v spiker.CaseVictim, err error) {
		var vt, sf string
		err = rows.Scan(&v.ID, &v.Sex, &v.Age, &v.AgeGroup, &v.Disability, &vt, &sf, &v.Place, &v.DesaCode, &v.KDRT)
		v.ViolenceTypes, v.SexualForms = splitList(vt), splitList(sf)
		return v, err
	})
	if err != nil {
		return err
	}
	c.Victims = append(c.Victims, victims...)
	rows, err = tx.Query(ctx, `SELECT relationship FROM case_perpetrators WHERE case_id = $1`, c.ID)
	perpetrators, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (p spiker.CasePerpetrator, err error) { return p, rows.Scan(&p.Relationship) })
	c.Perpetrators = append(c.Perpetrators, perpetrators...)
	return err
}

// splitList splits a stored ";"-joined list.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}
