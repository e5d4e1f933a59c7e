package storage

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omadata/omadata/graph/model"
)

// Retention (DESIGN.md §6 rule 9, GDPR Art. 5(1)(e)): receipts older than
// their owner's window go, except while a warranty on them runs; members
// inactive for OMADATA_INACTIVITY_MONTHS are erased; membership records of
// households left that long ago go. A run works in small transactions, each
// complete on its own, and decides everything from the data and the time it
// is given: it can be killed at any moment and run again, and a second run
// finds nothing more to do.

// MaxRetentionYears returns the longest retention a member may choose.
func (db *DB) MaxRetentionYears() int { return db.cfg.MaxRetentionYears }

// InactivityMonths returns how long a member may be inactive before
// retention erases them.
func (db *DB) InactivityMonths() int { return db.cfg.InactivityMonths }

// retentionOf is the retention in effect for a member who chose years (nil:
// the default). A choice above a since lowered maximum counts as the maximum.
func (db *DB) retentionOf(years *int) int {
	y := db.cfg.RetentionYears
	if years != nil {
		y = *years
	}
	return min(y, db.cfg.MaxRetentionYears)
}

// SetRetentionYears sets how many years the member's receipts are kept and
// returns the member. It returns BAD_USER_INPUT (field years) outside
// 1..MaxRetentionYears and NOT_FOUND for an unknown member. A shorter
// window takes effect at the next retention run.
func (db *DB) SetRetentionYears(ctx context.Context, customerID string, years int) (*model.Member, error) {
	if years < 1 || years > db.cfg.MaxRetentionYears {
		return nil, model.InputErrorf("years", "must be between 1 and %d", db.cfg.MaxRetentionYears)
	}
	var m *model.Member
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE members SET retention_years = $2, updated_at = $3 WHERE customer_id = $1`,
			customerID, years, db.Now())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return model.Errorf(model.NotFound, "member not found")
		}
		m, err = member(ctx, tx, customerID, db.cfg.RetentionYears)
		return err
	})
	return m, err
}

// RetentionReport says what a retention run deleted.
type RetentionReport struct {
	Receipts    int `json:"receipts"`
	Members     int `json:"membersErased"`
	Memberships int `json:"membershipsErased"`
}

// RetentionOptions tune a run. Zero fields take their defaults.
type RetentionOptions struct {
	// Now is the time windows are measured back from (default: the clock).
	Now time.Time
	// ReceiptBatch and MemberBatch bound each transaction (default 1000
	// receipts, 100 members and 1000 membership records).
	ReceiptBatch, MemberBatch int
	// AfterBatch, if set, sees the totals so far after each committed batch.
	AfterBatch func(RetentionReport)
}

func (db *DB) retentionDefaults(o RetentionOptions) RetentionOptions {
	if o.Now.IsZero() {
		o.Now = db.Now()
	}
	if o.ReceiptBatch <= 0 {
		o.ReceiptBatch = 1000
	}
	if o.MemberBatch <= 0 {
		o.MemberBatch = 100
	}
	if o.AfterBatch == nil {
		o.AfterBatch = func(RetentionReport) {}
	}
	return o
}

// RunRetention does one retention pass as of opts.Now. On an error
// (including a cancelled ctx) the batches committed so far stay done and
// the report counts them; running again finishes the work.
func (db *DB) RunRetention(ctx context.Context, opts RetentionOptions) (RetentionReport, error) {
	o := db.retentionDefaults(opts)
	var rep RetentionReport
	inactive := o.Now.In(db.cfg.Location).AddDate(0, -db.cfg.InactivityMonths, 0)
	// Inactive members first: their receipts go with them, not one by one.
	if err := db.eraseInactive(ctx, inactive, o, &rep); err != nil {
		return rep, err
	}
	if err := db.deleteExpiredReceipts(ctx, o, &rep); err != nil {
		return rep, err
	}
	err := db.deleteOldMemberships(ctx, inactive, o, &rep)
	return rep, err
}

// eraseInactive erases, a batch at a time, the members whose card use and
// login (each never: since joining) are both before cutoff.
func (db *DB) eraseInactive(ctx context.Context, cutoff time.Time, o RetentionOptions, rep *RetentionReport) error {
	after := ""
	for {
		var ids []string
		var n int
		err := db.writeTx(ctx, func(tx pgx.Tx) error {
			// FOR UPDATE re-checks a member who is active right now once
			// their login or card use commits: they are not erased.
			rows, _ := tx.Query(ctx, `
				SELECT customer_id FROM members
				WHERE customer_id > $1
				  AND coalesce(last_card_use_at, joined_at) < $2 AND coalesce(last_login_at, joined_at) < $2
				ORDER BY customer_id LIMIT $3
				FOR UPDATE`, after, cutoff, o.MemberBatch)
			var err error
			if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(ids) == 0 {
				return err
			}
			_, n, err = eraseMembers(ctx, tx, ids, ErasureInactivity, db.day(o.Now))
			return err
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		rep.Members += n
		after = ids[len(ids)-1]
		o.AfterBatch(*rep)
	}
}

// deleteExpiredReceipts deletes receipts (their lines and their rollup
// contributions by trigger, migrations 00110 and 00030) older than their owner's window, unless
// a warranty on them has not ended. It walks the members in id order, so
// each batch starts where the last one stopped.
func (db *DB) deleteExpiredReceipts(ctx context.Context, o RetentionOptions, rep *RetentionReport) error {
	// cutoffs[y-1] is the oldest purchase time a y-year window keeps.
	local := o.Now.In(db.cfg.Location)
	cutoffs := make([]time.Time, db.cfg.MaxRetentionYears)
	for i := range cutoffs {
		cutoffs[i] = local.AddDate(-(i + 1), 0, 0)
	}
	today := db.day(o.Now)
	after := ""
	for {
		var n int
		err := db.writeTx(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `
				WITH doomed AS (
					SELECT d.customer_id, d.receipt_seq
					FROM members m CROSS JOIN LATERAL (
						SELECT r.customer_id, r.receipt_seq FROM receipts r
						WHERE r.customer_id = m.customer_id
						  AND r.purchased_at < ($2::timestamptz[])[least(coalesce(m.retention_years, $3), $4)]
						  AND (r.warranty_until IS NULL OR r.warranty_until < $5)
						LIMIT $6) d
					WHERE m.customer_id >= $1
					ORDER BY m.customer_id
					LIMIT $6),
				gone AS (
					DELETE FROM receipts r USING doomed d
					WHERE r.customer_id = d.customer_id AND r.receipt_seq = d.receipt_seq
					RETURNING r.customer_id)
				SELECT count(*), coalesce(max(customer_id), '') FROM gone`,
				after, cutoffs, db.cfg.RetentionYears, db.cfg.MaxRetentionYears, today, o.ReceiptBatch).Scan(&n, &after)
		})
		if err != nil {
			return err
		}
		rep.Receipts += n
		if n > 0 {
			o.AfterBatch(*rep)
		}
		if n < o.ReceiptBatch {
			return nil
		}
	}
}

// deleteOldMemberships erases the records of households left before cutoff.
func (db *DB) deleteOldMemberships(ctx context.Context, cutoff time.Time, o RetentionOptions, rep *RetentionReport) error {
	for {
		var n int
		err := db.writeTx(ctx, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `
				WITH doomed AS (
					SELECT customer_id, household_id, joined_at FROM household_memberships
					WHERE left_at < $1 LIMIT $2)
				DELETE FROM household_memberships h USING doomed d
				WHERE h.customer_id = d.customer_id AND h.household_id = d.household_id AND h.joined_at = d.joined_at`,
				cutoff, o.ReceiptBatch)
			n = int(tag.RowsAffected())
			return err
		})
		if err != nil {
			return err
		}
		rep.Memberships += n
		if n > 0 {
			o.AfterBatch(*rep)
		}
		if n < o.ReceiptBatch {
			return nil
		}
	}
}

// RetentionLockKey is the PostgreSQL advisory lock that one retention run
// at a time holds, across replicas ("omadata:retention", distinct from the
// migrations' lock).
const RetentionLockKey int64 = 0x6f6d_6164_7265_746e

// RetentionInterval is how often `serve` runs retention.
const RetentionInterval = 24 * time.Hour

// ErrRetentionBusy is returned when another process is running retention.
var ErrRetentionBusy = errors.New("retention: another run holds the lock")

// RunRetentionLocked is RunRetention under the advisory lock, recorded in
// retention_runs. It returns ErrRetentionBusy at once if another process
// holds the lock.
func (db *DB) RunRetentionLocked(ctx context.Context, opts RetentionOptions) (RetentionReport, error) {
	var rep RetentionReport
	ok, err := db.withRetentionLock(ctx, func(*pgxpool.Conn) error {
		var err error
		rep, err = db.recordedRun(ctx, db.retentionDefaults(opts))
		return err
	})
	if err == nil && !ok {
		err = ErrRetentionBusy
	}
	return rep, err
}

// RunRetentionIfDue runs retention as of the clock if no run started within
// the last RetentionInterval has finished, and no other process is running
// it. It reports whether it ran.
func (db *DB) RunRetentionIfDue(ctx context.Context) (bool, RetentionReport, error) {
	var rep RetentionReport
	ran := false
	_, err := db.withRetentionLock(ctx, func(c *pgxpool.Conn) error {
		now := db.Now()
		var done bool
		if err := c.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM retention_runs WHERE finished_at IS NOT NULL AND started_at > $1)`,
			now.Add(-RetentionInterval)).Scan(&done); err != nil || done {
			return err
		}
		ran = true
		var err error
		rep, err = db.recordedRun(ctx, db.retentionDefaults(RetentionOptions{Now: now}))
		return err
	})
	return ran, rep, mapError(err)
}

