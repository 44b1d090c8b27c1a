package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// registerCase is a case of the register's period and region, by its
// clear columns.
type registerCase struct {
	id, number, region, channel string
	opened                      time.Time
}

// registerCases lists the cases opened in a period (months, inclusive) and
// region.
func (s StatsService) registerCases(ctx context.Context, tx *sqldb.Tx, f spiker.StatsFilter) ([]registerCase, error) {
	from, _ := time.ParseInLocation("2006-01", f.From, s.zone())
	to, _ := time.ParseInLocation("2006-01", f.To, s.zone())
	rows, err := tx.Query(ctx, `SELECT c.id, c.number, c.created_at, c.region_code, c.channel
		FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND (c.region_code = $3 OR c.region_code LIKE $4)
		ORDER BY c.created_at, c.id`, from.UTC(), to.AddDate(0, 1, 0).UTC(), f.Region, f.Region+".%")
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (c registerCase, err error) {
		var number *string
		err = rows.Scan(&c.id, &number, &c.opened, &c.region, &c.channel)
		if number != nil {
			c.number = *number
		}
		return c, err
	})
}

// registerScope checks the export permission for the filter's region
// (the actor's own when empty) and the period.
func registerScope(actor *spiker.Actor, f *spiker.StatsFilter) error {
	if err := spiker.Authorize(actor, spiker.PermExport, spiker.Scope{}); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	if f.Region == "" {
		f.Region = actor.RegionCode
	}
	return spiker.Authorize(actor, spiker.PermExport, spiker.Scope{RegionCode: f.Region})
}

// Register returns the SIMFONI-PPA register of a period (cases opened in
// it) and region: one row per victim, and the cases' services and
// referrals. Identities (name, NIK, the chronology) are filled for the
// cases whose key the actor holds when the actor may read cases (a
// supervisor), or from the actor's approved grant grantID, which this
// export uses up. The export and its row count go to the audit log.
func (s StatsService) Register(ctx context.Context, actor *spiker.Actor, f spiker.StatsFilter, grantID string) (*spiker.Register, error) {
	if err := registerScope(actor, &f); err != nil {
		return nil, err
	}
	if grantID != "" {
		// Expiry is kept even when this export is then refused for it.
		if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error { return expireGrants(ctx, tx) }); err != nil {
			return nil, err
		}
	}
	out := &spiker.Register{}
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var granted grantIdentities
		if grantID != "" {
			var err error
			if granted, err = s.useGrant(ctx, tx, actor, grantID, f); err != nil {
				return err
			}
		}
		refs, err := s.registerCases(ctx, tx, f)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			if err := s.registerCase(ctx, tx, actor, ref, granted, grantID != "", out); err != nil {
				return err
			}
		}
		reason := fmt.Sprintf("rows %d, identities %v", len(out.Rows), out.Identities)
		if grantID != "" {
			reason += ", grant " + grantID
		}
		return s.audit(ctx, tx, actor, "simfoni.export", "register", f.From+".."+f.To+" "+f.Region, reason)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// registerCase adds a case's victims, services and referrals to the
