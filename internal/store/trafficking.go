package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// saveTrafficking writes a victim's Kategori Trafficking (clear, like the
// violence types it qualifies), apart from the victim's other columns.
func saveTrafficking(ctx context.Context, tx *sqldb.Tx, v *spiker.CaseVictim) error {
	_, err := tx.Exec(ctx, `UPDATE case_victims SET trafficking_categories = $1 WHERE id = $2`,
		strings.Join(v.TraffickingCategories, ";"), v.ID)
	return err
}

// loadTrafficking fills the Kategori Trafficking of a case's loaded victims.
func loadTrafficking(ctx context.Context, tx *sqldb.Tx, c *spiker.Case) error {
	rows, err := tx.Query(ctx, `SELECT id, trafficking_categories FROM case_victims WHERE case_id = $1`, c.ID)
	all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (v [2]string, err error) { return v, rows.Scan(&v[0], &v[1]) })
	for _, v := range all {
		id, cats := v[0], v[1]
		for i := range c.Victims {
			if c.Victims[i].ID == id {
				c.Victims[i].TraffickingCategories = splitList(cats)
			}
		}
	}
	return err
}
