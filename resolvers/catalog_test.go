package resolvers_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

type upsertData struct {
	Result struct {
		Upserted, Rejected int
		Rejections         []struct {
			Index         int
			Code, Message string
		}
	}
}

// TestCatalogUpserts: each item of a batch succeeds or fails on its own,
// with its index, code and a message naming the field.
func TestCatalogUpserts(t *testing.T) {
	env := servertest.New(t)
	tok := env.ServiceToken("catalog:write")
	// run calls upsert<noun>s with a batch of <noun>Input.
	run := func(t *testing.T, noun string, input []map[string]any) upsertData {
		t.Helper()
		plural := noun + "s"
		if noun == "Category" {
			plural = "Categories"
		}
		var d upsertData
		env.MustQuery(t, tok, `mutation($in: [`+noun+`Input!]!) { result: upsert`+plural+
			`(input: $in) { upserted rejected rejections { index code message } } }`,
			map[string]any{"in": input}).Decode(t, &d)
		return d
	}
	t.Run("Categories", func(t *testing.T) {
		d := run(t, "Category", []map[string]any{
			{"id": "apples", "nameFi": "Omena", "nameSv": "Äpple", "nameEn": "Apples", "group": "fruit_berries", "fruitOrVegetable": true},
			{"id": "bad group", "nameFi": "x", "nameSv": "x", "nameEn": "x", "group": "fruit_berries", "fruitOrVegetable": false},
			{"id": "x", "nameFi": "x", "nameSv": "x", "nameEn": "x", "group": "rocks", "fruitOrVegetable": false},
		})
		if d.Result.Upserted != 1 || d.Result.Rejected != 2 || d.Result.Rejections[0].Index != 1 ||
			!strings.HasPrefix(d.Result.Rejections[0].Message, "id:") || !strings.HasPrefix(d.Result.Rejections[1].Message, "group:") {
			t.Fatalf("%+v", d.Result)
		}
	})
	t.Run("Products", func(t *testing.T) {
		d := run(t, "Product", []map[string]any{
			{"gtin": "6400000000001", "name": "Apple", "categoryId": "apples", "origin": "IMPORTED", "unit": "KG"},
			{"gtin": "64", "name": "Short", "categoryId": "apples", "origin": "IMPORTED", "unit": "KG"},
			{"gtin": "6400000000002", "name": "Orphan", "categoryId": "nowhere", "origin": "IMPORTED", "unit": "KG"},
			{"gtin": "6400000000003", "name": "Heavy", "categoryId": "apples", "origin": "IMPORTED", "unit": "PIECE", "netWeightKg": -1},
		})
		codes := []string{}
		for _, r := range d.Result.Rejections {
			codes = append(codes, r.Code+" "+strings.SplitN(r.Message, ":", 2)[0])
		}
		if d.Result.Upserted != 1 || !slices.Equal(codes, []string{"BAD_USER_INPUT gtin", "BAD_USER_INPUT categoryId", "BAD_USER_INPUT netWeightKg"}) {
			t.Fatalf("%+v", d.Result)
		}
	})
	t.Run("Stores", func(t *testing.T) {
		d := run(t, "Store", []map[string]any{
			{"id": "s1", "name": "Market", "kind": "GROCERY", "bonusEligible": true},
			{"id": "s2", "name": " ", "kind": "FUEL", "bonusEligible": false},
		})
		if d.Result.Upserted != 1 || d.Result.Rejected != 1 || !strings.HasPrefix(d.Result.Rejections[0].Message, "name:") {
			t.Fatalf("%+v", d.Result)
		}
	})
	t.Run("ErrBatchTooLarge", func(t *testing.T) {
		big := make([]map[string]any, 1001)
		for i := range big {
			big[i] = map[string]any{"id": "s", "name": "S", "kind": "GROCERY", "bonusEligible": true}
		}
		r := env.Query(t, tok, `mutation($in: [StoreInput!]!) { upsertStores(input: $in) { upserted } }`, map[string]any{"in": big})
		if !slices.Equal(r.Codes(), []string{model.BadUserInput}) {
			t.Fatalf("codes %v", r.Codes())
		}
	})
}

// TestInternalErrorsDoNotLeak: a database failure reaches the client as
// INTERNAL with a plain message, never SQL text.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	// Break the database under the running handler.
	if _, err := env.DB.Pool().Exec(context.Background(), `ALTER TABLE receipts RENAME TO receipts_gone`); err != nil {
		t.Fatal(err)
	}
	r := env.Query(t, env.MemberToken("c1"), `{ receipts { edges { node { id } } } }`, nil)
	if !slices.Equal(r.Codes(), []string{model.Internal}) {
		t.Fatalf("codes %v", r.Codes())
	}
	if msg := r.Errors[0].Message; strings.Contains(msg, "receipts") || strings.Contains(msg, "SQL") || strings.Contains(msg, "relation") {
		t.Fatalf("internal error leaks: %q", msg)
	}
}
