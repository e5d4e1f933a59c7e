package resolvers

// Resolvers that issue 3 builds; until then they answer with an error
// rather than a made-up value. Delete this file when they are implemented.

import (
	"context"

	"github.com/omadata/omadata/graph/model"
)

// Consents is built by issue 3.
func (r *queryResolver) Consents(ctx context.Context) ([]model.Consent, error) {
	return nil, notYet("consents")
}

// ConsentHistory is built by issue 3.
func (r *queryResolver) ConsentHistory(ctx context.Context, first *int, after *string) (*model.ConsentEventConnection, error) {
	return nil, notYet("consentHistory")
}

// MarketingAudience is built by issue 3.
func (r *queryResolver) MarketingAudience(ctx context.Context, purpose model.ConsentPurpose, first *int, after *string) (*model.AudienceConnection, error) {
	return nil, notYet("marketingAudience")
}

// SetConsents is built by issue 3.
func (r *mutationResolver) SetConsents(ctx context.Context, changes []model.ConsentChange, channel model.Channel) (*model.ConsentReceipt, error) {
	return nil, notYet("setConsents")
}

// BlockAllMarketing is built by issue 3.
func (r *mutationResolver) BlockAllMarketing(ctx context.Context, channel model.Channel) (*model.ConsentReceipt, error) {
	return nil, notYet("blockAllMarketing")
}
