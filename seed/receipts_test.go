package seed

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// dataset is one generated history.
type dataset struct {
	opt      Options
	members  []model.MemberInput
	products []model.ProductInput
	stores   []model.StoreInput
	receipts []model.ReceiptInput
}

// build runs the generator with opt, collecting the receipts.
func build(opt Options) (dataset, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return dataset{}, err
	}
	d := dataset{opt: opt, members: Members(opt), products: Products(opt.Seed), stores: Stores()}
	err = Receipts(opt, d.members, d.products, d.stores, func(r model.ReceiptInput) error {
		d.receipts = append(d.receipts, r)
		return nil
	})
	return d, err
}

// generate is build for a test.
func generate(t testing.TB, opt Options) dataset {
	t.Helper()
	d, err := build(opt)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// defaultData is the default-sized history, generated once for the tests
// that only read it.
var defaultData = sync.OnceValue(func() dataset {
	d, err := build(Options{Now: testNow})
	if err != nil {
		panic(err)
	}
	return d
})

func TestReceiptsValid(t *testing.T) {
	d := defaultData()
	if len(d.receipts) < 1000 {
		t.Fatalf("only %d receipts", len(d.receipts))
	}
	owner := map[string]model.MemberInput{}
	for _, m := range d.members {
		for _, c := range m.CardNumbers {
			owner[c] = m
		}
	}
	bonus := map[string]bool{}
	for _, s := range d.stores {
		bonus[s.ID] = s.BonusEligible
	}
	start, end := d.opt.start(), d.opt.end()
	keys := map[string]bool{}
	for i, r := range d.receipts {
		if err := storage.ValidateReceipt(r, d.opt.Now); err != nil {
			t.Fatalf("receipt %d (%s) rejected: %v", i, r.ExternalID, err)
		}
		if !r.PurchasedAt.After(start) || r.PurchasedAt.After(end) {
			t.Errorf("%s at %v is outside (%v, %v]", r.ExternalID, r.PurchasedAt, start, end)
		}
		if i > 0 && r.PurchasedAt.Before(d.receipts[i-1].PurchasedAt) {
			t.Errorf("%s is out of chronological order", r.ExternalID)
		}
		if keys[r.Source+" "+r.ExternalID] {
			t.Errorf("%s %s appears twice", r.Source, r.ExternalID)
		}
		keys[r.Source+" "+r.ExternalID] = true
		checkReceipt(t, r, d.opt, owner, bonus)
	}
}

// checkReceipt checks what the storage rules do not: the seed's promises.
func checkReceipt(t *testing.T, r model.ReceiptInput, opt Options, owner map[string]model.MemberInput, bonus map[string]bool) {
	t.Helper()
	m, ok := owner[r.CardNumber]
	switch {
	case !ok:
		t.Errorf("%s: card %s belongs to no member", r.ExternalID, r.CardNumber)
	case isChild(m, opt.Now):
		t.Errorf("%s: child %s shops", r.ExternalID, m.CustomerID)
	case r.Source != "pos-"+r.StoreID:
		t.Errorf("%s: source %q for store %q", r.ExternalID, r.Source, r.StoreID)
	case r.BonusEligibleCents != pick(bonus[r.StoreID], r.TotalCents, 0):
		t.Errorf("%s: bonus %d of %d at %s", r.ExternalID, r.BonusEligibleCents, r.TotalCents, r.StoreID)
	}
	if h := r.PurchasedAt.In(opt.Location).Hour(); h < 8 || h >= 22 {
		t.Errorf("%s: bought at %d o'clock", r.ExternalID, h)
	}
	for _, l := range r.Lines {
		switch {
		case l.Unit == model.UnitKg && (l.Quantity < 0.2 || l.Quantity > 2):
			t.Errorf("%s: %q %.3f kg", r.ExternalID, l.Description, l.Quantity)
		case l.Unit == model.UnitPiece && l.Quantity != float64(int(l.Quantity)):
			t.Errorf("%s: %q %v pieces", r.ExternalID, l.Description, l.Quantity)
		case int(math.Round(l.Quantity*float64(l.UnitPriceCents)))-deref(l.DiscountCents) != l.AmountCents:
			t.Errorf("%s: %q amount is not exact", r.ExternalID, l.Description)
		}
	}
}

func TestGroceryBaskets(t *testing.T) {
	d := defaultData()
	groceries := map[string]bool{}
	for _, s := range d.stores {
		groceries[s.ID] = s.Kind == model.StoreKindGrocery
	}
	kinds := map[string]int{}
	discounts := 0
	for _, r := range d.receipts {
		kinds[r.StoreID]++
		if groceries[r.StoreID] && (len(r.Lines) < minLines || len(r.Lines) > maxLines) {
			t.Errorf("%s: %d lines at a grocery", r.ExternalID, len(r.Lines))
		}
		for _, l := range r.Lines {
			if deref(l.DiscountCents) > 0 {
				discounts++
			}
		}
	}
	for _, s := range d.stores {
		if kinds[s.ID] == 0 {
			t.Errorf("no receipts at %s", s.ID)
		}
	}
	if discounts == 0 {
		t.Errorf("no discounts")
	}
}

func TestRhythm(t *testing.T) {
	d := defaultData()
	loc := d.opt.Location
	weekday := map[time.Weekday]int{}
	months := map[time.Month]int{}
	strawberries := map[time.Month]int{}
	grocery := map[string]bool{}
	for _, s := range d.stores {
		grocery[s.ID] = s.Kind == model.StoreKindGrocery
	}
	for _, r := range d.receipts {
		at := r.PurchasedAt.In(loc)
		weekday[at.Weekday()]++
		months[at.Month()]++
		if grocery[r.StoreID] && at.Month() == time.December && at.Day() == 25 {
			t.Errorf("%s: a grocery open on Christmas Day", r.ExternalID)
		}
		for _, l := range r.Lines {
			if l.Gtin != nil && catalogByGTIN()[*l.Gtin].category == "strawberries" {
				strawberries[at.Month()]++
			}
		}
	}
	if weekday[time.Friday] < 2*weekday[time.Sunday] || weekday[time.Saturday] < weekday[time.Tuesday] {
		t.Errorf("weekdays %v: want busy Fridays and Saturdays, quiet Sundays", weekday)
	}
	if strawberries[time.July] < 3*strawberries[time.January] {
		t.Errorf("strawberries by month %v: want a summer peak", strawberries)
	}
	if months[time.December] <= months[time.November] {
		t.Errorf("receipts by month %v: want a Christmas peak", months)
	}
}

// TestStaples checks that each shopper who keeps product-level data has
// products bought at least three times in the last year: a shopping list.
func TestStaples(t *testing.T) {
	d := defaultData()
	member := map[string]model.MemberInput{}
	for _, m := range d.members {
		for _, c := range m.CardNumbers {
			member[c] = m
		}
	}
	bought := map[string]map[string]int{} // customer → gtin → receipts
	for _, r := range d.receipts {
		m := member[r.CardNumber]
		if bought[m.CustomerID] == nil {
			bought[m.CustomerID] = map[string]int{}
		}
		for _, l := range r.Lines {
			if l.Gtin != nil {
				bought[m.CustomerID][*l.Gtin]++
			}
		}
	}
	for _, m := range d.members {
		if isChild(m, d.opt.Now) {
			if len(bought[m.CustomerID]) > 0 {
				t.Errorf("child %s bought something", m.CustomerID)
			}
			continue
		}
		regular := 0
		for _, n := range bought[m.CustomerID] {
			if n >= 3 {
				regular++
			}
		}
		if regular < 5 {
			t.Errorf("%s bought only %d products three times or more", m.CustomerID, regular)
		}
	}
}

func TestReceiptsStopOnEmitError(t *testing.T) {
	d := defaultData()
	stop := &model.Error{Code: "STOP"}
	n := 0
	err := Receipts(d.opt, d.members, d.products, d.stores, func(model.ReceiptInput) error {
		n++
		return pick(n == 3, error(stop), nil)
	})
	if err != stop || n != 3 {
		t.Errorf("Receipts returned %v after %d receipts, want the emit error after 3", err, n)
	}
}

func TestReceiptsTenYears(t *testing.T) {
	if testing.Short() {
		t.Skip("ten years of history")
	}
	opt := Options{Members: 12, Years: 10, Now: testNow}
	d := generate(t, opt)
	for _, r := range d.receipts {
		if err := storage.ValidateReceipt(r, opt.Now); err != nil {
			t.Fatalf("%s rejected: %v", r.ExternalID, err)
		}
	}
	if first := d.receipts[0].PurchasedAt; first.After(testNow.AddDate(-9, -11, 0)) {
		t.Errorf("first receipt at %v, want ten years back", first)
	}
}

func TestReceiptsNeedGroceries(t *testing.T) {
	d := defaultData()
	noop := func(model.ReceiptInput) error { return nil }
	if err := Receipts(d.opt, d.members, nil, d.stores, noop); err == nil {
		t.Error("Receipts without products succeeded")
	}
	if err := Receipts(d.opt, d.members, d.products, d.stores[7:], noop); err == nil {
		t.Error("Receipts without a grocery store succeeded")
	}
}

func BenchmarkReceipts(b *testing.B) {
	opt, _ := Options{Now: testNow}.withDefaults()
	members, products, stores := Members(opt), Products(opt.Seed), Stores()
	for b.Loop() {
		n := 0
		_ = Receipts(opt, members, products, stores, func(model.ReceiptInput) error { n++; return nil })
		b.ReportMetric(float64(n), "receipts/op")
	}
}
