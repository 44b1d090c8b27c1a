package sqldb_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

// TestSchemaMatchesAcrossDialects migrates both databases and compares what
// the migrations built: the same tables with the same columns (by name and
// whether they take NULL) and the same named indexes over the same columns.
// A migration written for one dialect and forgotten, or written differently,
// in the other fails here.
func TestSchemaMatchesAcrossDialects(t *testing.T) {
	pgURL := sqldbtest.PostgresURL(t)
	lite := schemaOf(t, sqldbtest.Open(t, sqldbtest.SQLiteURL(t)))
	pg := schemaOf(t, sqldbtest.Open(t, pgURL))
	if len(lite) < 40 {
		t.Fatalf("SQLite schema has %d entries; the reader is broken", len(lite))
	}
	indexes := 0
	for s := range lite {
		if strings.HasPrefix(s, "index ") {
			indexes++
		}
	}
	if indexes < 10 {
		t.Fatalf("SQLite schema has %d named indexes; the reader is broken", indexes)
	}
	if d := diff(lite, pg); d != "" {
		t.Errorf("the dialects' schemas differ:\n%s", d)
	}
}

// schemaOf lists a migrated database's tables, columns and indexes as
// comparable lines: "table t", "column t.c null|not null",
// "index t.name (c1,c2) unique?".
func schemaOf(t *testing.T, db *sqldb.DB) map[string]bool {
	t.Helper()
	ctx := context.Background()
	out := map[string]bool{}
	var queries []string
	if db.Dialect() == sqldb.SQLite {
		queries = []string{
			`SELECT 'table ' || name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
			`SELECT 'column ' || m.name || '.' || p.name || CASE WHEN p."notnull" = 1 OR p.pk > 0 THEN ' not null' ELSE ' null' END
				FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
			`SELECT 'index ' || m.tbl_name || '.' || m.name || ' (' || (SELECT group_concat(name, ',') FROM
				(SELECT i.name FROM pragma_index_info(m.name) i ORDER BY i.seqno)) || ')' ||
				CASE WHEN l."unique" = 1 THEN ' unique' ELSE '' END
				FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name
				WHERE m.type = 'index' AND m.sql IS NOT NULL`,
		}
	} else {
		queries = []string{
			`SELECT 'table ' || table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
			`SELECT 'column ' || table_name || '.' || column_name || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE ' null' END
				FROM information_schema.columns c WHERE table_schema = current_schema()
				AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')`,
			// Named indexes only: those behind a primary key or a UNIQUE
			// constraint are SQLite's unnamed autoindexes.
			`SELECT 'index ' || t.relname || '.' || i.relname || ' (' ||
				(SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) || ')' ||
				CASE WHEN x.indisunique THEN ' unique' ELSE '' END
				FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
				JOIN pg_namespace n ON n.oid = t.relnamespace
				WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
		}
	}
	err := db.View(ctx, func(tx *sqldb.Tx) error {
		for _, q := range queries {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			for rows.Next() {
				var s *string
				if err := rows.Scan(&s); err != nil {
					rows.Close()
					return err
				}
				if s != nil {
					out[*s] = true
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diff(lite, pg map[string]bool) string {
	var out []string
	for s := range lite {
		if !pg[s] {
			out = append(out, "only in SQLite: "+s)
		}
	}
	for s := range pg {
		if !lite[s] {
			out = append(out, "only in PostgreSQL: "+s)
		}
	}
	sort.Strings(out)
	if len(out) > 60 {
		out = append(out[:60], fmt.Sprintf("… and %d more", len(out)-60))
	}
	return strings.Join(out, "\n")
}
