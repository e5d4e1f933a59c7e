package resolvers_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

// TestLinesFastPath: the hand-written marshalling of receipt lines
// (graph/fastpath.go) writes exactly what gqlgen's generated code writes,
// byte for byte, for every field of the lines, their products and
// categories, with aliases, __typename, @skip/@include, Category.name's
// argument as a literal, a variable and its default, nulls, strings that
// need escaping, fractions and a line without a product; and the queries
// it does not cover (nutritionPer100g, @defer-free fallbacks) still answer.
func TestLinesFastPath(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	ctx := context.Background()
	if _, err := env.DB.UpsertProducts(ctx, []model.ProductInput{{Gtin: "6400000000777", Name: `Juice "Päron" \ 1 l`,
		Brand: ptr("Mehu\tOy"), CategoryID: "apples", Origin: model.OriginDomesticRawMaterials, OriginCountry: ptr("FI"),
		Unit: model.UnitPiece, NetWeightKg: ptr(1.05), Co2eKgPerKg: ptr(0.000123), WarrantyMonths: ptr(0)}}); err != nil {
		t.Fatal(err)
	}
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	odd := servertest.Line(servertest.UnknownGtin, 1, model.UnitPiece, 250)
	odd.Description = `line with "quotes", a \ and é 😀 </script>`
	env.Ingest(t,
		servertest.Receipt("c1", "r1", env.Clock.Now().Add(-48*time.Hour),
			servertest.Line("6400000000001", 3, model.UnitPiece, 45),
			servertest.Line("6400000000002", 0.512, model.UnitKg, 399),
			servertest.Line("6400000000004", 1, model.UnitPiece, 3999),
			servertest.Line("6400000000777", 2, model.UnitPiece, 199),
			odd),
		servertest.Receipt("c1", "r2", env.Clock.Now().Add(-24*time.Hour),
			servertest.Line("6400000000006", 1.333, model.UnitPiece, 120)))
	tok := env.MemberToken("c1")

	const all = `lineNo description quantity unit unitPriceCents amountCents discountCents warrantyUntil __typename
		product { gtin name brand origin originCountry unit netWeightKg co2eKgPerKg warrantyMonths __typename
			category { id name group fruitOrVegetable __typename fi: name(lang: "fi") sv: name(lang: $lang) n: name(lang: null) } }`
	const frags = ` fragment L on ReceiptLine { unit quantity } fragment P on Product { name category { group } }`
	for _, c := range []struct {
		name, decl, selection, fragments string
		vars                             map[string]any
	}{
		{"AllFields", `($lang: String = "en")`, all, "", map[string]any{"lang": "sv"}},
		{"DefaultLang", `($lang: String = "en")`, all, "", nil},
		{"Aliases", "", `n: lineNo d: description p: product { g: gtin c: category { i: id } } lineNo`, "", nil},
		{"SkipInclude", `($skip: Boolean!)`, `lineNo description @skip(if: $skip) product @include(if: $skip) { gtin } amountCents @include(if: true)`,
			"", map[string]any{"skip": true}},
		{"Fragments", "", `...L product { ...P }`, frags, nil},
		{"NotCovered", "", `lineNo product { gtin nutritionPer100g { energyKj protein } }`, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			query := `query` + c.decl + ` { receipts(first: 5) { edges { node { id lines { ` +
				c.selection + ` } } } } }` + c.fragments
			fast := bothPaths(t, env, tok, query, c.vars)
			if !bytes.Contains(fast, []byte(`"lines":[{`)) {
				t.Fatalf("no lines in %s", fast)
			}
		})
	}
}

