package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
)

func TestBodySize(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	// A body of n bytes that is a valid request: the padding is a variable
	// the operation does not declare, which GraphQL ignores.
	padded := func(n int) string {
		head, tail := `{"query":"{ __typename }","variables":{"pad":"`, `"}}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	do := func(token, body string, chunked bool) *reply {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+token)
		if chunked {
			r.ContentLength = -1 // the size is known only by reading
		}
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, r)
		return decodeReply(t, rec.Code, rec.Header(), rec.Body.Bytes())
	}
	member, service := env.MemberToken("c1"), env.ServiceToken("receipts:ingest")
	tests := []struct {
		name    string
		token   string
		size    int
		chunked bool
		status  int
	}{
		{"OKMemberAtLimit", member, server.MaxBodyBytes, false, http.StatusOK},
		{"ErrMemberOverLimit", member, server.MaxBodyBytes + 1, false, http.StatusRequestEntityTooLarge},
		{"ErrMemberOverLimitChunked", member, server.MaxBodyBytes + 1, true, http.StatusRequestEntityTooLarge},
		{"OKServiceBatchSize", service, 2 * server.MaxBodyBytes, true, http.StatusOK},
		{"ErrServiceOverLimit", service, server.MaxServiceBodyBytes + 1, false, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(tt.token, padded(tt.size), tt.chunked)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %.200s", r.Status, tt.status, r.Body)
			}
			if tt.status == http.StatusOK {
				if string(r.Keys["data"]) != `{"__typename":"Query"}` {
					t.Fatalf("data %s", r.Keys["data"])
				}
				return
			}
			if r.code() != model.BadUserInput || !strings.Contains(firstMessage(r), "request body is larger than") {
				t.Fatalf("error %s %q", r.code(), firstMessage(r))
			}
		})
	}
}

// refusedBeforeExecution posts query and checks it is refused with
// QUERY_TOO_COMPLEX and a message containing want, without one SQL
// statement run.
func refusedBeforeExecution(t *testing.T, env *servertest.Env, token, query, want string) {
	t.Helper()
	var r *reply
	n, sqls := env.Tracer.Count(func() { r = post(t, env.Handler, token, query, nil) })
	if r.code() != model.QueryTooComplex || !strings.Contains(firstMessage(r), want) {
		t.Fatalf("error %s %q, want QUERY_TOO_COMPLEX with %q", r.code(), firstMessage(r), want)
	}
	if _, hasData := r.Keys["data"]; hasData || n != 0 {
		t.Fatalf("it ran: data present %v, %d statements %q", hasData, n, sqls)
	}
}

// accepted posts query and checks it ran (whatever its resolvers said).
func accepted(t *testing.T, env *servertest.Env, token, query string) *reply {
	t.Helper()
	r := post(t, env.Handler, token, query, nil)
	if _, hasData := r.Keys["data"]; !hasData || r.code() == model.QueryTooComplex {
		t.Fatalf("refused: %.300s", r.Body)
	}
	return r
}

func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	return b.String() + " }"
}

func TestQueryLimits(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	tok := env.MemberToken("c1")
	// The day's first request records the member's login: get it done, so
	// that the refused requests below are seen to run no statement at all.
	accepted(t, env, tok, `{ __typename }`)

	t.Run("ErrTokenLimit", func(t *testing.T) {
		// Tokens, not fields: a default value of 10,000 numbers.
		q := `query($l: [Int] = [` + strings.Repeat("1 ", 10_000) + `]) { me { id } }`
		refusedBeforeExecution(t, env, tok, q, "exceeds the token limit of 10000")
	})
	t.Run("ErrThousandAliases", func(t *testing.T) {
		refusedBeforeExecution(t, env, tok, aliases(1000, "me { id }"), "the query document has 2000 selections")
		// Sent again, its count is the one kept from the first time, and
		// it is refused the same way.
		refusedBeforeExecution(t, env, tok, aliases(1000, "me { id }"), "the query document has 2000 selections")
	})
	t.Run("ErrRepeatedField", func(t *testing.T) {
		// Validation compares same-named fields pairwise: refused before.
		refusedBeforeExecution(t, env, tok, "{ me { "+strings.Repeat("id ", 5000)+"} }", "over the limit of 500")
	})
	t.Run("ErrFragmentBomb", func(t *testing.T) {
		// 30 fragments, each spreading the next twice: 2^30 fields.
		var b strings.Builder
		b.WriteString("query { ...F0 }\n")
		for i := range 30 {
			fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
		}
		b.WriteString("fragment F30 on Query { me { id } }\n")
		refusedBeforeExecution(t, env, tok, b.String(), "more than 10000 fields once its fragments are expanded")
	})
	t.Run("ErrDepth", func(t *testing.T) {
		// The one cycle the schema has is introspection's type references.
		q := `{ __type(name: "Query") { fields { type ` + strings.Repeat("{ ofType ", 14) + "{ name }" + strings.Repeat(" }", 14) + " } } }"
		refusedBeforeExecution(t, env, tok, q, "nests more than 15 levels deep")
	})
	t.Run("OKDeepestUsefulQuery", func(t *testing.T) {
		accepted(t, env, tok, `{ insights(from: "2026-01-01", to: "2026-06-01") { nutrition { topSources(nutrient: PROTEIN) {
			products { product { category { name } } } categories { category { name } } } } } }`)
	})
	t.Run("ErrRootFields", func(t *testing.T) {
		// Each root field is a transaction: 60 cost 60 × (1000 + 2).
		refusedBeforeExecution(t, env, tok, aliases(60, "me { id }"), "complexity is 60120, over the limit of 50000")
		accepted(t, env, tok, aliases(40, "me { id }"))
	})
	t.Run("ErrListCost", func(t *testing.T) {
		// lines cost 25 × 6, node 151, edges 152, the page first × 152, plus
		// 1,000 for the root field: 16,200 a page of 100, 2,520 one of 10.
		page := func(first int) string {
			return fmt.Sprintf(`receipts(first: %d) { edges { node { lines { description amountCents product { name category { name } } } } } }`, first)
		}
		refusedBeforeExecution(t, env, tok, aliases(4, page(100)), "complexity is 64800, over the limit of 50000")
		accepted(t, env, tok, aliases(4, page(10)))
		accepted(t, env, tok, aliases(3, page(100)))
	})
	t.Run("ErrPageSize", func(t *testing.T) {
		// A size beyond the limit is refused by the field itself, naming it.
		r := post(t, env.Handler, tok, `{ receipts(first: 101) { edges { cursor } } }`, nil)
		if r.code() != model.BadUserInput || !strings.HasPrefix(firstMessage(r), "first:") {
			t.Fatalf("error %s %q", r.code(), firstMessage(r))
		}
	})
}

func TestBatchSize(t *testing.T) {
	env := servertest.New(t)
	stores := make([]map[string]any, 1001)
	for i := range stores {
		stores[i] = map[string]any{"id": fmt.Sprintf("s%d", i), "name": "Store", "kind": "GROCERY", "bonusEligible": true}
	}
	r := post(t, env.Handler, env.ServiceToken("catalog:write"),
		`mutation($in: [StoreInput!]!) { upsertStores(input: $in) { upserted } }`, map[string]any{"in": stores})
	if r.code() != model.BadUserInput || firstMessage(r) != "input: the batch has 1001 items; at most 1000 are accepted" {
		t.Fatalf("error %s %q", r.code(), firstMessage(r))
	}
	if n := count(t, env, `SELECT count(*) FROM stores`); n != 0 {
		t.Fatalf("%d stores written", n)
	}
}

// TestDevOnlySchemaDisclosure checks introspection and field suggestions
// are off in production and on in dev mode.
func TestDevOnlySchemaDisclosure(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	tok := env.MemberToken("c1")
	prod := env.Handler
	dev := handler(t, env, func(c *server.Config) { c.Dev = true })
	introspection := []string{`{ __schema { queryType { name } } }`, `{ __type(name: "Member") { fields { name } } }`}
	misspelled := []string{`{ mee { id } }`, `{ me { idd } }`, `{ receipts(frist: 1) { edges { cursor } } }`,
		`{ insights(from: "2026-01-01", to: "2026-01-31", scope: MEE) { spendCents } }`}

	t.Run("ErrIntrospectionInProduction", func(t *testing.T) {
		for _, q := range introspection {
			r := post(t, prod, tok, q, nil)
			if r.code() != model.Forbidden || firstMessage(r) != "introspection is disabled outside dev mode" || r.Keys["data"] != nil {
				t.Fatalf("%s: %s", q, r.Body)
			}
		}
	})
	t.Run("OKTypename", func(t *testing.T) {
		if r := post(t, prod, tok, `{ __typename }`, nil); string(r.Keys["data"]) != `{"__typename":"Query"}` {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("OKIntrospectionInDev", func(t *testing.T) {
		for _, q := range introspection {
			if r := post(t, dev, tok, q, nil); len(r.Errors) > 0 {
				t.Fatalf("%s: %s", q, r.Body)
			}
		}
	})
	t.Run("OKFullIntrospectionInDev", func(t *testing.T) {
		// What GraphiQL sends (graphql-js getIntrospectionQuery, all options):
		// the query limits must leave it alone.
		q, err := os.ReadFile("testdata/introspection.graphql")
		if err != nil {
			t.Fatal(err)
		}
		r := post(t, dev, tok, string(q), nil)
		if len(r.Errors) > 0 || !strings.Contains(string(r.Keys["data"]), `"name":"ReceiptConnection"`) {
			t.Fatalf("%.500s", r.Body)
		}
	})
	t.Run("ErrSuggestionsInProduction", func(t *testing.T) {
		for _, q := range misspelled {
			r := post(t, prod, tok, q, nil)
			if len(r.Errors) == 0 || strings.Contains(r.Body, "Did you mean") {
				t.Fatalf("%s: %s", q, r.Body)
			}
		}
	})
	t.Run("OKSuggestionsInDev", func(t *testing.T) {
		for _, q := range misspelled {
			if r := post(t, dev, tok, q, nil); !slices.ContainsFunc(r.Errors, func(e struct {
				Message    string
				Extensions map[string]any
			}) bool {
				return strings.Contains(e.Message, "Did you mean")
			}) {
				t.Fatalf("%s: %s", q, r.Body)
			}
		}
	})
}
