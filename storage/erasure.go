package storage

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// Erasure (DESIGN.md §6 rule 10, GDPR Art. 17) is driven by the catalog,
// not by a list of tables: every table of the schema with a customer_id
// column holds rows about a member, so a table added by a later migration
// (rollups, invitations, ...) is erased without anyone remembering to add
// it here. What remains of an erased member is one more in the anonymous
// erasures count of the day.
//
// Other members' rows can name the erased member too. By convention such a
// column is named actor_id or ends in _customer_id. They are the other
// member's records (an access log says who read *their* data), so the row
// stays and only the reference goes: a nullable column is set to NULL, a
// NOT NULL one takes its row with it. The actor_name shown in an access log
// stays as it was: it is what the owner was told when the read happened.

// ErasureReason is why a member was erased, as the anonymous count keeps it.
type ErasureReason string

// Erasure reasons.
const (
	// ErasureRequest: the member asked (deleteMyData).
	ErasureRequest ErasureReason = "request"
	// ErasureInactivity: retention, after OMADATA_INACTIVITY_MONTHS without
	// card use or login.
	ErasureInactivity ErasureReason = "inactivity"
)

// EraseMember removes every row about the member in one transaction and
// reports what it removed. It returns NOT_FOUND when the member does not
// exist (including when already erased).
func (db *DB) EraseMember(ctx context.Context, customerID string) (*model.ErasureReport, error) {
	var rep *model.ErasureReport
	now := db.Now()
	// System scope: erasure also clears the member's id from other members'
	// access logs, which the member's own scope cannot reach.
	err := db.writeTx(asSystem(ctx), func(tx pgx.Tx) error {
		// Lock the member first: an ingest or consent change that comes in
		// meanwhile waits, then finds no member.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM members WHERE customer_id = $1 FOR UPDATE`, customerID).Scan(&one)
		if errNoRows(err) {
			return model.Errorf(model.NotFound, "member not found")
		}
		if err != nil {
			return err
		}
		rep, _, err = eraseMembers(ctx, tx, []string{customerID}, ErasureRequest, db.day(now))
		return err
	})
	return rep, err
}

// day is the date of t in the program's time zone, as PostgreSQL's date
// type exchanges it.
func (db *DB) day(t time.Time) time.Time { return model.DateOf(t, db.cfg.Location).UTCMidnight() }

// memberTable is a table that holds rows about members.
type memberTable struct {
	name string
	// refs are the tables that reference this one by foreign key.
	refs []string
}

// eraseMembers erases the members ids (already locked by the caller) and
// counts them under reason on day. It returns what it removed and how many
// members it erased.
func eraseMembers(ctx context.Context, tx pgx.Tx, ids []string, reason ErasureReason, day time.Time) (*model.ErasureReport, int, error) {
	// The consent ledger refuses deletes unless the transaction says it is
	// an erasure (migration 00010); SET LOCAL ends with the transaction.
	if _, err := tx.Exec(ctx, `SELECT set_config('omadata.erasure', 'on', true)`); err != nil {
		return nil, 0, err
	}
	tables, err := memberTables(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	if err := dropReferences(ctx, tx, ids); err != nil {
		return nil, 0, err
	}
	deleted, err := deleteRows(ctx, tx, tables, ids)
	if err != nil {
		return nil, 0, err
	}
	erased := int(deleted["members"])
	if erased > 0 {
		if _, err := tx.Exec(ctx, `
			INSERT INTO erasures (day, reason, count) VALUES ($1, $2, $3)
			ON CONFLICT (day, reason) DO UPDATE SET count = erasures.count + excluded.count`,
			day, string(reason), erased); err != nil {
			return nil, 0, err
		}
	}
	return &model.ErasureReport{Receipts: int(deleted["receipts"]), Lines: int(deleted["receipt_lines"]),
		ConsentEvents: int(deleted["consent_events"]), AccessEvents: int(deleted["access_events"])}, erased, nil
}

// deleteRows deletes the members' rows from every member table, children
// before the tables they reference (so the counts are exact and triggers
// that maintain derived data, such as the insight rollups, see their
// member still there), members last. A trigger may write a derived row
// again as its source goes; the sweep repeats until a pass deletes nothing.
func deleteRows(ctx context.Context, tx pgx.Tx, tables []string, ids []string) (map[string]int64, error) {
	deleted := map[string]int64{}
	for pass := 0; ; pass++ {
		if pass == 3 {
			return nil, fmt.Errorf("erasure: rows keep reappearing in member tables")
		}
		var n int64
		for _, t := range tables {
			tag, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{t}.Sanitize()+` WHERE customer_id = ANY($1)`, ids)
			if err != nil {
				return nil, err
			}
			deleted[t] += tag.RowsAffected()
			n += tag.RowsAffected()
		}
		if n == 0 {
			return deleted, nil
		}
	}
}

