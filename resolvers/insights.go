package resolvers

import (
	"context"
	"errors"

	"github.com/vikstrous/dataloadgen"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
	"github.com/omadata/omadata/storage"
)

// Insights answers insights(from, to, scope): the totals of every counted
// member (the viewer; in HOUSEHOLD scope also the household members visible
// to them under rule 5, which storage evaluates with the same SQL function
// as every shared read), and, behind the consent gate of rule 3, the
// product-level figures of the counted members whose PRODUCT_LEVEL_DATA is
// granted now. The sums every product-level field needs are read here, once,
// in one storage call, and only when the query selects such a field.
func (r *queryResolver) Insights(ctx context.Context, from model.Date, to model.Date, scope *model.InsightScope) (*model.Insights, error) {
	who, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkInsightRange(from, to); err != nil {
		return nil, err
	}
	sc := model.InsightScopeMe
	if scope != nil {
		sc = *scope
	}
	q := storage.InsightsQuery{Viewer: who.Subject, Household: sc == model.InsightScopeHousehold,
		From: from, To: to, Months: selectsAny(ctx, monthFields...), Categories: selectsAny(ctx, categoryFields...),
		Nutrients: selects(ctx, "nutrition", "topSources")}
	if q.Household {
		q.Log = insightsAccess(who.Subject, from, to)
	}
	res, err := r.Store.Insights(ctx, q)
	if err != nil {
		return nil, err
	}
	obj := &model.Insights{From: from, To: to, Scope: sc, MembersCounted: len(res.Counted),
		MembersCovered: len(res.Covered), SpendCents: res.SpendCents, ReceiptCount: res.ReceiptCount,
		CountedIDs: res.Counted, CoveredIDs: res.Covered, ViewerID: who.Subject, Sums: res.Sums}
	r.primeCategories(ctx, res.Sums)
	return obj, nil
}

// The product-level fields that need the sums per month, and per category.
var (
	monthFields = [][]string{{"productSpendCents"}, {"byMonth"}, {"fruitAndVegetables"},
		{"origin"}, {"carbon"}, {"nutrition"}}
	categoryFields = [][]string{{"byCategory"}, {"nutrition", "topSources"}}
)

// selectsAny reports whether the current field selects any of paths.
func selectsAny(ctx context.Context, paths ...[]string) bool {
	for _, p := range paths {
		if selects(ctx, p...) {
			return true
		}
	}
	return false
}

// Bounds of an insights range: byMonth lists every month of it.
const minInsightYear, maxInsightYear = 2000, 2100

func checkInsightRange(from, to model.Date) error {
	switch {
	case from.Year < minInsightYear || from.Year > maxInsightYear:
		return model.InputErrorf("from", "must be in the years %d-%d", minInsightYear, maxInsightYear)
	case to.Year < minInsightYear || to.Year > maxInsightYear:
		return model.InputErrorf("to", "must be in the years %d-%d", minInsightYear, maxInsightYear)
	case to.Before(from):
		return model.InputErrorf("to", "is before from")
	}
	return nil
}

// primeCategories hands the categories the sums were read with to the
// request's loader, so byCategory and topSources need no other query.
func (r *Resolver) primeCategories(ctx context.Context, s *model.InsightSums) {
	if s == nil {
		return
	}
	l := r.loaders(ctx).Categories
	for id, c := range s.CategoryInfo {
		l.Prime(id, c)
	}
}

// insightsAccess is the access event of a household insights read (rule
// 7): storage records it in the access log of every other member whose
// product-level data the read covered, in the transaction of the read.
// Totals alone (no product-level field asked) are not logged.
func insightsAccess(viewer string, from, to model.Date) *storage.Access {
	return &storage.Access{ActorKind: model.ActorKindHouseholdMember, ActorID: viewer,
		Resource: "insights " + from.String() + ".." + to.String(), Purpose: "household sharing"}
}

// sums returns the product-level sums of obj, or CONSENT_REQUIRED when no
// counted member's product-level data may be used.
func sums(obj *model.Insights) (*model.InsightSums, error) {
	if obj.MembersCovered == 0 {
		if obj.Scope == model.InsightScopeHousehold {
			return nil, model.Errorf(model.ConsentRequired,
				"product-level insights need PRODUCT_LEVEL_DATA: no counted member's PRODUCT_LEVEL_DATA consent is granted")
		}
		return nil, model.Errorf(model.ConsentRequired,
			"product-level insights need PRODUCT_LEVEL_DATA: your PRODUCT_LEVEL_DATA consent is not granted")
	}
	if obj.Sums == nil {
		return nil, errors.New("insights: product-level sums were not read for a field that needs them")
	}
	return obj.Sums, nil
}

