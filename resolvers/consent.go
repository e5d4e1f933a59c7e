package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// Consents returns every purpose with the member's current state: granted
// means granted and unexpired at the clock's now.
func (r *queryResolver) Consents(ctx context.Context) ([]model.Consent, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Consents(ctx, id.Subject)
}

// ConsentHistory returns the member's consent events, newest first.
func (r *queryResolver) ConsentHistory(ctx context.Context, first *int, after *string) (*model.ConsentEventConnection, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	n, cur, err := page(first, after)
	if err != nil {
		return nil, err
	}
	return r.Store.ConsentHistory(ctx, id.Subject, n, cur)
}

// MarketingAudience returns the members a marketing system may contact for
// the purpose (scope marketing:read); storage logs the read in each
// returned member's access log.
func (r *queryResolver) MarketingAudience(ctx context.Context, purpose model.ConsentPurpose, first *int, after *string) (*model.AudienceConnection, error) {
	id, err := auth.RequireScope(ctx, auth.ScopeMarketingRead)
	if err != nil {
		return nil, err
	}
	n, err := storage.PageSize(first, storage.MaxPageSize)
	if err != nil {
		return nil, err
	}
	cur, err := storage.DecodeKeyCursor(after)
	if err != nil {
		return nil, err
	}
	return r.Store.MarketingAudience(ctx, storage.AudienceQuery{Purpose: purpose, First: n, After: cur, Reader: id.Subject})
}

// SetConsents changes the signed-in member's own consents. There is no
// subject argument: a member can only ever change their own, and a service
// token is FORBIDDEN.
func (r *mutationResolver) SetConsents(ctx context.Context, changes []model.ConsentChange, channel model.Channel) (*model.ConsentReceipt, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.SetConsents(ctx, id.Subject, changes, channel)
}

// BlockAllMarketing denies every marketing purpose of the signed-in member
// in one consent receipt.
func (r *mutationResolver) BlockAllMarketing(ctx context.Context, channel model.Channel) (*model.ConsentReceipt, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.BlockAllMarketing(ctx, id.Subject, channel)
}
