package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

var _ spiker.RegisterService = StatsService{}

// Register returns the SIMFONI-PPA register of a period (cases opened in
// it) and region: one row per victim. Identity fields are decrypted only
// for cases whose key the actor holds and only when the actor may read
// identities; the export and its row count go to the audit log.
func (s StatsService) Register(ctx context.Context, actor *spiker.Actor, f spiker.StatsFilter) ([]spiker.RegisterRow, bool, error) {
	if err := spiker.Authorize(actor, spiker.PermExport, spiker.Scope{}); err != nil {
		return nil, false, err
	}
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	if f.Region == "" {
		f.Region = actor.RegionCode
	}
	if err := spiker.Authorize(actor, spiker.PermExport, spiker.Scope{RegionCode: f.Region}); err != nil {
		return nil, false, err
	}
	from, _ := time.ParseInLocation("2006-01", f.From, s.zone())
	to, _ := time.ParseInLocation("2006-01", f.To, s.zone())
	mayReveal := actor.Can(spiker.PermReportRead)
	var out []spiker.RegisterRow
	identities := false
	err := s.DB.Update(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.id, c.number, c.created_at, c.region_code,
			(SELECT r.channel FROM reports r WHERE r.case_id = c.id ORDER BY r.created_at LIMIT 1)
			FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND (c.region_code = $3 OR c.region_code LIKE $4)
			ORDER BY c.created_at, c.id`, from.UTC(), to.AddDate(0, 1, 0).UTC(), f.Region, f.Region+".%")
		if err != nil {
			return err
		}
		type caseRef struct {
			id, number, region, channel string
			at                          time.Time
		}
		var refs []caseRef
		for rows.Next() {
			var c caseRef
			var number, channel *string
			if err := rows.Scan(&c.id, &number, &c.at, &c.region, &channel); err != nil {
				rows.Close()
				return err
			}
			if number != nil {
				c.number = *number
			}
			if channel != nil {
				c.channel = *channel
			}
			refs = append(refs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, ref := range refs {
			c := &spiker.Case{ID: ref.id}
			// The record's categories are clear; its names need the key.
			k, kerr := openRecordKey(ctx, tx, actor, kindCase, ref.id)
			reveal := mayReveal && kerr == nil
			if kerr != nil && !errors.Is(kerr, errNotHolder) {
				return kerr
			}
			if reveal {
				if err := loadRecord(ctx, tx, k, c); err != nil {
					return err
				}
				identities = true
			} else if err := loadCategories(ctx, tx, c); err != nil {
				return err
			}
			services, legal, err := caseServices(ctx, tx, ref.id)
			if err != nil {
				return err
			}
			for _, v := range c.Victims {
				row := spiker.RegisterRow{CaseNumber: ref.number, ReportedAt: ref.at.UTC(), IncidentDate: v.IncidentDate, RegionCode: ref.region,
					Victim: v, Services: services, LegalProcess: legal, Channel: ref.channel}
				if v.DesaCode != "" {
					row.RegionCode = v.DesaCode
				}
				if reveal {
					row.Name, row.NIK = v.Name, v.NIK
				}
				row.Victim.Name, row.Victim.NIK, row.Victim.Accommodation, row.Victim.ConsentOverride = "", "", "", ""
				for _, p := range c.Perpetrators {
					if p.VictimID == v.ID {
						p.Name = ""
						row.Perpetrators = append(row.Perpetrators, p)
					}
				}
				out = append(out, row)
			}
		}
		return s.audit(ctx, tx, actor, "simfoni.export", "register", f.From+".."+f.To+" "+f.Region,
			fmt.Sprintf("rows %d, identities %v", len(out), identities))
	})
	return out, identities, err
}

// loadCategories reads a case's victims and perpetrators without their
// protected fields (no key needed).
func loadCategories(ctx context.Context, tx *Tx, c *spiker.Case) error {
	rows, err := tx.Query(ctx, `SELECT id, sex, age, age_group, education, occupation, marital, disability, disability_types,
		violence_types, sexual_forms, place, incident_date, desa_code, kdrt, consent FROM case_victims WHERE case_id = $1 ORDER BY created_at, id`, c.ID)
	if err != nil {
		return err
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ";")
	}
	for rows.Next() {
		var v spiker.CaseVictim
		var dis, vt, sf string
		if err := rows.Scan(&v.ID, &v.Sex, &v.Age, &v.AgeGroup, &v.Education, &v.Occupation, &v.Marital, &v.Disability, &dis,
			&vt, &sf, &v.Place, &v.IncidentDate, &v.DesaCode, &v.KDRT, &v.Consent); err != nil {
			rows.Close()
			return err
		}
		v.DisabilityTypes, v.ViolenceTypes, v.SexualForms = split(dis), split(vt), split(sf)
		c.Victims = append(c.Victims, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	prow, err := tx.Query(ctx, `SELECT id, victim_id, sex, age_group, relationship FROM case_perpetrators WHERE case_id = $1 ORDER BY created_at, id`, c.ID)
	if err != nil {
		return err
	}
	defer prow.Close()
	for prow.Next() {
		var p spiker.CasePerpetrator
		if err := prow.Scan(&p.ID, &p.VictimID, &p.Sex, &p.AgeGroup, &p.Relationship); err != nil {
			return err
		}
		c.Perpetrators = append(c.Perpetrators, p)
	}
	return prow.Err()
}

// caseServices lists the services given on a case and the legal process's
// steps, by their categories.
func caseServices(ctx context.Context, tx *Tx, caseID string) (services, legal []string, err error) {
	rows, err := tx.Query(ctx, `SELECT kind, category FROM case_entries WHERE case_id = $1 AND kind IN ('layanan', 'proses_hukum') ORDER BY created_at`, caseID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var kind, cat string
		if err := rows.Scan(&kind, &cat); err != nil {
			return nil, nil, err
		}
		if seen[kind+cat] {
			continue
		}
		seen[kind+cat] = true
		if kind == "layanan" {
			services = append(services, cat)
		} else {
			legal = append(legal, cat)
		}
	}
	return services, legal, rows.Err()
}
