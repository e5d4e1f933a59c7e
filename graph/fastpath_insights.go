package graph

// The two lists of the insights query, marshalled as receipt lines are
// (fastpath.go says why and how). Insights.byMonth has an entry for every
// month of the range (120 for ten years) and Insights.byCategory one for
// every category bought; through the generated code, with a goroutine and
// field contexts for each entry, they took a third to a half of the CPU of
// an insights request.
//
// Their fields are plain values of the sums but one, CategoryInsight.category,
// which has a resolver: the request's category loader, primed with the
// categories the sums were read with. The resolver of byCategory puts that
// same category in each entry (CategoryInsight.Category), and the list is
// written here only when every entry has it (and every number is finite,
// as for lines). Otherwise the generated function resolves the field
// through the loader, as before, errors and nulls included.

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omadata/omadata/graph/model"
)

var (
	categoryInsightType = &objectType{implementors: categoryInsightImplementors, fields: map[string]fieldKind{
		"category": kInsightCategory, "spendCents": kInsightSpend, "weightKg": kInsightWeight, "co2eKg": kInsightCo2e},
		objects: map[string]*objectType{"category": categoryType}}
	monthInsightType = &objectType{implementors: monthInsightImplementors, fields: map[string]fieldKind{
		"month": kMonth, "spendCents": kMonthSpend, "fruitVegKg": kFruitVegKg, "co2eKg": kMonthCo2e,
		"domesticShare": kDomesticShare}}
)

// fastCategoryInsights replaces the generated marshaller of
// Insights.byCategory at its call site.
func (ec *executionContext) fastCategoryInsights(ctx context.Context, sel ast.SelectionSet, v []model.CategoryInsight) graphql.Marshaler {
	return fastList(ctx, ec, sel, v, categoryInsightType, (*objectPlan).fitsCategories, categoryInsightSource,
		ec.marshalOCategoryInsight2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐCategoryInsightᚄ)
}

// fastMonthInsights replaces the generated marshaller of Insights.byMonth
// at its call site.
func (ec *executionContext) fastMonthInsights(ctx context.Context, sel ast.SelectionSet, v []model.MonthInsight) graphql.Marshaler {
	fits := func(_ *objectPlan, v []model.MonthInsight) bool { return fitsMonths(v) }
	return fastList(ctx, ec, sel, v, monthInsightType, fits, monthInsightSource,
		ec.marshalOMonthInsight2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐMonthInsightᚄ)
}

func categoryInsightSource(c *model.CategoryInsight) source { return source{insight: c} }

func monthInsightSource(m *model.MonthInsight) source { return source{month: m} }

// fitsCategories reports whether the entries have what the plan needs: their
// category when it is selected (else only the resolver can tell it, or
// report it missing), and finite numbers.
func (p *objectPlan) fitsCategories(v []model.CategoryInsight) bool {
	needsCategory := false
	for _, f := range p.fields {
		needsCategory = needsCategory || f.kind == kInsightCategory
	}
	for i := range v {
		c := &v[i]
		if needsCategory && c.Category == nil || !finite(c.WeightKg) || !finite(c.Co2eKg) {
			return false
		}
	}
	return true
}

// fitsMonths reports whether the months' numbers are finite: gqlgen reports
// the others as errors.
func fitsMonths(v []model.MonthInsight) bool {
	for i := range v {
		m := &v[i]
		if !finite(m.FruitVegKg) || !finite(m.Co2eKg) || !finite(m.DomesticShare) {
			return false
		}
	}
	return true
}
