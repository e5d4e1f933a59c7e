package server

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omadata/omadata/graph"
	"github.com/omadata/omadata/graph/model"
)

const ingestQuery = `mutation Ingest($batch: [ReceiptInput!]!, $brief: Boolean = false) {
  ingestReceipts(input: $batch) { accepted rejections @skip(if: $brief) { index } } }`

// batchJSON is a batch of n receipts of m lines.
func batchJSON(n, m int) string {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range n {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"source":"till","externalId":"e%d","cardNumber":"c%d","storeId":"s1",`+
			`"purchasedAt":"2026-11-22T10:00:00Z","totalCents":%d,"bonusEligibleCents":100,"lines":[`, i, i, 100*m)
		for j := range m {
			if j > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"gtin":"64%011d","description":"Maito %d","quantity":1,"unit":"PIECE",`+
				`"unitPriceCents":100,"amountCents":100}`, j, j)
		}
		sb.WriteString("]}")
	}
	sb.WriteString("]")
	return sb.String()
}

// TestVariableDecoder: a variable of a type with a typed decoder is decoded
// by it once gqlgen has the query in its cache, with an empty list in its
// place; one the decoder declines, and every other variable, is decoded as
// before.
func TestVariableDecoder(t *testing.T) {
	ctx := context.Background()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	vd := variableDecoder{docs: lru.New[*ast.QueryDocument](10)}
	raw := json.RawMessage(`{"batch": ` + batchJSON(2, 3) + `, "brief": true, "n": 1.5}`)
	generic, _ := decodeObject(raw)

	vars, typed, ok := vd.decode(ctx, ingestQuery, "Ingest", raw)
	if !ok || typed != nil || !reflect.DeepEqual(vars, generic) {
		t.Fatalf("before the query is cached: typed %v, vars %v", typed, vars)
	}

	doc, errs := gqlparser.LoadQuery(schema, ingestQuery)
	if errs != nil {
		t.Fatal(errs)
	}
	vd.docs.Add(ctx, ingestQuery, doc)
	vars, typed, ok = vd.decode(ctx, ingestQuery, "Ingest", raw)
	batch, isBatch := typed["batch"].([]model.ReceiptInput)
	if !ok || !isBatch || len(batch) != 2 || len(batch[1].Lines) != 3 || len(typed) != 1 {
		t.Fatalf("typed %#v", typed)
	}
	want := map[string]any{"batch": []any{}, "brief": true, "n": json.Number("1.5")}
	if !reflect.DeepEqual(vars, want) {
		t.Fatalf("vars %#v, want %#v", vars, want)
	}
	if _, _, ok := vd.decode(ctx, ingestQuery, "Other", raw); !ok {
		t.Fatal("an unknown operation name is gqlgen's to report")
	}

	declined := json.RawMessage(`{"batch": [{"source": 1}]}`)
	vars, typed, ok = vd.decode(ctx, ingestQuery, "Ingest", declined)
	if g, _ := decodeObject(declined); !ok || typed != nil || !reflect.DeepEqual(vars, g) {
		t.Fatalf("declined: typed %v, vars %v", typed, vars)
	}

	vd.docs = nil // Config.GenericVariables
	if vars, typed, _ = vd.decode(ctx, ingestQuery, "Ingest", raw); typed != nil || !reflect.DeepEqual(vars, generic) {
		t.Fatal("without the query cache, still decoded typed")
	}
}

// BenchmarkIngestRequest takes a batch of the ingest benchmark's size (100
// receipts of 20 lines) from the request body through gqlgen's checks of
// its variables, generically and typed. The generic path has still to
// copy the maps into structs after that (BenchmarkReceiptInputs in package
// graph measures that step with the rest).
func BenchmarkIngestRequest(b *testing.B) {
	query, _ := json.Marshal(ingestQuery)
	body := []byte(`{"query": ` + string(query) + `, "operationName": "Ingest", "variables": {"batch": ` +
		batchJSON(100, 20) + `}}`)
	docs := lru.New[*ast.QueryDocument](10)
	exec := executor.New(graph.NewExecutableSchema(graph.Config{}))
	exec.SetQueryCache(docs)
	ctx := graphql.StartOperationTrace(context.Background())
	if _, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: ingestQuery, OperationName: "Ingest",
		Variables: map[string]any{"batch": []any{}}}); errs != nil { // parsed and cached
		b.Fatal(errs)
	}
	run := func(b *testing.B, vd variableDecoder) {
		for b.Loop() {
			params, variables, problem := decodeBody(body)
			if problem != "" {
				b.Fatal(problem)
			}
			var typed map[string]any
			params.Variables, typed, _ = vd.decode(ctx, params.Query, params.OperationName, variables)
			oc, errs := exec.CreateOperationContext(ctx, params)
			if errs != nil {
				b.Fatal(errs)
			}
			for name, v := range typed {
				oc.Variables[name] = v
			}
			if _, ok := oc.Variables["batch"].([]model.ReceiptInput); ok != (vd.docs != nil) {
				b.Fatalf("typed %v, want %v", ok, vd.docs != nil)
			}
		}
	}
	b.Run("Generic", func(b *testing.B) { run(b, variableDecoder{}) })
	b.Run("Typed", func(b *testing.B) { run(b, variableDecoder{docs: docs}) })
}
