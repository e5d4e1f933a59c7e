package resolvers

// Resolvers of capabilities that are still being built (issues 3-6). Each
// answers with an error rather than a made-up value; the file shrinks as
// the issues land.

import (
	"context"

	"github.com/omadata/omadata/graph/model"
)

func notYet(what string) error {
	return model.Errorf(model.Internal, "%s is not available yet", what)
}

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

// Insights is built by issue 5.
func (r *queryResolver) Insights(ctx context.Context, from model.Date, to model.Date, scope *model.InsightScope) (*model.Insights, error) {
	return nil, notYet("insights")
}

// ProductSpendCents is built by issue 5.
func (r *insightsResolver) ProductSpendCents(ctx context.Context, obj *model.Insights) (*int, error) {
	return nil, notYet("insights")
}

// ByCategory is built by issue 5.
func (r *insightsResolver) ByCategory(ctx context.Context, obj *model.Insights) ([]model.CategoryInsight, error) {
	return nil, notYet("insights")
}

// ByMonth is built by issue 5.
func (r *insightsResolver) ByMonth(ctx context.Context, obj *model.Insights) ([]model.MonthInsight, error) {
	return nil, notYet("insights")
}

// FruitAndVegetables is built by issue 5.
func (r *insightsResolver) FruitAndVegetables(ctx context.Context, obj *model.Insights) (*model.FruitAndVegetables, error) {
	return nil, notYet("insights")
}

// Origin is built by issue 5.
func (r *insightsResolver) Origin(ctx context.Context, obj *model.Insights) (*model.OriginInsight, error) {
	return nil, notYet("insights")
}

// Carbon is built by issue 5.
func (r *insightsResolver) Carbon(ctx context.Context, obj *model.Insights) (*model.CarbonInsight, error) {
	return nil, notYet("insights")
}

// Nutrition is built by issue 5.
func (r *insightsResolver) Nutrition(ctx context.Context, obj *model.Insights) (*model.NutritionInsight, error) {
	return nil, notYet("insights")
}

// Category is built by issue 5.
func (r *categoryInsightResolver) Category(ctx context.Context, obj *model.CategoryInsight) (*model.Category, error) {
	return nil, notYet("insights")
}

// Category is built by issue 5.
func (r *categorySourceResolver) Category(ctx context.Context, obj *model.CategorySource) (*model.Category, error) {
	return nil, notYet("insights")
}

// Product is built by issue 5.
func (r *productSourceResolver) Product(ctx context.Context, obj *model.ProductSource) (*model.Product, error) {
	return nil, notYet("insights")
}

// TopSources is built by issue 5.
func (r *nutritionInsightResolver) TopSources(ctx context.Context, obj *model.NutritionInsight, nutrient model.Nutrient, limit *int) (*model.NutrientSources, error) {
	return nil, notYet("insights")
}

// ShoppingList is built by issue 5.
func (r *queryResolver) ShoppingList(ctx context.Context, limit *int) ([]model.ShoppingListItem, error) {
	return nil, notYet("shoppingList")
}

// Product is built by issue 5.
func (r *shoppingListItemResolver) Product(ctx context.Context, obj *model.ShoppingListItem) (*model.Product, error) {
	return nil, notYet("shoppingList")
}

// Bonus is built by issue 5.
func (r *queryResolver) Bonus(ctx context.Context, year int) ([]model.BonusMonth, error) {
	return nil, notYet("bonus")
}

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

// MyDataExport is built by issue 6.
func (r *queryResolver) MyDataExport(ctx context.Context) (*model.DataExport, error) {
	return nil, notYet("myDataExport")
}

// SetRetentionYears is built by issue 6.
func (r *mutationResolver) SetRetentionYears(ctx context.Context, years int) (*model.Member, error) {
	return nil, notYet("setRetentionYears")
}

// DeleteMyData is built by issue 6.
func (r *mutationResolver) DeleteMyData(ctx context.Context, confirm string) (*model.ErasureReport, error) {
	return nil, notYet("deleteMyData")
}
