package insights

import (
	"math"
	"sort"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// Shopping list parameters (DESIGN.md §7).
const (
	// ShoppingWindow is how far back purchases count.
	ShoppingWindow = 365 * 24 * time.Hour
	// MinPurchases is how many receipts with a product make it regular.
	MinPurchases = 3
)

// Purchase is one receipt with a product: when, and how much of the
// product it had (its lines of the product added up).
type Purchase struct {
	At       time.Time
	Quantity float64
}

// ShoppingList returns the products bought on at least MinPurchases
// receipts, given each product's purchases in the window: times bought,
// last purchase, the median gap in days between consecutive purchases, the
// next due time (last purchase + median gap) and the median quantity;
// ordered by next due time, then GTIN; at most limit items.
func ShoppingList(purchases map[string][]Purchase, limit int) []model.ShoppingListItem {
	out := []model.ShoppingListItem{}
	for gtin, ps := range purchases {
		if len(ps) < MinPurchases {
			continue
		}
		ps = append([]Purchase(nil), ps...)
		sort.Slice(ps, func(i, j int) bool { return ps[i].At.Before(ps[j].At) })
		gaps := make([]float64, len(ps)-1)
		quantities := make([]float64, len(ps))
		for i, p := range ps {
			quantities[i] = p.Quantity
			if i > 0 {
				gaps[i-1] = p.At.Sub(ps[i-1].At).Hours() / 24
			}
		}
		last := ps[len(ps)-1].At
		interval := Median(gaps)
		out = append(out, model.ShoppingListItem{
			Gtin: gtin, TimesBought: len(ps), LastBoughtAt: last, TypicalIntervalDays: interval,
			// Whole seconds: the due time is a prediction, not a measurement.
			NextDueAt:       last.Add(time.Duration(math.Round(interval*86400)) * time.Second),
			TypicalQuantity: Median(quantities),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextDueAt.Equal(out[j].NextDueAt) {
			return out[i].NextDueAt.Before(out[j].NextDueAt)
		}
		return out[i].Gtin < out[j].Gtin
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Median returns the median of xs (the mean of the two middle values for
// an even count), 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
