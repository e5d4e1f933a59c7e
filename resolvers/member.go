package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
)

// Me returns the signed-in member. A token whose member does not exist (or
// was erased) gets NOT_FOUND.
func (r *queryResolver) Me(ctx context.Context) (*model.Member, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Member(ctx, id.Subject)
}

// PurchaseDataLevel follows the member's PRODUCT_LEVEL_DATA consent now.
func (r *memberResolver) PurchaseDataLevel(ctx context.Context, m *model.Member) (model.PurchaseDataLevel, error) {
	ok, err := r.Store.ConsentGranted(ctx, m.ID, model.ConsentPurposeProductLevelData)
	if err != nil {
		return "", err
	}
	if ok {
		return model.PurchaseDataLevelProductLevel, nil
	}
	return model.PurchaseDataLevelTotalsOnly, nil
}

// UpsertMembers applies the member registry (scope members:write).
func (r *mutationResolver) UpsertMembers(ctx context.Context, input []model.MemberInput) (*model.UpsertResult, error) {
	if _, err := auth.RequireScope(ctx, auth.ScopeMembersWrite); err != nil {
		return nil, err
	}
	if err := storageCheckBatch(len(input)); err != nil {
		return nil, err
	}
	return r.Store.UpsertMembers(ctx, input)
}
