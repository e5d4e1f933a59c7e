package storage

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// DevMember is a member as the dev sign-in page lists it.
type DevMember struct {
	CustomerID    string              `json:"customerId"`
	Name          string              `json:"name"`
	HouseholdID   string              `json:"householdId"`
	HouseholdRole model.HouseholdRole `json:"householdRole"`
	Adult         bool                `json:"adult"`
}

// DevMembers returns the first limit members by customer id, for the dev
// sign-in page (dev mode only: it lists members to anyone who asks).
func (db *DB) DevMembers(ctx context.Context, limit int) ([]DevMember, error) {
	var out []DevMember
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT customer_id, name, household_id, household_role, is_adult(birth_date, $2) AS adult
			FROM members ORDER BY customer_id LIMIT $1`, limit, db.Now())
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[DevMember])
		return err
	})
	return out, err
}