// register. Identities come from the actor's key (a holder who may read
// cases) or, with a grant, from what the grant sealed for the case.
func (s StatsService) registerCase(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, ref registerCase, granted grantIdentities, withGrant bool, out *spiker.Register) error {
	c := &spiker.Case{ID: ref.id}
	var ids *caseIdentities
	if withGrant {
		if g, ok := granted[ref.id]; ok {
			ids = &g
		}
		if err := loadCategories(ctx, tx, c); err != nil {
			return err
		}
	} else {
		g, err := s.openIdentities(ctx, tx, actor, ref.id)
		if err != nil {
			return err
		}
		ids = g
		if err := loadCategories(ctx, tx, c); err != nil {
			return err
		}
	}
	reported := ref.opened
	var first time.Time
	if err := tx.Get(ctx, `SELECT created_at FROM reports WHERE case_id = $1 ORDER BY created_at, id LIMIT 1`, []any{ref.id}, &first); err == nil {
		reported = first
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	channel := ref.channel
	if channel == "" {
		if err := tx.Get(ctx, `SELECT channel FROM reports WHERE case_id = $1 ORDER BY created_at, id LIMIT 1`, []any{ref.id}, &channel); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	services, legal, err := caseServices(ctx, tx, ref.id)
	if err != nil {
		return err
	}
	for _, v := range c.Victims {
		row := spiker.RegisterRow{CaseID: ref.id, CaseNumber: ref.number, ReportedAt: reported.UTC(), RegionCode: ref.region, Channel: channel,
			Victim: v, Services: services, LegalProcess: legal}
		if v.DesaCode != "" {
			row.RegionCode = v.DesaCode
		}
		if ids != nil {
			row.Name, row.NIK, row.Chronology = ids.Victims[v.ID].Name, ids.Victims[v.ID].NIK, ids.Chronology
			out.Identities = true
		}
		for _, p := range c.Perpetrators {
			if p.VictimID == v.ID {
				row.Perpetrators = append(row.Perpetrators, p)
			}
		}
		out.Rows = append(out.Rows, row)
	}
	given, err := s.serviceRows(ctx, tx, ref)
	if err != nil {
		return err
	}
	out.Services = append(out.Services, given...)
	referrals, err := referralRows(ctx, tx, ref)
	if err != nil {
		return err
	}
	out.Referrals = append(out.Referrals, referrals...)
	return nil
}

// caseIdentities is what identifies a case's victims and its story.
type caseIdentities struct {
	Chronology string                    `json:"chronology"`
	Victims    map[string]victimIdentity `json:"victims"`
}

type victimIdentity struct {
	Name string `json:"name"`
	NIK  string `json:"nik"`
}

// openIdentities decrypts a case's identities for an actor who may read
// cases and holds its key; nil for anyone else.
func (s StatsService) openIdentities(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, caseID string) (*caseIdentities, error) {
	if !actor.Can(spiker.PermCaseRead) {
		return nil, nil
	}
	k, err := openRecordKey(ctx, tx, actor, kindCase, caseID)
	if errors.Is(err, errNotHolder) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := &spiker.Case{ID: caseID}
	if err := loadRecord(ctx, tx, k, c); err != nil {
		return nil, err
	}
	var summary []byte
	if err := tx.Get(ctx, `SELECT summary FROM cases WHERE id = $1`, []any{caseID}, &summary); err != nil {
		return nil, err
	}
	ids := &caseIdentities{Victims: map[string]victimIdentity{}}
	if ids.Chronology, err = k.OpenString(caseField(caseID, "summary"), vault.Ciphertext(summary)); err != nil {
		return nil, err
	}
	for _, v := range c.Victims {
		ids.Victims[v.ID] = victimIdentity{Name: v.Name, NIK: v.NIK}
	}
	return ids, nil
}

// serviceRows lists the services given on a case: the office's own by the
// staff member who recorded them, on the day recorded; a partner's by its
// agency, on the day of service it reported.
func (s StatsService) serviceRows(ctx context.Context, tx *sqldb.Tx, ref registerCase) ([]spiker.RegisterServiceRow, error) {
	rows, err := tx.Query(ctx, `SELECT e.category, e.created_at, u.full_name, u.username, COALESCE(a.name, ''), COALESCE(r.service_date, '')
		FROM case_entries e JOIN users u ON u.id = e.author_id
		LEFT JOIN referrals r ON r.id = e.referral_id LEFT JOIN agencies a ON a.id = r.agency_id
		WHERE e.case_id = $1 AND e.kind = 'layanan' ORDER BY e.created_at, e.id`, ref.id)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (row spiker.RegisterServiceRow, err error) {
		var at time.Time
		var fullName, username, serviceDate string
		if err := rows.Scan(&row.Service, &at, &fullName, &username, &row.Agency, &serviceDate); err != nil {
			return row, err
		}
		row.CaseNumber, row.Provider, row.Date = ref.number, fullName, at.In(s.zone()).Format(time.DateOnly)
		if row.Provider == "" {
			row.Provider = username
		}
		if serviceDate != "" {
			row.Date = serviceDate
		}
		if row.Agency != "" {
			row.Provider = row.Agency
		}
		return row, nil
	})
}

// referralRows lists a case's referrals by their clear columns (the
// packet, the response and the outcome stay sealed).
func referralRows(ctx context.Context, tx *sqldb.Tx, ref registerCase) ([]spiker.RegisterReferral, error) {
	rows, err := tx.Query(ctx, `SELECT COALESCE(a.name, r.destination), r.service, r.created_at, r.due_date, r.status, r.responded_at, r.service_date, r.completed_at
		FROM referrals r LEFT JOIN agencies a ON a.id = r.agency_id WHERE r.case_id = $1 ORDER BY r.created_at, r.id`, ref.id)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (spiker.RegisterReferral, error) {
		x := spiker.RegisterReferral{CaseNumber: ref.number}
		return x, rows.Scan(&x.Agency, &x.Service, &x.SentAt, &x.DueDate, &x.Status, &x.RespondedAt, &x.ServiceDate, &x.CompletedAt)
	})
}

