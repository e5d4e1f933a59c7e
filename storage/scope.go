package storage

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
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

// beginSQL returns what begins every storage transaction: BEGIN with
// opts, and the scope statement (scopeSQL). Both go in one message
// (PostgreSQL's simple protocol runs them in order, and the transaction
// BEGIN opens stays open), so a transaction starts in one round trip, not
// two.
func (db *DB) beginSQL(ctx context.Context, opts pgx.TxOptions) (string, error) {
	var b strings.Builder
	b.WriteString("BEGIN")
	if opts.IsoLevel != "" {
		b.WriteString(" ISOLATION LEVEL " + strings.ToUpper(string(opts.IsoLevel)))
	}
	if opts.AccessMode != "" {
		b.WriteString(" " + strings.ToUpper(string(opts.AccessMode)))
	}
	scope, err := db.scopeSQL(ctx)
	if err != nil || scope == "" {
		return b.String(), err
	}
	return b.String() + "; " + scope, nil
}

// scopeSQL returns the scope statement, which sets the row-level security
// settings of the transaction and switches to the unprivileged role ("" when
// row-level security is off). Its values are written as literals by
// quoteLiteral, so it also runs where the simple protocol has no
// parameters.
func (db *DB) scopeSQL(ctx context.Context) (string, error) {
	scope, viewer, on, err := db.scopeOf(ctx)
	if !on || err != nil {
		return "", err
	}
	v, err := quoteLiteral(viewer)
	if err != nil {
		return "", err
	}
	// Microseconds, truncated, as pgx encodes a time parameter.
	at := db.Now().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z07:00")
	return db.scopeText("'"+scope+"'", v, "'"+at+"'"), nil
}

// scopeStatement is scopeSQL with its values as parameters, for a batch,
// where a statement's text is prepared once per connection ("" when
// row-level security is off).
func (db *DB) scopeStatement(ctx context.Context) (string, []any, error) {
	scope, viewer, on, err := db.scopeOf(ctx)
	if !on || err != nil {
		return "", nil, err
	}
	return db.scopeText("$1", "$2", "$3"), []any{scope, viewer, db.Now()}, nil
}

// scopeOf returns the scope of ctx's transactions ("system", or "member"
// and the viewer); on is false when row-level security is off. A viewer
// id text cannot hold is refused.
func (db *DB) scopeOf(ctx context.Context) (scope, viewer string, on bool, err error) {
	if db.cfg.WithoutRowSecurity {
		return "", "", false, nil
	}
	scope = "system"
	if id, ok := memberScope(ctx); ok {
		scope, viewer = "member", id
	}
	return scope, viewer, true, checkText(viewer)
}

// scopeText is the scope statement with its three values written as
// given (literals or parameters).
func (db *DB) scopeText(scope, viewer, at string) string {
	sql := "SELECT omadata_scope(" + scope + ", " + viewer + ", " + at + "::timestamptz)"
	if db.rls {
		sql += ", set_config('role', 'omadata_app', true)"
	}
	return sql
}

// quoteLiteral writes s as an SQL string literal: in quotes, each quote
// doubled (standard_conforming_strings is on, PostgreSQL's default since
// 9.1, so a backslash is an ordinary character). Text cannot hold a NUL.
func quoteLiteral(s string) (string, error) {
	if err := checkText(s); err != nil {
		return "", err
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
}

// checkText refuses a subject PostgreSQL's text cannot hold.
func checkText(s string) error {
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		return model.InputErrorf("subject", "is not valid text")
	}
	return nil
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