// ScheduleRetention runs retention daily until ctx ends: every `every` it
// calls RunRetentionIfDue, so whichever replica gets the lock first runs
// the day's pass and the others find it done. `serve` starts it in a
// goroutine with every = time.Hour.
func (db *DB) ScheduleRetention(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ran, rep, err := db.RunRetentionIfDue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			db.log.Error("retention run failed", "err", err, "receipts", rep.Receipts,
				"membersErased", rep.Members, "membershipsErased", rep.Memberships)
		case ran:
			db.log.Info("retention run", "receipts", rep.Receipts,
				"membersErased", rep.Members, "membershipsErased", rep.Memberships)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recordedRun runs retention between a start and a finish row of
// retention_runs. A killed run leaves its row unfinished.
func (db *DB) recordedRun(ctx context.Context, o RetentionOptions) (RetentionReport, error) {
	var id int64
	if err := db.pool.QueryRow(ctx, `INSERT INTO retention_runs (started_at, as_of) VALUES ($1, $2) RETURNING run_id`,
		db.Now(), o.Now).Scan(&id); err != nil {
		return RetentionReport{}, mapError(err)
	}
	rep, err := db.RunRetention(ctx, o)
	if err != nil {
		return rep, err
	}
	_, err = db.pool.Exec(ctx, `
		UPDATE retention_runs SET finished_at = $2, receipts = $3, members = $4, memberships = $5 WHERE run_id = $1`,
		id, db.Now(), rep.Receipts, rep.Members, rep.Memberships)
	return rep, mapError(err)
}

// withRetentionLock runs fn holding the retention lock on a connection of
// its own, and reports whether it got the lock (fn does not run if not).
// The lock is a session lock, not a transaction's: the work is many short
// transactions, and if the process dies the session ends and frees it.
func (db *DB) withRetentionLock(ctx context.Context, fn func(*pgxpool.Conn) error) (bool, error) {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	var ok bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, RetentionLockKey).Scan(&ok); err != nil || !ok {
		c.Release()
		return false, err
	}
	defer func() {
		// Not ctx: a cancelled run must still let go of the lock.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.Exec(uctx, `SELECT pg_advisory_unlock($1)`, RetentionLockKey); err != nil {
			// Ending the session frees the lock; the pool drops a closed connection.
			_ = c.Conn().Close(uctx)
		}
		c.Release()
	}()
	return true, fn(c)
}