// loadCategories reads a case's victims and perpetrators without their
// protected fields (no key needed).
func loadCategories(ctx context.Context, tx *sqldb.Tx, c *spiker.Case) error {
	rows, err := tx.Query(ctx, `SELECT id, sex, age, age_group, education, occupation, marital, disability, disability_types,
		violence_types, sexual_forms, place, incident_date, desa_code, kdrt, consent, office_categories, ampk
		FROM case_victims WHERE case_id = $1 ORDER BY created_at, id`, c.ID)
	victims, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (v spiker.CaseVictim, err error) {
		var dis, vt, sf, oc string
		err = rows.Scan(&v.ID, &v.Sex, &v.Age, &v.AgeGroup, &v.Education, &v.Occupation, &v.Marital, &v.Disability, &dis,
			&vt, &sf, &v.Place, &v.IncidentDate, &v.DesaCode, &v.KDRT, &v.Consent, &oc, &v.AMPK)
		v.DisabilityTypes, v.ViolenceTypes, v.SexualForms, v.OfficeCategories = splitList(dis), splitList(vt), splitList(sf), splitList(oc)
		return v, err
	})
	if err != nil {
		return err
	}
	c.Victims = append(c.Victims, victims...)
	if err := loadTrafficking(ctx, tx, c); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT id, victim_id, sex, age_group, relationship FROM case_perpetrators WHERE case_id = $1 ORDER BY created_at, id`, c.ID)
	perpetrators, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (p spiker.CasePerpetrator, err error) {
		return p, rows.Scan(&p.ID, &p.VictimID, &p.Sex, &p.AgeGroup, &p.Relationship)
	})
	c.Perpetrators = append(c.Perpetrators, perpetrators...)
	return err
}

// caseServices lists the services given on a case and the legal process's
// steps, by their categories.
func caseServices(ctx context.Context, tx *sqldb.Tx, caseID string) (services, legal []string, err error) {
	rows, err := tx.Query(ctx, `SELECT kind, category FROM case_entries WHERE case_id = $1 AND kind IN ('layanan', 'proses_hukum') ORDER BY created_at`, caseID)
	entries, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (e [2]string, err error) { return e, rows.Scan(&e[0], &e[1]) })
	if err != nil {
		return nil, nil, err
	}
	seen := map[[2]string]bool{}
	for _, e := range entries {
		if seen[e] {
			continue
		}
		seen[e] = true
		if kind, cat := e[0], e[1]; kind == "layanan" {
			services = append(services, cat)
		} else {
			legal = append(legal, cat)
		}
	}
	return services, legal, nil
}
