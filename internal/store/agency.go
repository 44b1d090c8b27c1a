package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// NetworkService implements the partner directory, the office settings,
// referrals and visits: the integrated network around a case.
type NetworkService struct{ *Store }

// Agencies returns the directory, active agencies first.
func (s NetworkService) Agencies(ctx context.Context) ([]spiker.Agency, error) {
	var out []spiker.Agency
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, type, region_code, services, contact, active, created_at FROM agencies ORDER BY active DESC, name`)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (spiker.Agency, error) {
			a, err := scanAgency(rows)
			if err != nil {
				return spiker.Agency{}, err
			}
			return *a, nil
		})
		return err
	})
	return out, err
}

type scanner interface{ Scan(...any) error }

func scanAgency(r scanner) (*spiker.Agency, error) {
	a := &spiker.Agency{}
	var services string
	if err := r.Scan(&a.ID, &a.Name, &a.Type, &a.RegionCode, &services, &a.Contact, &a.Active, &a.CreatedAt); err != nil {
		return nil, err
	}
	if services != "" {
		a.Services = strings.Split(services, ";")
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// Agency returns one agency or ENOTFOUND.
func (s NetworkService) Agency(ctx context.Context, id string) (*spiker.Agency, error) {
	var a *spiker.Agency
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, type, region_code, services, contact, active, created_at FROM agencies WHERE id = $1`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return spiker.Errorf(spiker.ENOTFOUND, "agency not found")
		}
		a, err = scanAgency(rows)
		return err
	})
	return a, err
}

// SaveAgency adds an agency (with its key pair, held for its first user) or
// updates one's directory entry.
func (s NetworkService) SaveAgency(ctx context.Context, actor *spiker.Actor, a *spiker.Agency) error {
	if a.ID != "" {
		// Changing an agency needs the right to its region as it is.
		old, err := s.Agency(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := spiker.Authorize(actor, spiker.PermAgencyManage, spiker.Scope{RegionCode: old.RegionCode}); err != nil {
			return err
		}
	}
	if err := spiker.Authorize(actor, spiker.PermAgencyManage, spiker.Scope{RegionCode: a.RegionCode}); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		services := strings.Join(a.Services, ";")
		if a.ID != "" {
			res, err := tx.Exec(ctx, `UPDATE agencies SET name = $1, type = $2, region_code = $3, services = $4, contact = $5, active = $6 WHERE id = $7`,
				a.Name, a.Type, a.RegionCode, services, a.Contact, a.Active, a.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return spiker.Errorf(spiker.ENOTFOUND, "agency not found")
			}
			return s.audit(ctx, tx, actor, "agency.update", "agency", a.ID, "")
		}
		a.ID, a.CreatedAt, a.Active = newID(), tx.Now(), true
		if _, err := tx.Exec(ctx, `INSERT INTO agencies (id, name, type, region_code, services, contact, active, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, a.Name, a.Type, a.RegionCode, services, a.Contact, a.Active, a.CreatedAt); err != nil {
			return err
		}
		// The agency's key pair: referral packets are sealed to its public
		// half; the private half waits under the bootstrap key for the
		// agency's first user, like the office's own groups.
		g := agencyGroup(a.ID)
		kp := vault.NewKeyPair()
		wrapped := s.Secrets.Seal(vault.PurposeBootstrap, kp.Private[:], []byte("spiker/group-bootstrap:"+g))
		if _, err := tx.Exec(ctx, `INSERT INTO holder_groups (name, public_key, bootstrap_wrapped, created_at) VALUES ($1, $2, $3, $4)`,
			g, kp.Public[:], wrapped, tx.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "agency.create", "agency", a.ID, "")
	})
}

// AgencyColleagues returns the users of the actor's agency who wait to be
// given its key: a member gives it to them (AdmitToGroup). A user who has
// not completed their enrolment has no key to give it to, and is left out.
func (s NetworkService) AgencyColleagues(ctx context.Context, actor *spiker.Actor) (waiting []spiker.User, err error) {
	if err := spiker.Authorize(actor, spiker.PermReferralRespond, spiker.Scope{}); err != nil {
		return nil, err
	}
	if actor.AgencyID == "" {
		return nil, nil
	}
	err = s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.id, u.username FROM users u
			WHERE u.agency_id = $1 AND NOT u.disabled AND u.public_key IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_name = $2 AND m.user_id = u.id)
			ORDER BY u.username`, actor.AgencyID, agencyGroup(actor.AgencyID))
		waiting, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (u spiker.User, err error) {
			return u, rows.Scan(&u.ID, &u.Username)
		})
		return err
	})
	return waiting, err
}

