package resolvers_test

import (
	"bytes"
	"context"
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
			fast := env.MustQuery(t, tok, query, c.vars)
			graph.FastPaths = false
			generated := env.MustQuery(t, tok, query, c.vars)
			graph.FastPaths = true
			if !bytes.Equal(fast.Data, generated.Data) {
				t.Fatalf("fast path:\n%s\ngenerated:\n%s", fast.Data, generated.Data)
			}
			if !bytes.Contains(fast.Data, []byte(`"lines":[{`)) {
				t.Fatalf("no lines in %s", fast.Data)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