// TestInsightsFastPath: the hand-written marshalling of Insights.byCategory
// and byMonth (graph/fastpath_insights.go) writes exactly what gqlgen's
// generated code writes, byte for byte, in ME and HOUSEHOLD scope: every
// field of the entries and their categories, with aliases, __typename,
// @skip/@include, fragments, Category.name's argument, null weights, CO2e
// and shares (bread without net weight, yoghurt without CO2e, a kettle that
// is not food, months without purchases), a category name that needs
// escaping and a range without any purchase.
func TestInsightsFastPath(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	ctx := context.Background()
	if _, err := env.DB.UpsertCategories(ctx, []model.CategoryInput{{ID: "juice", NameFi: `Mehu "tuore"`,
		NameSv: "Juice\tpress", NameEn: `Juice \ é 😀 </script>`, Group: "beverages"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.UpsertProducts(ctx, []model.ProductInput{{Gtin: "6400000000778", Name: "Juice 1 l",
		CategoryID: "juice", Origin: model.OriginImported, Unit: model.UnitPiece, NetWeightKg: ptr(1.05),
		Co2eKgPerKg: ptr(0.000123)}}); err != nil {
		t.Fatal(err)
	}
	share := []model.ConsentChange{{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}}
	env.Member(t, servertest.MemberSpec{ID: "fa", Household: "fh", Role: model.HouseholdRoleMain, Consents: share})
	env.Member(t, servertest.MemberSpec{ID: "fb", Household: "fh", Role: model.HouseholdRoleMember, Consents: share})
	env.Ingest(t, basket("fa", "a1", time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)),
		basket("fa", "a2", time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)),
		basket("fb", "b1", time.Date(2026, 5, 21, 10, 0, 0, 0, time.UTC)),
		servertest.Receipt("fb", "b2", time.Date(2026, 5, 22, 10, 0, 0, 0, time.UTC),
			servertest.Line("6400000000778", 3, model.UnitPiece, 333)))
	tok := env.MemberToken("fa")

	const all = `byCategory { category { id name(lang: "sv") group fruitOrVegetable __typename } spendCents weightKg co2eKg __typename }
		byMonth { month spendCents fruitVegKg co2eKg domesticShare __typename }`
	const frags = ` fragment C on CategoryInsight { spendCents category { ...K } } fragment K on Category { id name }
		fragment M on MonthInsight { month co2eKg }`
	for _, c := range []struct {
		name, decl, selection, fragments string
		vars                             map[string]any
	}{
		{"AllFields", "", all, "", nil},
		{"Names", `($lang: String = "en")`, `byCategory { category { id name fi: name(lang: "fi") sv: name(lang: $lang) n: name(lang: null) } }`,
			"", map[string]any{"lang": "sv"}},
		{"DefaultLang", `($lang: String = "fi")`, `byCategory { category { name(lang: $lang) } }`, "", nil},
		{"Aliases", "", `c: byCategory { k: category { i: id n: name } s: spendCents w: weightKg co2eKg spendCents }
			byCategory { co2eKg } m: byMonth { mm: month c: co2eKg share: domesticShare } byMonth { spendCents }`, "", nil},
		{"SkipInclude", `($skip: Boolean!)`, `byCategory { category @skip(if: $skip) { id } weightKg @include(if: $skip) spendCents @include(if: false) }
			byMonth { month @skip(if: $skip) fruitVegKg @include(if: $skip) co2eKg }`, "", map[string]any{"skip": true}},
		{"NoCategory", "", `byCategory { spendCents weightKg } byMonth { month }`, "", nil},
		{"Fragments", "", `byCategory { ...C weightKg } byMonth { ...M ... on MonthInsight { spendCents } }`, frags, nil},
	} {
		for _, scope := range []string{"ME", "HOUSEHOLD"} {
			for _, r := range []struct{ name, from, to string }{
				{"Range", "2026-02-15", "2026-06-15"}, {"NothingBought", "2025-01-01", "2025-02-28"},
			} {
				t.Run(c.name+"/"+scope+"/"+r.name, func(t *testing.T) {
					query := `query` + c.decl + ` { insights(from: "` + r.from + `", to: "` + r.to + `", scope: ` + scope + `) { ` +
						c.selection + ` } }` + c.fragments
					fast := bothPaths(t, env, tok, query, c.vars)
					if r.name == "Range" && !bytes.Contains(fast, []byte(`:[{`)) {
						t.Fatalf("no entries in %s", fast)
					}
				})
			}
		}
	}
	t.Run("HouseholdCountsBoth", func(t *testing.T) {
		// The household's answer is not the viewer's alone: both scopes
		// above wrote different lists.
		q := `{ insights(from: "2026-05-01", to: "2026-05-31", scope: %s) { byCategory { category { id } spendCents } } }`
		me := env.MustQuery(t, tok, strings.Replace(q, "%s", "ME", 1), nil)
		hh := env.MustQuery(t, tok, strings.Replace(q, "%s", "HOUSEHOLD", 1), nil)
		if bytes.Equal(me.Data, hh.Data) || !bytes.Contains(hh.Data, []byte(`"juice"`)) {
			t.Fatalf("ME %s\nHOUSEHOLD %s", me.Data, hh.Data)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// bothPaths runs query with the fast paths and with gqlgen's generated code
// (graph.FastPaths is switched between requests only), fails unless both
// answer the same bytes, and returns them.
func bothPaths(t *testing.T, env *servertest.Env, tok, query string, vars map[string]any) []byte {
	t.Helper()
	fast := env.MustQuery(t, tok, query, vars)
	graph.FastPaths = false
	generated := env.MustQuery(t, tok, query, vars)
	graph.FastPaths = true
	if !bytes.Equal(fast.Data, generated.Data) {
		t.Fatalf("fast path:\n%s\ngenerated:\n%s", fast.Data, generated.Data)
	}
	return fast.Data
}
