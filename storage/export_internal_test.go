package storage

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// ReadTxForTest exposes readTx to the external tests, which use it to run a
// deliberately unfiltered query and see what row-level security lets by.
func (db *DB) ReadTxForTest(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.readTx(ctx, fn)
}

// RLSForTest reports whether transactions switch to the unprivileged role.
func (db *DB) RLSForTest() bool { return db.rls }
