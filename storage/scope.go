package storage

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// The scope of a transaction decides what PostgreSQL's row-level security
// lets it see (migration 00050): a member's request sees the member's rows
// and those shared with them; services, tools and the system itself see
// everything their (separately checked) operation needs.

type scopeKey struct{}

// WithMember returns a context whose storage transactions run in member
// scope for customerID. The HTTP handler sets it for every member token, so
// even a query that forgot its WHERE returns only what the member may see.
func WithMember(ctx context.Context, customerID string) context.Context {
	return context.WithValue(ctx, scopeKey{}, customerID)
}

// memberScope returns the member of ctx's scope, if any.
func memberScope(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(scopeKey{}).(string)
	return id, ok && id != ""
}

// asSystem returns ctx in system scope: for the few member operations whose
// SQL must reach beyond the member's rows by design (erasure clears the
// member's id from other members' logs; the bonus sums a household).
func asSystem(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, "")
}

// beginScope is the first statement of every storage transaction: it sets
// the row-level security settings and switches to the unprivileged role.
func (db *DB) beginScope(ctx context.Context, tx pgx.Tx) error {
	if db.cfg.WithoutRowSecurity {
		return nil
	}
	scope, viewer := "system", ""
	if id, ok := memberScope(ctx); ok {
		scope, viewer = "member", id
	}
	if !db.rls {
		_, err := tx.Exec(ctx, `SELECT omadata_scope($1, $2, $3)`, scope, viewer, db.Now())
		return err
	}
	_, err := tx.Exec(ctx, `SELECT omadata_scope($1, $2, $3), set_config('role', 'omadata_app', true)`,
		scope, viewer, db.Now())
	return err
}

// checkRLSRole reports whether the connected user may switch to
// omadata_app (the migration could create and grant it).
func checkRLSRole(ctx context.Context, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) bool {
	var ok bool
	err := pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'omadata_app')
			AND pg_has_role(current_user, 'omadata_app', 'MEMBER')`).Scan(&ok)
	return err == nil && ok
}
