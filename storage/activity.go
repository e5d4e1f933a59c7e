package storage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// Activity keeps a member from being erased as inactive (DESIGN.md §6 rule
// 9): ingest records card use (touchCardUse), and an authenticated request
// records a login, at most once a day.

// TouchLogin records that the member signed in now, unless a login was
// already recorded today (in the program's time zone), so a busy member
// costs one write a day, not one a request. It reports whether it wrote.
// An unknown or erased member is not an error: there is nothing to touch.
func (db *DB) TouchLogin(ctx context.Context, customerID string) (bool, error) {
	now := db.Now()
	today := db.TodayStart(now)
	var n int64
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE members SET last_login_at = $2
			WHERE customer_id = $1 AND (last_login_at IS NULL OR last_login_at < $3)`,
			customerID, now, today)
		n = tag.RowsAffected()
		return err
	})
	return n > 0, err
}

// TodayStart returns the instant the day of t began in the program's time
// zone: the boundary of "once a day".
func (db *DB) TodayStart(t time.Time) time.Time {
	return model.DateOf(t, db.cfg.Location).Start(db.cfg.Location).UTC()
}
