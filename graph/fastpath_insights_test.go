package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/omadata/omadata/graph/model"
)

// TestInsightsFastPathTaken: the fast path writes byCategory from the
// entries' categories without calling the resolver of
// CategoryInsight.category, and falls back to it, with the generated
// code's answer (errors, nulls), when an entry has no category, the
// resolver cannot find one, or a number is not finite. The byte-for-byte
// comparison over real data is TestInsightsFastPath in package resolvers.
func TestInsightsFastPathTaken(t *testing.T) {
	apples := &model.Category{ID: "apples", NameFi: "Omena", NameSv: "Äpple", NameEn: "Apples", Group: "fruit_berries",
		FruitOrVegetable: true}
	milk := &model.Category{ID: "milk", NameEn: "Milk", Group: "dairy"}
	entries := func() []model.CategoryInsight {
		return []model.CategoryInsight{
			{CategoryID: "apples", SpendCents: 400, WeightKg: ptr(1.5), Co2eKg: ptr(0.25), Category: apples},
			{CategoryID: "milk", SpendCents: 300, Category: milk}}
	}
	months := []model.MonthInsight{{Month: "2026-05", SpendCents: 700, FruitVegKg: ptr(1.5), DomesticShare: ptr(1.0 / 3)},
		{Month: "2026-06"}}
	const query = `{ insights(from: "2026-05-01", to: "2026-06-30") {
		byCategory { category { id name(lang: "sv") group fruitOrVegetable __typename } spendCents weightKg co2eKg }
		byMonth { month spendCents fruitVegKg co2eKg domesticShare } } }`

	for _, c := range []struct {
		name     string
		edit     func([]model.CategoryInsight, []model.MonthInsight)
		resolved int32 // calls of the category resolver on the fast path
	}{
		{"Filled", func([]model.CategoryInsight, []model.MonthInsight) {}, 0},
		{"NoCategory", func(c []model.CategoryInsight, _ []model.MonthInsight) { c[1].Category = nil }, 2},
		{"UnknownCategory", func(c []model.CategoryInsight, _ []model.MonthInsight) {
			c[1].Category, c[1].CategoryID = nil, "gone"
		}, 2},
		{"NaN", func(c []model.CategoryInsight, _ []model.MonthInsight) { c[0].Co2eKg = ptr(math.NaN()) }, 2},
		{"MonthInf", func(_ []model.CategoryInsight, m []model.MonthInsight) { m[1].Co2eKg = ptr(math.Inf(1)) }, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &stubRoot{categories: map[string]*model.Category{"apples": apples, "milk": milk},
				byCategory: entries(), byMonth: append([]model.MonthInsight(nil), months...)}
			c.edit(r.byCategory, r.byMonth)
			srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
			srv.AddTransport(transport.POST{})
			post := func() []byte {
				body, _ := json.Marshal(map[string]string{"query": query})
				req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				return w.Body.Bytes()
			}
			fast := post()
			if got := r.resolved.Swap(0); got != c.resolved {
				t.Errorf("the category resolver ran %d times on the fast path, want %d", got, c.resolved)
			}
			FastPaths = false
			generated := post()
			FastPaths = true
			if got := r.resolved.Load(); got != 2 {
				t.Errorf("the category resolver ran %d times on the generated path, want 2", got)
			}
			if !bytes.Equal(fast, generated) {
				t.Fatalf("fast path:\n%s\ngenerated:\n%s", fast, generated)
			}
			if c.name == "Filled" && !bytes.Contains(fast, []byte(`"name":"Äpple"`)) {
				t.Fatalf("no category in %s", fast)
			}
		})
	}
}

// stubRoot answers insights with fixed lists; the resolvers it leaves nil
// are not called by the test's query.
type stubRoot struct {
	ResolverRoot
	categories map[string]*model.Category
	byCategory []model.CategoryInsight
	byMonth    []model.MonthInsight
	resolved   atomic.Int32
}

func (r *stubRoot) Query() QueryResolver                     { return stubQuery{} }
func (r *stubRoot) Insights() InsightsResolver               { return stubInsights{r: r} }
func (r *stubRoot) CategoryInsight() CategoryInsightResolver { return stubCategoryInsight{r: r} }

type stubQuery struct{ QueryResolver }

func (stubQuery) Insights(_ context.Context, from, to model.Date, _ *model.InsightScope) (*model.Insights, error) {
	return &model.Insights{From: from, To: to, Scope: model.InsightScopeMe}, nil
}

type stubInsights struct {
	InsightsResolver
	r *stubRoot
}

func (s stubInsights) ByCategory(context.Context, *model.Insights) ([]model.CategoryInsight, error) {
	return s.r.byCategory, nil
}

func (s stubInsights) ByMonth(context.Context, *model.Insights) ([]model.MonthInsight, error) {
	return s.r.byMonth, nil
}

type stubCategoryInsight struct{ r *stubRoot }

func (s stubCategoryInsight) Category(_ context.Context, obj *model.CategoryInsight) (*model.Category, error) {
	s.r.resolved.Add(1)
	if c := s.r.categories[obj.CategoryID]; c != nil {
		return c, nil
	}
	return nil, errors.New("no category " + obj.CategoryID)
}

func ptr[T any](v T) *T { return &v }
