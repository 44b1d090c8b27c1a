package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// OfficeCategories returns the office's categories, active ones first.
func (s NetworkService) OfficeCategories(ctx context.Context) ([]spiker.OfficeCategory, error) {
	var out []spiker.OfficeCategory
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = officeCategories(ctx, tx)
		return err
	})
	return out, err
}

func officeCategories(ctx context.Context, tx *sqldb.Tx) ([]spiker.OfficeCategory, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, simfoni_type, active FROM office_categories ORDER BY active DESC, name, id`)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (c spiker.OfficeCategory, err error) {
		return c, rows.Scan(&c.ID, &c.Name, &c.SimfoniType, &c.Active)
	})
}

// SaveOfficeCategory adds a category or changes one (name, SIMFONI label,
// active). Names are unique to a reader (case and spacing aside). The audit
// entry names what changed, never a name.
func (s NetworkService) SaveOfficeCategory(ctx context.Context, actor *spiker.Actor, c *spiker.OfficeCategory) error {
	if err := spiker.Authorize(actor, spiker.PermSettings, spiker.Scope{}); err != nil {
		return err
	}
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	if err := c.Validate(); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		all, err := officeCategories(ctx, tx)
		if err != nil {
			return err
		}
		var old *spiker.OfficeCategory
		for i := range all {
			if all[i].ID == c.ID && c.ID != "" {
				old = &all[i]
			} else if spiker.SameCategoryName(all[i].Name, c.Name) {
				return &spiker.Error{Code: spiker.EINVALID, Message: "a category of that name exists", Fields: map[string]string{"name": "category.err.duplicate"}}
			}
		}
		if c.ID == "" {
			c.ID, c.Active = newID(), true
			if _, err := tx.Exec(ctx, `INSERT INTO office_categories (id, name, simfoni_type, active, created_at) VALUES ($1, $2, $3, $4, $5)`,
				c.ID, c.Name, c.SimfoniType, c.Active, tx.Now()); err != nil {
				return err
			}
			return s.audit(ctx, tx, actor, "category.create", "category", c.ID, c.SimfoniType)
		}
		if old == nil {
			return spiker.Errorf(spiker.ENOTFOUND, "category not found")
		}
		var changed []string
		if old.Name != c.Name {
			changed = append(changed, "nama")
		}
		if old.SimfoniType != c.SimfoniType {
			changed = append(changed, "simfoni "+old.SimfoniType+" -> "+c.SimfoniType)
		}
		if old.Active != c.Active {
			changed = append(changed, map[bool]string{true: "aktif", false: "nonaktif"}[c.Active])
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE office_categories SET name = $1, simfoni_type = $2, active = $3 WHERE id = $4`,
			c.Name, c.SimfoniType, c.Active, c.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "category.update", "category", c.ID, strings.Join(changed, ", "))
	})
}
