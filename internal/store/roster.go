package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// DutyService keeps the roster, the time limits and the alerts.
type DutyService struct{ *Store }

// Roster returns the roster of the actor's region for days from `from`.
func (s DutyService) Roster(ctx context.Context, actor *spiker.Actor, from string, days int) ([]spiker.RosterEntry, error) {
	if err := spiker.Authorize(actor, spiker.PermRoster, spiker.Scope{}); err != nil {
		return nil, err
	}
	start, err := time.Parse(time.DateOnly, from)
	if err != nil || days < 1 || days > 62 {
		return nil, spiker.Errorf(spiker.EINVALID, "choose a start date (YYYY-MM-DD) and 1 to 62 days")
	}
	end := start.AddDate(0, 0, days-1).Format(time.DateOnly)
	var out []spiker.RosterEntry
	err = s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT r.day, r.shift, r.duty, r.user_id, u.username, r.region_code FROM roster r JOIN users u ON u.id = r.user_id
			WHERE r.day >= $1 AND r.day <= $2 AND r.region_code = $3 ORDER BY r.day, r.shift, r.duty, u.username`, from, end, actor.RegionCode)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (e spiker.RosterEntry, err error) {
			return e, rows.Scan(&e.Day, &e.Shift, &e.Duty, &e.UserID, &e.Username, &e.RegionCode)
		})
		return err
	})
	return out, err
}

// DutyStaff lists the enabled intake officers and supervisors of the
// actor's region.
func (s DutyService) DutyStaff(ctx context.Context, actor *spiker.Actor) (piket, supervisors []spiker.User, err error) {
	if err := spiker.Authorize(actor, spiker.PermRoster, spiker.Scope{}); err != nil {
		return nil, nil, err
	}
	err = s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT DISTINCT u.id, u.username, r.role FROM users u JOIN user_roles r ON r.user_id = u.id
			WHERE NOT u.disabled AND r.role IN ('konselor_piket', 'supervisor') AND (u.region_code = $1 OR u.region_code LIKE $2)
			ORDER BY u.username`, actor.RegionCode, actor.RegionCode+".%")
		type member struct {
			user spiker.User
			role string
		}
		all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (m member, err error) {
			return m, rows.Scan(&m.user.ID, &m.user.Username, &m.role)
		})
		for _, m := range all {
			if m.role == string(spiker.RoleSupervisor) {
				supervisors = append(supervisors, m.user)
			} else {
				piket = append(piket, m.user)
			}
		}
		return err
	})
	return piket, supervisors, err
}

// SetShift replaces the people on duty in one shift of the actor's region.
// Only the region's intake officers (piket) and supervisors may be put on.
func (s DutyService) SetShift(ctx context.Context, actor *spiker.Actor, day, shift string, piket, supervisors []int64) error {
	if err := spiker.Authorize(actor, spiker.PermRoster, spiker.Scope{}); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil || !spiker.ValidShift(shift) {
		return &spiker.Error{Code: spiker.EINVALID, Message: "choose a day and a shift", Fields: map[string]string{"shift": "staff.err.choose"}}
	}
	okP, okS, err := s.DutyStaff(ctx, actor)
	if err != nil {
		return err
	}
	allowed := func(list []spiker.User, id int64) bool {
		for _, u := range list {
			if u.ID == id {
				return true
			}
		}
		return false
	}
	for _, id := range piket {
		if !allowed(okP, id) {
			return &spiker.Error{Code: spiker.EINVALID, Message: "only the region's intake officers can be on piket", Fields: map[string]string{"piket": "roster.err.person"}}
		}
	}
	for _, id := range supervisors {
		if !allowed(okS, id) {
			return &spiker.Error{Code: spiker.EINVALID, Message: "only the region's supervisors can be on call", Fields: map[string]string{"supervisor": "roster.err.person"}}
		}
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM roster WHERE day = $1 AND shift = $2 AND region_code = $3`, day, shift, actor.RegionCode); err != nil {
			return err
		}
		for duty, ids := range map[string][]int64{spiker.DutyPiket: piket, spiker.DutySupervisor: supervisors} {
			for _, id := range ids {
				if _, err := tx.Exec(ctx, `INSERT INTO roster (day, shift, duty, user_id, region_code) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
					day, shift, duty, id, actor.RegionCode); err != nil {
					return err
				}
			}
		}
		return s.audit(ctx, tx, actor, "roster.set", "roster", day+" "+shift, fmt.Sprintf("piket %v, supervisor %v", piket, supervisors))
	})
}

