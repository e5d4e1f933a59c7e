package storage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// Access is one read of a member's product-level data by someone else, for
// the member's access log (DESIGN.md §6 rule 7).
type Access struct {
	// Owner is the member whose data was read.
	Owner     string
	ActorKind model.ActorKind
	// ActorID identifies the reader internally (a customer id or a service
	// name); ActorName is what the owner sees (a first name, a service name;
	// for a household member left nil, their first name is looked up).
	ActorID   string
	ActorName *string
	// Resource says what was read ("receipt <id>", "insights 2026-01..2026-06").
	Resource string
	// Purpose says why ("household sharing", "marketing audience NEWSLETTER").
	Purpose string
}

// RecordAccess appends access events in one statement, however many there
// are (a page of shared receipts is one insert, not one per row).
func (db *DB) RecordAccess(ctx context.Context, events []Access) error {
	if len(events) == 0 {
		return nil
	}
	return db.writeTx(ctx, func(tx pgx.Tx) error { return recordAccess(ctx, tx, events, db.Now()) })
}

// recordAccess is RecordAccess inside a caller's transaction, for writes
// that must commit together with the read they log (exports, audiences).
func recordAccess(ctx context.Context, tx pgx.Tx, events []Access, now time.Time) error {
	_, err := tx.Exec(ctx, accessInsertSQL, accessArgs(events, now)...)
	return err
}

// accessInsertSQL appends the events of accessArgs.
const accessInsertSQL = `
	INSERT INTO access_events (customer_id, at, actor_kind, actor_id, actor_name, resource, purpose)
	SELECT o, $7, k, i,
		-- A household member is shown by first name, as the owner knows them.
		coalesce(n, CASE WHEN k = 'HOUSEHOLD_MEMBER'
			THEN (SELECT split_part(m.name, ' ', 1) FROM members m WHERE m.customer_id = i) END),
		r, p
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(o, k, i, n, r, p)`

// accessArgs returns the arguments of accessInsertSQL: one array per column.
func accessArgs(events []Access, now time.Time) []any {
	n := len(events)
	owners, kinds, ids, resources, purposes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	names := make([]*string, n)
	for i, e := range events {
		owners[i], kinds[i], ids[i], names[i] = e.Owner, string(e.ActorKind), e.ActorID, e.ActorName
		resources[i], purposes[i] = e.Resource, e.Purpose
	}
	return []any{owners, kinds, ids, names, resources, purposes, now}
}
