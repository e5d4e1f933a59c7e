package resolvers

// Resolvers that issue 4 builds; until then they answer with an error
// rather than a made-up value. Delete this file when they are implemented.

import (
	"context"

	"github.com/omadata/omadata/graph/model"
)

// HouseholdReceipts is built by issue 4.
func (r *queryResolver) HouseholdReceipts(ctx context.Context, first *int, after *string, filter *model.ReceiptFilter) (*model.ReceiptConnection, error) {
	return nil, notYet("householdReceipts")
}

// Household is built by issue 4.
func (r *queryResolver) Household(ctx context.Context) (*model.Household, error) {
	return nil, notYet("household")
}

// Members is built by issue 4.
func (r *householdResolver) Members(ctx context.Context, obj *model.Household) ([]model.HouseholdMember, error) {
	return nil, notYet("household")
}

// AccessLog is built by issue 4.
func (r *queryResolver) AccessLog(ctx context.Context, first *int, after *string) (*model.AccessEventConnection, error) {
	return nil, notYet("accessLog")
}
