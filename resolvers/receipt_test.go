package resolvers_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

const receiptsQuery = `query($first: Int, $after: String, $filter: ReceiptFilter) {
  receipts(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id purchasedAt totalCents bonusEligibleCents currency lineCount warrantyUntil
      store { id name kind city }
      lines { lineNo description quantity unit unitPriceCents amountCents discountCents warrantyUntil
        product { gtin name origin category { id name group } } } } }
    pageInfo { hasNextPage endCursor } } }`

type receiptsData struct {
	Receipts struct {
		Edges []struct {
			Cursor string
			Node   struct {
				ID            string
				PurchasedAt   time.Time
				TotalCents    int
				LineCount     int
				WarrantyUntil *string
				Store         struct{ ID, Name string }
				Lines         []struct {
					LineNo      int
					AmountCents int
					Product     *struct {
						Gtin     string
						Category struct{ ID, Name, Group string }
					}
				}
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// seedReceipts enrols c1 and c2 and gives c1 n receipts a day apart.
func seedReceipts(t *testing.T, env *servertest.Env, n int) {
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2"})
	var rs []model.ReceiptInput
	for i := 0; i < n; i++ {
		at := env.Clock.Now().Add(-time.Duration(i+1) * 24 * time.Hour)
		rs = append(rs, servertest.Receipt("c1", fmt.Sprintf("r%d", i), at,
			servertest.Line("6400000000001", 3, model.UnitPiece, 45),
			servertest.Line("6400000000002", 0.512, model.UnitKg, 399)))
	}
	env.Ingest(t, rs...)
	env.Ingest(t, servertest.Receipt("c2", "other", env.Clock.Now().Add(-time.Hour),
		servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
}

func TestReceipts(t *testing.T) {
	env := servertest.New(t)
	seedReceipts(t, env, 25)
	tok := env.MemberToken("c1")

	t.Run("OK", func(t *testing.T) {
		var d receiptsData
		env.MustQuery(t, tok, receiptsQuery, map[string]any{"first": 20}).Decode(t, &d)
		if len(d.Receipts.Edges) != 20 || !d.Receipts.PageInfo.HasNextPage {
			t.Fatalf("got %d edges, hasNext %v", len(d.Receipts.Edges), d.Receipts.PageInfo.HasNextPage)
		}
		first := d.Receipts.Edges[0].Node
		// 3 × 45 + round(0.512 × 399) = 135 + 204
		if first.TotalCents != 339 || first.LineCount != 2 || len(first.Lines) != 2 {
			t.Fatalf("first receipt %+v", first)
		}
		if first.Store.ID != "s1" || first.Lines[1].Product.Category.ID != "tomatoes" || first.Lines[1].Product.Category.Group != "vegetables" {
			t.Fatalf("joins wrong: %+v", first)
		}
		for i := 1; i < len(d.Receipts.Edges); i++ {
			if !d.Receipts.Edges[i].Node.PurchasedAt.Before(d.Receipts.Edges[i-1].Node.PurchasedAt) {
				t.Fatal("not newest first")
			}
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		var seen []string
		var after any
		for page := 0; page < 5; page++ {
			var d receiptsData
			env.MustQuery(t, tok, receiptsQuery, map[string]any{"first": 7, "after": after}).Decode(t, &d)
			for _, e := range d.Receipts.Edges {
				seen = append(seen, e.Node.ID)
			}
			if !d.Receipts.PageInfo.HasNextPage {
				break
			}
			after = *d.Receipts.PageInfo.EndCursor
		}
		slices.Sort(seen)
		if len(slices.Compact(seen)) != 25 {
			t.Fatalf("paged through %d distinct receipts, want 25", len(seen))
		}
	})

	t.Run("Filter", func(t *testing.T) {
		var d receiptsData
		day := model.DateOf(env.Clock.Now().Add(-3*24*time.Hour), servertest.Helsinki).String()
		env.MustQuery(t, tok, receiptsQuery, map[string]any{"filter": map[string]any{"from": day, "to": day}}).Decode(t, &d)
		if len(d.Receipts.Edges) != 1 {
			t.Fatalf("one day: got %d receipts", len(d.Receipts.Edges))
		}
		env.MustQuery(t, tok, receiptsQuery, map[string]any{"filter": map[string]any{"storeId": "s2"}}).Decode(t, &d)
		if len(d.Receipts.Edges) != 0 {
			t.Fatalf("store s2: got %d receipts", len(d.Receipts.Edges))
		}
	})

	t.Run("ErrBadInput", func(t *testing.T) {
		for name, vars := range map[string]map[string]any{
			"first too big":  {"first": 101},
			"first zero":     {"first": 0},
			"bad cursor":     {"after": "not-a-cursor"},
			"to before from": {"filter": map[string]any{"from": "2026-06-10", "to": "2026-06-01"}},
		} {
			r := env.Query(t, tok, receiptsQuery, vars)
			if !slices.Equal(r.Codes(), []string{model.BadUserInput}) {
				t.Errorf("%s: codes %v", name, r.Codes())
			}
		}
	})
}

func TestReceiptByID(t *testing.T) {
	env := servertest.New(t)
	seedReceipts(t, env, 2)
	q := `query($id: ID!) { receipt(id: $id) { id totalCents lines { lineNo } } }`
	var mine receiptsData
	env.MustQuery(t, env.MemberToken("c1"), receiptsQuery, nil).Decode(t, &mine)
	id := mine.Receipts.Edges[0].Node.ID

	t.Run("OK", func(t *testing.T) {
		r := env.MustQuery(t, env.MemberToken("c1"), q, map[string]any{"id": id})
		var d struct{ Receipt struct{ ID string } }
		r.Decode(t, &d)
		if d.Receipt.ID != id {
			t.Fatalf("got %s", d.Receipt.ID)
		}
	})
	t.Run("ErrNotOwner", func(t *testing.T) {
		other := env.Query(t, env.MemberToken("c2"), q, map[string]any{"id": id})
		unknown := env.Query(t, env.MemberToken("c2"), q, map[string]any{"id": "cgAAAAAAAAPn"})
		malformed := env.Query(t, env.MemberToken("c2"), q, map[string]any{"id": "zzz"})
		for _, r := range []*servertest.Response{other, unknown, malformed} {
			if !slices.Equal(r.Codes(), []string{model.NotFound}) || string(r.Data) != `{"receipt":null}` {
				t.Fatalf("want null + NOT_FOUND, got %s %v", r.Data, r.Codes())
			}
		}
		if other.Errors[0].Message != unknown.Errors[0].Message {
			t.Fatalf("another member's id answers differently from an unknown id: %q vs %q",
				other.Errors[0].Message, unknown.Errors[0].Message)
		}
	})
}

// TestReceiptsStatementBudget holds a page of receipts with lines, products,
// categories and stores to a fixed number of statements, whatever its size.
func TestReceiptsStatementBudget(t *testing.T) {
	env := servertest.New(t)
	seedReceipts(t, env, 40)
	tok := env.MemberToken("c1")
	// The first request of the day records the member's login; count the
	// requests after it.
	env.MustQuery(t, tok, `{ me { id } }`, nil)
	counts := map[int]int{}
	for _, n := range []int{1, 20, 40} {
		counts[n], _ = env.Tracer.Count(func() {
			env.MustQuery(t, tok, receiptsQuery, map[string]any{"first": n})
		})
	}
	if counts[1] != counts[20] || counts[20] != counts[40] {
		t.Fatalf("statements grow with the page: %v", counts)
	}
	var page receiptsData
	env.MustQuery(t, tok, receiptsQuery, map[string]any{"first": 1}).Decode(t, &page)
	one := `query($id: ID!) { receipt(id: $id) { id totalCents store { name } lines { amountCents product { name category { name } } } } }`
	if n, sqls := env.Tracer.Count(func() {
		env.MustQuery(t, tok, one, map[string]any{"id": page.Receipts.Edges[0].Node.ID})
	}); n > 3 {
		t.Fatalf("receipt(id) took %d statements, budget 3: %q", n, sqls)
	}
	if counts[20] > 3 {
		_, sqls := env.Tracer.Count(func() { env.MustQuery(t, tok, receiptsQuery, map[string]any{"first": 20}) })
		t.Fatalf("a 20-receipt page took %d statements, budget 3: %q", counts[20], sqls)
	}
}

func TestAuthentication(t *testing.T) {
	env := servertest.New(t)
	seedReceipts(t, env, 1)
	t.Run("ErrNoToken", func(t *testing.T) {
		r := env.Query(t, "", `{ me { id } }`, nil)
		if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" ||
			!slices.Equal(r.Codes(), []string{model.Unauthenticated}) {
			t.Fatalf("got %d %v", r.Status, r.Codes())
		}
	})
	t.Run("ErrServiceTokenReadsMemberData", func(t *testing.T) {
		r := env.Query(t, env.ServiceToken("receipts:ingest", "marketing:read"), `{ me { id } }`, nil)
		if !slices.Equal(r.Codes(), []string{model.Forbidden}) {
			t.Fatalf("got %v", r.Codes())
		}
	})
	t.Run("ErrMemberTokenCallsService", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("c1"), `mutation { upsertStores(input: [{id: "x", name: "X", kind: GROCERY, bonusEligible: true}]) { upserted } }`, nil)
		if !slices.Equal(r.Codes(), []string{model.Forbidden}) {
			t.Fatalf("got %v", r.Codes())
		}
	})
	t.Run("ErrWrongScope", func(t *testing.T) {
		r := env.Query(t, env.ServiceToken("catalog:write"), `mutation { ingestReceipts(input: []) { accepted } }`, nil)
		if !slices.Equal(r.Codes(), []string{model.Forbidden}) {
			t.Fatalf("got %v", r.Codes())
		}
	})
	t.Run("Me", func(t *testing.T) {
		var d struct {
			Me struct {
				ID                string
				Cards             []string
				PurchaseDataLevel string
				RetentionYears    int
			}
		}
		env.MustQuery(t, env.MemberToken("c1"), `{ me { id cards purchaseDataLevel retentionYears } }`, nil).Decode(t, &d)
		if d.Me.ID != "c1" || !slices.Equal(d.Me.Cards, []string{servertest.Card("c1")}) ||
			d.Me.PurchaseDataLevel != "PRODUCT_LEVEL" || d.Me.RetentionYears != 5 {
			t.Fatalf("me = %+v", d.Me)
		}
	})
}
