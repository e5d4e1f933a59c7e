package storage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
)

// ShoppingPurchases returns the member's purchases of catalog products
// since `since` (and up to now): per GTIN, each receipt with the product and
// the quantity of its lines of it. It answers CONSENT_REQUIRED unless the
// member's PRODUCT_LEVEL_DATA is granted now; the lines' query checks the
// consent again, so no path reads past it.
func (db *DB) ShoppingPurchases(ctx context.Context, customerID string, since time.Time) (map[string][]insights.Purchase, error) {
	now := db.Now()
	out := map[string][]insights.Purchase{}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var granted bool
		if err := tx.QueryRow(ctx, `SELECT consent_granted($1, 'PRODUCT_LEVEL_DATA', $2)`, customerID, now).Scan(&granted); err != nil {
			return err
		}
		if !granted {
			return model.Errorf(model.ConsentRequired,
				"the shopping list is made from product-level data: your PRODUCT_LEVEL_DATA consent is not granted")
		}
		rows, _ := tx.Query(ctx, `
			SELECT l.gtin, r.purchased_at, sum(l.quantity)::float8
			FROM receipts r
			JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq
			JOIN products p ON p.gtin = l.gtin
			WHERE r.customer_id = $1 AND r.purchased_at > $2 AND r.purchased_at <= $3
			  AND `+productLevelSQL("$1", "$3")+`
			GROUP BY l.gtin, r.receipt_seq, r.purchased_at`, customerID, since, now)
		var gtin string
		var p insights.Purchase
		_, err := pgx.ForEachRow(rows, []any{&gtin, &p.At, &p.Quantity}, func() error {
			p.At = p.At.UTC()
			out[gtin] = append(out[gtin], p)
			return nil
		})
		return err
	})
	return out, err
}
