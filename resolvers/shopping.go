package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
)

// ShoppingList returns the products the member buys regularly (on at least
// three receipts in the last 365 days of the clock), ordered by when they
// are next due; null with CONSENT_REQUIRED unless the member's own
// PRODUCT_LEVEL_DATA is granted now.
func (r *queryResolver) ShoppingList(ctx context.Context, limit *int) ([]model.ShoppingListItem, error) {
	who, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	n := 20
	if limit != nil {
		n = *limit
	}
	if n < 1 || n > 100 {
		return nil, model.InputErrorf("limit", "must be between 1 and 100")
	}
	purchases, err := r.Store.ShoppingPurchases(ctx, who.Subject, r.Now().Add(-insights.ShoppingWindow))
	if err != nil {
		return nil, err
	}
	return insights.ShoppingList(purchases, n), nil
}

// Product returns the item's product.
func (r *shoppingListItemResolver) Product(ctx context.Context, obj *model.ShoppingListItem) (*model.Product, error) {
	return loadProduct(ctx, r.Resolver, obj.Gtin)
}
