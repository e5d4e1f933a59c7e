package resolvers

// Resolvers that issue 5 builds; until then they answer with an error
// rather than a made-up value. Delete this file when they are implemented.

import (
	"context"

	"github.com/omadata/omadata/graph/model"
)

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
