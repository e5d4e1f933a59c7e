package storage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// HouseholdBonusEligible returns the bonus-eligible purchases of each month
// of year (months without any are absent) summed over every member of the
// member's household, whatever their sharing: the bonus is a fact of the
// program, and only the household's sums leave here, never a member's own.
// Months are local months of the program's time zone (the receipt rollups).
func (db *DB) HouseholdBonusEligible(ctx context.Context, customerID string, year int) (map[time.Month]int64, error) {
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	out := map[time.Month]int64{}
	// System scope: the sum covers household members who do not share.
	err := db.readTx(asSystem(ctx), func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT t.month, sum(t.bonus_eligible_cents)::int8
			FROM members v
			JOIN members m ON m.household_id = v.household_id
			JOIN receipt_month_rollups t ON t.customer_id = m.customer_id AND t.month >= $2 AND t.month < $3
			WHERE v.customer_id = $1
			GROUP BY t.month`, customerID, from, from.AddDate(1, 0, 0))
		var month time.Time
		var cents int64
		_, err := pgx.ForEachRow(rows, []any{&month, &cents}, func() error {
			out[month.Month()] = cents
			return nil
		})
		return err
	})
	return out, err
}