// dropReferences removes the members' ids from other members' rows: by
// convention, columns named actor_id or ending in _customer_id.
func dropReferences(ctx context.Context, tx pgx.Tx, ids []string) error {
	rows, _ := tx.Query(ctx, `
		SELECT c.relname, a.attname, a.attnotnull
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND a.atttypid = 'text'::regtype
		  AND (a.attname = 'actor_id' OR a.attname LIKE '%\_customer\_id')
		ORDER BY c.relname, a.attname`)
	type ref struct {
		table, column string
		notNull       bool
	}
	var refs []ref
	var r ref
	if _, err := pgx.ForEachRow(rows, []any{&r.table, &r.column, &r.notNull}, func() error {
		refs = append(refs, r)
		return nil
	}); err != nil {
		return err
	}
	for _, r := range refs {
		t, c := pgx.Identifier{r.table}.Sanitize(), pgx.Identifier{r.column}.Sanitize()
		sql := `UPDATE ` + t + ` SET ` + c + ` = NULL WHERE ` + c + ` = ANY($1)`
		if r.notNull {
			sql = `DELETE FROM ` + t + ` WHERE ` + c + ` = ANY($1)`
		}
		if _, err := tx.Exec(ctx, sql, ids); err != nil {
			return err
		}
	}
	return nil
}

// memberTables lists the tables of the schema that have a customer_id
// column, ordered so that a table comes before every table it references
// by foreign key (members, which all reference, comes last).
func memberTables(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, _ := tx.Query(ctx, `
		SELECT c.relname,
			coalesce(array(
				SELECT DISTINCT ch.relname FROM pg_constraint f
				JOIN pg_class ch ON ch.oid = f.conrelid
				WHERE f.contype = 'f' AND f.confrelid = c.oid AND f.conrelid <> c.oid
				ORDER BY ch.relname), '{}') AS refs
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		ORDER BY c.relname`)
	var list []memberTable
	var t memberTable
	if _, err := pgx.ForEachRow(rows, []any{&t.name, &t.refs}, func() error {
		t.refs = append(t.refs, linkedByTrigger[t.name]...)
		list = append(list, t)
		return nil
	}); err != nil {
		return nil, err
	}
	return childrenFirst(list), nil
}

// linkedByTrigger adds the references that triggers keep instead of a
// foreign key, which the catalog does not show: receipt_lines point at
// their receipt (migration 00110). Deleting the lines first keeps the
// erasure report's line count exact.
var linkedByTrigger = map[string][]string{"receipts": {"receipt_lines"}}

// childrenFirst orders tables so that each comes after every member table
// that references it (a depth-first topological sort; ties by name).
func childrenFirst(list []memberTable) []string {
	byName := map[string]memberTable{}
	for _, t := range list {
		byName[t.name] = t
	}
	names := make([]string, 0, len(list))
	for _, t := range list {
		names = append(names, t.name)
	}
	sort.Strings(names)
	var out []string
	state := map[string]int{} // 1: visiting, 2: done
	var visit func(string)
	visit = func(n string) {
		if state[n] != 0 {
			return // done, or a reference cycle: order within it does not matter
		}
		state[n] = 1
		for _, child := range byName[n].refs {
			if _, ok := byName[child]; ok {
				visit(child)
			}
		}
		state[n] = 2
		out = append(out, n)
	}
	for _, n := range names {
		visit(n)
	}
	return out
}