// total returns the sums of the whole range.
func total(obj *model.Insights) (model.PeriodSums, error) {
	s, err := sums(obj)
	if err != nil {
		return model.PeriodSums{}, err
	}
	return s.Total, nil
}

// ProductSpendCents is the sum of the covered members' stored line amounts.
func (r *insightsResolver) ProductSpendCents(ctx context.Context, obj *model.Insights) (*int, error) {
	t, err := total(obj)
	if err != nil {
		return nil, err
	}
	v := int(t.SpendCents)
	return &v, nil
}

// ByCategory is spend, weight and CO2e per category. Each entry carries
// its category from the sums' category info, the one the loader is primed
// with, so graph's fast path writes the list without resolving each
// category through the loader.
func (r *insightsResolver) ByCategory(ctx context.Context, obj *model.Insights) ([]model.CategoryInsight, error) {
	s, err := sums(obj)
	if err != nil {
		return nil, err
	}
	out := insights.ByCategory(s.Categories)
	for i := range out {
		out[i].Category = s.CategoryInfo[out[i].CategoryID]
	}
	return out, nil
}

// ByMonth lists every month of the range, partial edge months included.
func (r *insightsResolver) ByMonth(ctx context.Context, obj *model.Insights) ([]model.MonthInsight, error) {
	s, err := sums(obj)
	if err != nil {
		return nil, err
	}
	return insights.ByMonth(obj.From, obj.To, s.Months), nil
}

// FruitAndVegetables counts grams per day over the days of the range up to
// today: days still to come have had no chance of a purchase.
func (r *insightsResolver) FruitAndVegetables(ctx context.Context, obj *model.Insights) (*model.FruitAndVegetables, error) {
	t, err := total(obj)
	if err != nil {
		return nil, err
	}
	end, today := obj.To, model.DateOf(r.Now(), r.Location)
	if today.Before(end) {
		end = today
	}
	return insights.FruitAndVegetables(t, insights.Days(obj.From, end), obj.MembersCovered), nil
}

// Origin is the origin mix of the food spend.
func (r *insightsResolver) Origin(ctx context.Context, obj *model.Insights) (*model.OriginInsight, error) {
	t, err := total(obj)
	if err != nil {
		return nil, err
	}
	return insights.Origin(t), nil
}

// Carbon is the CO2e of the food.
func (r *insightsResolver) Carbon(ctx context.Context, obj *model.Insights) (*model.CarbonInsight, error) {
	t, err := total(obj)
	if err != nil {
		return nil, err
	}
	return insights.Carbon(t), nil
}

// Nutrition is the nutrient content of the food.
func (r *insightsResolver) Nutrition(ctx context.Context, obj *model.Insights) (*model.NutritionInsight, error) {
	t, err := total(obj)
	if err != nil {
		return nil, err
	}
	n := insights.Nutrition(t)
	n.Insights = obj
	return n, nil
}

// TopSources returns the food categories (from the sums) and products (from
// the lines of the range, read only when selected) a nutrient comes from.
func (r *nutritionInsightResolver) TopSources(ctx context.Context, obj *model.NutritionInsight, nutrient model.Nutrient, limit *int) (*model.NutrientSources, error) {
	n := 5
	if limit != nil {
		n = *limit
	}
	if n < 1 || n > 100 {
		return nil, model.InputErrorf("limit", "must be between 1 and 100")
	}
	s, err := sums(obj.Insights)
	if err != nil {
		return nil, err
	}
	out := &model.NutrientSources{Nutrient: nutrient, Categories: insights.TopCategories(s, nutrient, n),
		Products: []model.ProductSource{}}
	if selects(ctx, "products") {
		q := obj.Insights
		if out.Products, err = r.Store.NutrientProducts(ctx, q.CoveredIDs, q.From, q.To, nutrient, n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Category returns the category of a byCategory entry.
func (r *categoryInsightResolver) Category(ctx context.Context, obj *model.CategoryInsight) (*model.Category, error) {
	return r.loaders(ctx).Categories.Load(ctx, obj.CategoryID)
}

// Category returns the category of a nutrient source.
func (r *categorySourceResolver) Category(ctx context.Context, obj *model.CategorySource) (*model.Category, error) {
	return r.loaders(ctx).Categories.Load(ctx, obj.CategoryID)
}

// Product returns the product of a nutrient source.
func (r *productSourceResolver) Product(ctx context.Context, obj *model.ProductSource) (*model.Product, error) {
	return loadProduct(ctx, r.Resolver, obj.Gtin)
}

// loadProduct loads a catalog product through the request's loader; a
// product that has left the catalog since is an internal inconsistency.
func loadProduct(ctx context.Context, r *Resolver, gtin string) (*model.Product, error) {
	p, err := r.loaders(ctx).Products.Load(ctx, gtin)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, errors.New("insights: product " + gtin + " is not in the catalog")
	}
	return p, err
}
