package resolvers_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

const shoppingQuery = `query($limit: Int) { shoppingList(limit: $limit) {
  product { gtin name } timesBought lastBoughtAt typicalIntervalDays nextDueAt typicalQuantity } }`

type shoppingItem struct {
	Product             struct{ Gtin, Name string }
	TimesBought         int
	LastBoughtAt        time.Time
	TypicalIntervalDays float64
	NextDueAt           time.Time
	TypicalQuantity     float64
}

// TestShoppingList checks the list against values computed by hand: the
// clock reads 2026-06-15T12:00Z.
func TestShoppingList(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "sh"})
	env.Member(t, servertest.MemberSpec{ID: "nolines", Consents: []model.ConsentChange{
		{Purpose: model.ConsentPurposeProductLevelData, Granted: false}}})
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	milk := func(q float64) model.LineInput { return servertest.Line("6400000000003", q, model.UnitPiece, 129) }
	apples := func(q float64) model.LineInput { return servertest.Line("6400000000001", q, model.UnitPiece, 45) }
	yoghurt := servertest.Line("6400000000006", 1, model.UnitPiece, 100)
	tomatoes := servertest.Line("6400000000002", 0.5, model.UnitKg, 400)
	unknown := servertest.Line(servertest.UnknownGtin, 1, model.UnitPiece, 10)
	env.Ingest(t,
		// Milk: gaps 7 and 14 days, median 10.5; quantities 1, 2 (two
		// lines of one receipt), 2: median 2.
		servertest.Receipt("sh", "m1", at("2026-05-01T10:00:00Z"), milk(1), unknown, yoghurt),
		servertest.Receipt("sh", "m2", at("2026-05-08T10:00:00Z"), milk(1), milk(1), unknown, tomatoes),
		servertest.Receipt("sh", "m3", at("2026-05-22T10:00:00Z"), milk(2), unknown, tomatoes, yoghurt),
		// Apples: every two days, 4, 4, 6, 4 pieces.
		servertest.Receipt("sh", "a1", at("2026-06-01T10:00:00Z"), apples(4)),
		servertest.Receipt("sh", "a2", at("2026-06-03T10:00:00Z"), apples(4)),
		servertest.Receipt("sh", "a3", at("2026-06-05T10:00:00Z"), apples(6)),
		servertest.Receipt("sh", "a4", at("2026-06-07T10:00:00Z"), apples(4)),
		// A third yoghurt, but 366 days ago: outside the window.
		servertest.Receipt("sh", "y0", at("2025-06-14T10:00:00Z"), yoghurt),
		servertest.Receipt("nolines", "n1", at("2026-06-01T10:00:00Z"), milk(1)),
	)
	list := func(t *testing.T, limit any) []shoppingItem {
		var d struct{ ShoppingList []shoppingItem }
		env.MustQuery(t, env.MemberToken("sh"), shoppingQuery, map[string]any{"limit": limit}).Decode(t, &d)
		return d.ShoppingList
	}

	t.Run("OK", func(t *testing.T) {
		got := list(t, nil)
		if len(got) != 2 {
			t.Fatalf("%+v", got)
		}
		m, a := got[0], got[1]
		if m.Product.Gtin != "6400000000003" || m.Product.Name != "Milk 1 l" || m.TimesBought != 3 ||
			!m.LastBoughtAt.Equal(at("2026-05-22T10:00:00Z")) || m.TypicalIntervalDays != 10.5 ||
			!m.NextDueAt.Equal(at("2026-06-01T22:00:00Z")) || m.TypicalQuantity != 2 {
			t.Fatalf("milk %+v", m)
		}
		if a.Product.Gtin != "6400000000001" || a.TimesBought != 4 || a.TypicalIntervalDays != 2 ||
			!a.NextDueAt.Equal(at("2026-06-09T10:00:00Z")) || a.TypicalQuantity != 4 {
			t.Fatalf("apples %+v", a)
		}
	})
	t.Run("Limit", func(t *testing.T) {
		if got := list(t, 1); len(got) != 1 || got[0].Product.Gtin != "6400000000003" {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("WindowFollowsTheClock", func(t *testing.T) {
		// A year after the first milk, it has left the window: two left.
		env.Clock.Set(at("2027-05-01T10:30:00Z"))
		defer env.Clock.Set(at("2026-06-15T12:00:00Z"))
		var gtins []string
		for _, it := range list(t, nil) {
			gtins = append(gtins, it.Product.Gtin)
		}
		if !reflect.DeepEqual(gtins, []string{"6400000000001"}) {
			t.Fatalf("%v", gtins)
		}
	})
	t.Run("ErrLimit", func(t *testing.T) {
		for _, n := range []int{0, 101} {
			r := env.Query(t, env.MemberToken("sh"), shoppingQuery, map[string]any{"limit": n})
			if !reflect.DeepEqual(r.Codes(), []string{model.BadUserInput}) || !strings.HasPrefix(r.Errors[0].Message, "limit:") {
				t.Fatalf("limit %d: %+v", n, r.Errors)
			}
		}
	})
	t.Run("ErrConsentRequired", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("nolines"), shoppingQuery, nil)
		if !reflect.DeepEqual(r.Codes(), []string{model.ConsentRequired}) || !strings.Contains(r.Errors[0].Message, "PRODUCT_LEVEL_DATA") ||
			string(r.Data) != `{"shoppingList":null}` {
			t.Fatalf("%s %+v", r.Data, r.Errors)
		}
	})
}