// AdmitColleague gives the actor's agency key to another user of the same
// agency.
func (s NetworkService) AdmitColleague(ctx context.Context, actor *spiker.Actor, userID int64) error {
	var region, agency sql.NullString
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT region_code, agency_id FROM users WHERE id = $1`, []any{userID}, &region, &agency)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return spiker.Errorf(spiker.ENOTFOUND, "user not found")
	} else if err != nil {
		return err
	}
	if err := spiker.Authorize(actor, spiker.PermReferralRespond, spiker.Scope{RegionCode: region.String}); err != nil {
		return err
	}
	if actor.AgencyID == "" || agency.String != actor.AgencyID {
		return spiker.Errorf(spiker.EINVALID, "user %d does not belong to your agency", userID)
	}
	return UserService(s).AdmitToGroup(ctx, actor, agencyGroup(actor.AgencyID), userID)
}

// Settings names.
const (
	settingOffice   = "letterhead.office"
	settingAgency   = "letterhead.agency"
	settingAddress  = "letterhead.address"
	settingPhone    = "letterhead.phone"
	settingWhatsApp = "letterhead.whatsapp"
	settingEmail    = "letterhead.email"
	settingCity     = "letterhead.city"
)

// Letterhead returns the office's letterhead; unset fields are empty.
func (s NetworkService) Letterhead(ctx context.Context) (*spiker.Letterhead, error) {
	l := &spiker.Letterhead{}
	dst := map[string]*string{settingOffice: &l.Office, settingAgency: &l.Agency, settingAddress: &l.Address,
		settingPhone: &l.Phone, settingWhatsApp: &l.WhatsApp, settingEmail: &l.Email, settingCity: &l.City}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name, value FROM settings WHERE name LIKE 'letterhead.%'`)
		settings, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (nv [2]string, err error) {
			return nv, rows.Scan(&nv[0], &nv[1])
		})
		for _, nv := range settings {
			if p, ok := dst[nv[0]]; ok {
				*p = nv[1]
			}
		}
		return err
	})
	return l, err
}

// SetLetterhead saves the letterhead.
func (s NetworkService) SetLetterhead(ctx context.Context, actor *spiker.Actor, l *spiker.Letterhead) error {
	if err := spiker.Authorize(actor, spiker.PermSettings, spiker.Scope{}); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		for name, value := range map[string]string{settingOffice: l.Office, settingAgency: l.Agency, settingAddress: l.Address,
			settingPhone: l.Phone, settingWhatsApp: l.WhatsApp, settingEmail: l.Email, settingCity: l.City} {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, tx.Now()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "settings.letterhead", "settings", "letterhead", "")
	})
}

// agencyPublicKey returns an active agency's public key and name.
func agencyPublicKey(ctx context.Context, tx *sqldb.Tx, agencyID string) (vault.PublicKey, string, error) {
	var name string
	var active bool
	err := tx.Get(ctx, `SELECT name, active FROM agencies WHERE id = $1`, []any{agencyID}, &name, &active)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !active {
		return vault.PublicKey{}, "", &spiker.Error{Code: spiker.EINVALID, Message: "choose an active agency", Fields: map[string]string{"agency": "staff.err.choose"}}
	} else if err != nil {
		return vault.PublicKey{}, "", err
	}
	// Until its first user exists, the agency's private key waits under the
	// secret file's bootstrap key; nothing is sealed to it before then, so
	// a stolen database with the secret file opens no packet.
	var waiting int
	if err := tx.Get(ctx, `SELECT COUNT(*) FROM holder_groups WHERE name = $1 AND bootstrap_wrapped IS NOT NULL`, []any{agencyGroup(agencyID)}, &waiting); err != nil {
		return vault.PublicKey{}, "", err
	}
	if waiting > 0 {
		return vault.PublicKey{}, "", &spiker.Error{Code: spiker.EINVALID, Message: "the agency has no user yet", Fields: map[string]string{"agency": "referral.err.agency_no_user"}}
	}
	pub, err := groupPublicKey(ctx, tx, agencyGroup(agencyID))
	if err != nil {
		return vault.PublicKey{}, "", fmt.Errorf("agency %s: %w", agencyID, err)
	}
	return pub, name, nil
}