// GenerateRoster fills the empty shifts of `days` days from `from` with a
// default rotation: one intake officer and one supervisor per shift, in
// turn. Shifts someone already edited are left alone, and so are shifts
// that have ended: filling starts with the shift running now (at 02:00,
// the night shift that began yesterday). Whose turn a shift is depends on
// the shift alone, not on where the filling started, so filling a week at
// any hour gives the same rotation.
func (s DutyService) GenerateRoster(ctx context.Context, actor *spiker.Actor, from string, days int) (int, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil || days < 1 || days > 62 {
		return 0, &spiker.Error{Code: spiker.EINVALID, Message: "choose a start date and 1 to 62 days", Fields: map[string]string{"days": "roster.err.days"}}
	}
	piket, sups, err := s.DutyStaff(ctx, actor)
	if err != nil {
		return 0, err
	}
	if len(piket) == 0 || len(sups) == 0 {
		return 0, &spiker.Error{Code: spiker.EINVALID, Message: "the region needs intake officers and supervisors first", Fields: map[string]string{"days": "roster.err.nobody"}}
	}
	filled := 0
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		running := spiker.ShiftOrdinal(spiker.ShiftAt(tx.Now(), s.zone()))
		for d := range days {
			day := start.AddDate(0, 0, d).Format(time.DateOnly)
			for _, sh := range spiker.Shifts {
				n := spiker.ShiftOrdinal(day, sh.Name)
				if n < running {
					continue // over already
				}
				var taken int
				if err := tx.Get(ctx, `SELECT COUNT(*) FROM roster WHERE day = $1 AND shift = $2 AND region_code = $3`, []any{day, sh.Name, actor.RegionCode}, &taken); err != nil {
					return err
				}
				if taken > 0 {
					continue
				}
				for duty, u := range map[string]spiker.User{spiker.DutyPiket: piket[n%len(piket)], spiker.DutySupervisor: sups[n%len(sups)]} {
					if _, err := tx.Exec(ctx, `INSERT INTO roster (day, shift, duty, user_id, region_code) VALUES ($1, $2, $3, $4, $5)`,
						day, sh.Name, duty, u.ID, actor.RegionCode); err != nil {
						return err
					}
				}
				filled++
			}
		}
		return s.audit(ctx, tx, actor, "roster.generate", "roster", from, strconv.Itoa(days)+" days")
	})
	return filled, err
}

// onDuty returns who is on duty at t for a record in region: the roster
// entries of any region containing it.
func (s DutyService) onDuty(ctx context.Context, tx *sqldb.Tx, region, duty string, at time.Time) ([]int64, error) {
	day, shift := spiker.ShiftAt(at, s.zone())
	rows, err := tx.Query(ctx, `SELECT r.user_id FROM roster r JOIN users u ON u.id = r.user_id
		WHERE r.day = $1 AND r.shift = $2 AND r.duty = $3 AND NOT u.disabled AND ($4 = r.region_code OR $4 LIKE r.region_code || '.%')
		ORDER BY r.user_id`, day, shift, duty, region)
	return sqldb.Collect(rows, err, scanID)
}

// scanIDs reads a query's one column of ids and closes the rows.
func scanIDs(rows *sql.Rows) ([]int64, error) { return sqldb.Collect(rows, nil, scanID) }

func scanID(rows *sql.Rows) (id int64, err error) { return id, rows.Scan(&id) }

// Settings names of the time limits.
const (
	limitFirstResponse = "limit.first_response_minutes"
	limitSedang        = "limit.sedang_minutes"
	limitRendah        = "limit.rendah_workdays"
	limitTPKS          = "limit.tpks_minutes"
	limitPDP           = "limit.pdp_minutes"
	limitAckUrgent     = "limit.ack_urgent_minutes"
	limitAckNormal     = "limit.ack_normal_minutes"
)

// TimeLimits returns the configured time limits (defaults where unset).
func (s DutyService) TimeLimits(ctx context.Context) (spiker.TimeLimits, error) {
	var l spiker.TimeLimits
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		l, err = timeLimits(ctx, tx)
		return err
	})
	return l, err
}

// limitSettings are the settings that hold the time limits, in minutes
// (working days for rendah).
var limitSettings = []struct {
	name string
	set  func(l *spiker.TimeLimits, n int)
}{
	{limitFirstResponse, func(l *spiker.TimeLimits, n int) { l.FirstResponse = time.Duration(n) * time.Minute }},
	{limitSedang, func(l *spiker.TimeLimits, n int) { l.Sedang = time.Duration(n) * time.Minute }},
	{limitRendah, func(l *spiker.TimeLimits, n int) { l.RendahWorkdays = n }},
	{limitTPKS, func(l *spiker.TimeLimits, n int) { l.TPKSPolice = time.Duration(n) * time.Minute }},
	{limitPDP, func(l *spiker.TimeLimits, n int) { l.PDP = time.Duration(n) * time.Minute }},
	{limitAckUrgent, func(l *spiker.TimeLimits, n int) { l.AckUrgent = time.Duration(n) * time.Minute }},
	{limitAckNormal, func(l *spiker.TimeLimits, n int) { l.AckNormal = time.Duration(n) * time.Minute }},
}

