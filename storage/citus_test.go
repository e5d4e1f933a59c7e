package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omadata/omadata/storage/pgtest"
)

// catalogTables become Citus reference tables (a copy on every node); every
// other table with a customer_id column is distributed by it (DESIGN.md §10,
// docs/scaling.md).
var catalogTables = []string{"categories", "stores", "products"}

// keyColumns lists, per table of the public schema, its customer_id-ness
// and its primary key, unique indexes and foreign keys with their columns
// in key order.
const keyColumnsSQL = `
WITH t AS (
	SELECT c.oid, c.relname,
		EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped) AS owned
	FROM pg_class c
	WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p'))
SELECT t.relname, t.owned, 'primary key' AS kind, i.indexrelid::regclass::text AS name,
	array(SELECT coalesce(a.attname, '(expression)') FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(n, o)
		LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o) AS cols,
	NULL::text AS ref, '{}'::text[] AS ref_cols
FROM t JOIN pg_index i ON i.indrelid = t.oid AND i.indisprimary
UNION ALL
SELECT t.relname, t.owned, 'unique index', i.indexrelid::regclass::text,
	array(SELECT coalesce(a.attname, '(expression)') FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(n, o)
		LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o),
	NULL, '{}'
FROM t JOIN pg_index i ON i.indrelid = t.oid AND i.indisunique AND NOT i.indisprimary
UNION ALL
SELECT t.relname, t.owned, 'foreign key', k.conname,
	array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY c(n, o)
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.n ORDER BY c.o),
	k.confrelid::regclass::text,
	array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY c(n, o)
		JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.n ORDER BY c.o)
FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
UNION ALL
SELECT t.relname, t.owned, 'no primary key', '', '{}', NULL, '{}'
FROM t WHERE NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary)
ORDER BY 1, 3, 4`

// citusViolations checks the schema against the Citus rule and returns
// each breach, described. A member-owned table (one with customer_id,
// catalog tables aside) is distributed by customer_id, so its primary key
// and every unique index must lead with customer_id, and a foreign key to
// another member-owned table must lead with customer_id on both sides. A
// foreign key may point at a catalog (reference) table, never at a local
// table; no table but a member-owned one may point at a member-owned one.
func citusViolations(ctx context.Context, pool *pgxpool.Pool) (violations []string, owned []string, err error) {
	rows, err := pool.Query(ctx, keyColumnsSQL)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	type key struct {
		table, kind, name, ref string
		owned                  bool
		cols, refCols          []string
	}
	var keys []key
	isOwned := map[string]bool{}
	for rows.Next() {
		var k key
		var ref *string
		if err := rows.Scan(&k.table, &k.owned, &k.kind, &k.name, &k.cols, &ref, &k.refCols); err != nil {
			return nil, nil, err
		}
		if ref != nil {
			k.ref = *ref
		}
		k.owned = k.owned && !slices.Contains(catalogTables, k.table)
		isOwned[k.table] = k.owned
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for t, o := range isOwned {
		if o {
			owned = append(owned, t)
		}
	}
	slices.Sort(owned)
	leads := func(cols []string) bool { return len(cols) > 0 && cols[0] == "customer_id" }
	for _, k := range keys {
		where := fmt.Sprintf("%s: %s %s %v", k.table, k.kind, k.name, k.cols)
		switch {
		case !k.owned:
			if k.kind == "foreign key" && isOwned[k.ref] {
				violations = append(violations, where+" points at member-owned "+k.ref+" from a table that is not distributed")
			}
		case k.kind == "no primary key":
			violations = append(violations, k.table+": a member-owned table without a primary key")
		case k.kind != "foreign key":
			if !leads(k.cols) {
				violations = append(violations, where+" does not lead with customer_id")
			}
		case isOwned[k.ref]:
			if !leads(k.cols) || !leads(k.refCols) {
				violations = append(violations, fmt.Sprintf("%s -> %s%v does not lead with customer_id on both sides", where, k.ref, k.refCols))
			}
		case !slices.Contains(catalogTables, k.ref):
			violations = append(violations, where+" points at "+k.ref+", neither distributed nor a reference table")
		}
	}
	return violations, owned, nil
}

// TestCitusRule holds every migration to the Citus rule of DESIGN.md §10.
func TestCitusRule(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		pool := pgtest.NewPool(t)
		violations, owned, err := citusViolations(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		if len(violations) > 0 {
			t.Fatalf("the schema breaks the Citus rule (docs/scaling.md):\n%q", violations)
		}
		// The check saw the tables that matter (a wrong query would see none).
		for _, want := range []string{"members", "cards", "receipts", "receipt_lines", "consent_events", "access_events", "line_month_rollups"} {
			if !slices.Contains(owned, want) {
				t.Fatalf("%s is not among the member-owned tables checked: %v", want, owned)
			}
		}
	})
	t.Run("ErrBreaches", func(t *testing.T) {
		pool := pgtest.NewPool(t)
		_, err := pool.Exec(ctx, `
			CREATE TABLE bad_pk (id bigint PRIMARY KEY, customer_id text NOT NULL);
			CREATE TABLE bad_unique (customer_id text, x text, PRIMARY KEY (customer_id, x));
			CREATE UNIQUE INDEX bad_unique_x ON bad_unique (x);
			CREATE TABLE bad_fk (customer_id text, seq bigint, other text REFERENCES members,
				PRIMARY KEY (customer_id, seq));
			CREATE TABLE no_pk (customer_id text);
			CREATE TABLE local_notes (id int PRIMARY KEY, member text REFERENCES members);
			CREATE TABLE to_local (customer_id text, run bigint REFERENCES retention_runs, PRIMARY KEY (customer_id, run));`)
		if err != nil {
			t.Fatal(err)
		}
		violations, _, err := citusViolations(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"bad_fk: foreign key bad_fk_other_fkey [other] -> members[customer_id] does not lead with customer_id on both sides",
			"bad_pk: primary key bad_pk_pkey [id] does not lead with customer_id",
			"bad_unique: unique index bad_unique_x [x] does not lead with customer_id",
			"local_notes: foreign key local_notes_member_fkey [member] points at member-owned members from a table that is not distributed",
			"no_pk: a member-owned table without a primary key",
			"to_local: foreign key to_local_run_fkey [run] points at retention_runs, neither distributed nor a reference table",
		}
		slices.Sort(violations)
		if !slices.Equal(violations, want) {
			t.Fatalf("violations:\n%q\nwant:\n%q", violations, want)
		}
	})
}
