package storage

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// RebuildBatch is how many members RebuildRollups recomputes per
// transaction unless told otherwise.
const RebuildBatch = 100

// RebuildRollups recomputes the insight rollups of every member from their
// receipts and lines (the SQL function rollup_rebuild), batch members per
// transaction, so no transaction is long and ingest goes on meanwhile (the
// rollup triggers and the rebuild lock each member's row, so a rebuild and
// an ingest for the same member take turns). Run it after products change
// in ways that change figures (CO2e factor, nutrition, weight, origin,
// category; a GTIN first added after its lines came in) or after a
// category's group or fruit-and-vegetable flag changes. It first rewrites
// each receipt's and line's purchased_on in the program's time zone where
// it differs, so a changed OMADATA_TIME_ZONE is applied too. progress, if
// set, is called after each batch with the members done so far. It returns
// how many members it rebuilt.
func (db *DB) RebuildRollups(ctx context.Context, batch int, progress func(done int)) (int, error) {
	if batch <= 0 {
		batch = RebuildBatch
	}
	done, after := 0, ""
	for {
		var ids []string
		err := db.readTx(ctx, func(tx pgx.Tx) error {
			rows, _ := tx.Query(ctx, `SELECT customer_id FROM members WHERE customer_id > $1 ORDER BY customer_id LIMIT $2`, after, batch)
			var err error
			ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil || len(ids) == 0 {
			return done, err
		}
		if err := db.writeTx(ctx, func(tx pgx.Tx) error { return db.rebuild(ctx, tx, ids) }); err != nil {
			return done, err
		}
		done, after = done+len(ids), ids[len(ids)-1]
		if progress != nil {
			progress(done)
		}
	}
}

// rebuild recomputes the rollups of the members ids.
func (db *DB) rebuild(ctx context.Context, tx pgx.Tx, ids []string) error {
	// Dates in the program's zone, with PostgreSQL's zone rules, which
	// agree with Go's for the dates the program keeps.
	if zone := db.cfg.Location.String(); zone != "Local" {
		if _, err := tx.Exec(ctx, `
			UPDATE receipts SET purchased_on = (purchased_at AT TIME ZONE $2)::date
			WHERE customer_id = ANY($1) AND purchased_on <> (purchased_at AT TIME ZONE $2)::date`, ids, zone); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE receipt_lines l SET purchased_on = r.purchased_on FROM receipts r
			WHERE l.customer_id = ANY($1) AND r.customer_id = l.customer_id AND r.receipt_seq = l.receipt_seq
			  AND l.purchased_on <> r.purchased_on`, ids); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `SELECT rollup_rebuild(id) FROM unnest($1::text[]) id ORDER BY id`, ids)
	return err
}