func timeLimits(ctx context.Context, tx *sqldb.Tx) (spiker.TimeLimits, error) {
	l := spiker.DefaultTimeLimits
	// One row ("name=minutes,..."), so that the read can travel with a
	// transaction's queued writes (Tx.Get).
	var all sql.NullString
	if err := tx.Get(ctx, `SELECT string_agg(name || '=' || value, ',') FROM settings WHERE name LIKE 'limit.%'`, nil, &all); err != nil {
		return l, err
	}
	for pair := range strings.SplitSeq(all.String, ",") {
		name, value, _ := strings.Cut(pair, "=")
		n, err := strconv.Atoi(value)
		if err != nil {
			continue
		}
		for _, ls := range limitSettings {
			if ls.name == name {
				ls.set(&l, n)
			}
		}
	}
	return l, nil
}

// SetTimeLimits saves the time limits (admin). New clocks use them; running
// clocks keep the limit they started with.
func (s DutyService) SetTimeLimits(ctx context.Context, actor *spiker.Actor, l spiker.TimeLimits) error {
	if err := spiker.Authorize(actor, spiker.PermSettings, spiker.Scope{}); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		for name, v := range map[string]int{limitFirstResponse: int(l.FirstResponse / time.Minute), limitSedang: int(l.Sedang / time.Minute),
			limitRendah: l.RendahWorkdays, limitTPKS: int(l.TPKSPolice / time.Minute), limitPDP: int(l.PDP / time.Minute), limitAckUrgent: int(l.AckUrgent / time.Minute),
			limitAckNormal: int(l.AckNormal / time.Minute)} {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, strconv.Itoa(v), tx.Now()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "settings.limits", "settings", "limits", "")
	})
}

// Holidays returns the holiday calendar from a date on.
func (s DutyService) Holidays(ctx context.Context, from string) (map[string]string, error) {
	out := map[string]string{}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT day, name FROM holidays WHERE day >= $1 ORDER BY day`, from)
		days, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (h [2]string, err error) { return h, rows.Scan(&h[0], &h[1]) })
		for _, h := range days {
			out[h[0]] = h[1]
		}
		return err
	})
	return out, err
}

// SetHoliday adds (or with an empty name removes) a holiday.
func (s DutyService) SetHoliday(ctx context.Context, actor *spiker.Actor, day, name string) error {
	if err := spiker.Authorize(actor, spiker.PermSettings, spiker.Scope{}); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(name) > 200 {
		return &spiker.Error{Code: spiker.EINVALID, Message: "choose a date and write the holiday's name", Fields: map[string]string{"holiday": "limits.err.holiday"}}
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var err error
		if name == "" {
			_, err = tx.Exec(ctx, `DELETE FROM holidays WHERE day = $1`, day)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO holidays (day, name) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET name = excluded.name`, day, name)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "settings.holiday", "settings", day, name)
	})
}

func holidaySet(ctx context.Context, tx *sqldb.Tx, from time.Time) (map[string]bool, error) {
	days, err := sqldb.QueryStrings(ctx, tx, `SELECT day FROM holidays WHERE day >= $1`, from.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, d := range days {
		out[d] = true
	}
	return out, nil
}

const settingChannels = "channels"

// ChannelSettings returns the alert channels' settings, decrypted.
func (s DutyService) ChannelSettings(ctx context.Context) (*spiker.ChannelSettings, error) {
	c := &spiker.ChannelSettings{}
	var sealed string
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT value FROM settings WHERE name = $1`, []any{settingChannels}, &sealed)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	} else if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err == nil {
		b, err = s.Secrets.Open(vault.PurposeChannels, b, []byte(settingChannels))
	}
	if err == nil {
		err = json.Unmarshal(b, c)
	}
	if err != nil {
		return nil, fmt.Errorf("the channel settings do not open (was the secret file replaced?): %w", err)
	}
	return c, nil
}

// SetChannelSettings saves the alert channels' settings (admin), sealed
// under the server's channels key.
func (s DutyService) SetChannelSettings(ctx context.Context, actor *spiker.Actor, c *spiker.ChannelSettings) error {
	if err := spiker.Authorize(actor, spiker.PermSettings, spiker.Scope{}); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(c)
	sealed := base64.StdEncoding.EncodeToString(s.Secrets.Seal(vault.PurposeChannels, b, []byte(settingChannels)))
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingChannels, sealed, tx.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "settings.channels", "settings", settingChannels, "")
	})
}
