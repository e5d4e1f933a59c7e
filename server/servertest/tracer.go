package servertest

import (
	"context"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// StatementCounter is a pgx tracer that counts the SQL statements the
// storage sends, so tests can hold a request to a statement budget.
// Transaction control (BEGIN, COMMIT, ROLLBACK) is not counted: it is
// plumbing, not a query.
type StatementCounter struct {
	mu    sync.Mutex
	on    bool
	count int
	sqls  []string
}

// TraceQueryStart counts a statement while counting is on.
func (c *StatementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return ctx
	}
	sql := strings.ToLower(strings.TrimSpace(data.SQL))
	counted := data.SQL
	for _, p := range []string{"begin", "commit", "rollback"} {
		if strings.HasPrefix(sql, p) {
			// storage sends BEGIN and its scope statement in one message:
			// the scope statement counts.
			_, rest, ok := strings.Cut(data.SQL, ";")
			if !ok {
				return ctx
			}
			counted = strings.TrimSpace(rest)
		}
	}
	c.count++
	c.sqls = append(c.sqls, counted)
	return ctx
}

// TraceQueryEnd does nothing.
func (c *StatementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart does nothing: the statements of a batch are counted one
// by one.
func (c *StatementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

// TraceBatchQuery counts a statement of a batch while counting is on.
func (c *StatementCounter) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	c.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: data.SQL, Args: data.Args})
}

// TraceBatchEnd does nothing.
func (c *StatementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Count runs fn and returns the statements it sent.
func (c *StatementCounter) Count(fn func()) (int, []string) {
	c.mu.Lock()
	c.on, c.count, c.sqls = true, 0, nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.count, c.sqls
}
