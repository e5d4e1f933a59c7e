package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
)

// Bonus returns the twelve months of year with the household's
// bonus-eligible purchases (every member's, whatever their sharing: only
// the household sum is shown), the percent of the tier reached and the
// bonus.
func (r *queryResolver) Bonus(ctx context.Context, year int) ([]model.BonusMonth, error) {
	who, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	if year < minInsightYear || year > maxInsightYear {
		return nil, model.InputErrorf("year", "must be between %d and %d", minInsightYear, maxInsightYear)
	}
	eligible, err := r.Store.HouseholdBonusEligible(ctx, who.Subject, year)
	if err != nil {
		return nil, err
	}
	tiers := r.BonusTiers
	if tiers == nil {
		tiers = insights.DefaultTiers
	}
	return insights.BonusYear(year, eligible, tiers), nil
}
