package seed

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// Receipts generates the receipts of the adult members over the history
// (opt.Years up to opt.Now, in opt.Location) and passes each to emit, in
// chronological order (ties by external id), one day at a time so that
// large sizes never sit in memory. Children do not shop. Every receipt
// passes storage.ValidateReceipt at opt.Now. An error from emit stops the
// generation and is returned.
func Receipts(opt Options, members []model.MemberInput, products []model.ProductInput,
	stores []model.StoreInput, emit func(model.ReceiptInput) error) error {
	opt, err := opt.withDefaults()
	if err != nil {
		return err
	}
	s, err := newShop(products, stores)
	if err != nil {
		return err
	}
	shoppers := shoppersOf(opt, members, s)
	start, end := opt.start(), opt.end()
	t := tills{shop: s, loc: opt.Location, now: model.DateOf(opt.Now, opt.Location)}
	last := model.DateOf(end, opt.Location)
	var day []model.ReceiptInput
	for d := model.DateOf(start, opt.Location); !last.Before(d); d = d.AddDays(1) {
		day = day[:0]
		for _, sh := range shoppers {
			day = t.shopDay(sh, d, day)
		}
		slices.SortStableFunc(day, func(a, b model.ReceiptInput) int {
			return cmp.Or(a.PurchasedAt.Compare(b.PurchasedAt), cmp.Compare(a.ExternalID, b.ExternalID))
		})
		for _, r := range day {
			if r.PurchasedAt.After(start) && !r.PurchasedAt.After(end) {
				if err := emit(r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// tills turns shoppers' visits into receipts.
type tills struct {
	shop *shop
	loc  *time.Location
	now  model.Date // the last day of the history, for prices
}

// visit is one kind of purchase: how often a shopper makes it, where, and
// what it puts on the receipt (its lines and the hour of day).
type visit struct {
	rate  func(rates) float64
	busy  bool // follows the weekly and holiday rhythm of the shops
	store func(t tills, sh *shopper) string
	lines func(t tills, sh *shopper, d model.Date) ([]model.LineInput, int)
}

// visits are tried in this order each day; the order is part of the
// output, so append new kinds at the end.
var visits = []visit{
	{func(r rates) float64 { return r.grocery }, true, tills.groceryStore, tills.groceryLines},
	{func(r rates) float64 { return r.online }, true, role(model.StoreKindOnline), tills.onlineLines},
	{func(r rates) float64 { return r.restaurant }, true, role(model.StoreKindRestaurant), tills.restaurantLines},
	{func(r rates) float64 { return r.fuel }, false, role(model.StoreKindFuel), tills.fuelLines},
	{func(r rates) float64 { return r.department }, true, role(model.StoreKindDepartment), tills.departmentLines},
	{func(r rates) float64 { return r.partner }, true, tills.partnerStore, tills.partnerLines},
	{func(r rates) float64 { return r.hotel }, false, role(model.StoreKindHotel), tills.hotelLines},
}

// role returns the store of kind k, if the shop has one.
func role(k model.StoreKind) func(tills, *shopper) string {
	return func(t tills, _ *shopper) string { return t.shop.roles[k] }
}

// partnerStore returns the partner store, if any.
func (t tills) partnerStore(*shopper) string { return t.shop.partner }

// groceryStore returns the shopper's usual grocery store, or now and then
// another (one near work, or on a trip).
func (t tills) groceryStore(sh *shopper) string {
	home := sh.home
	if len(home) == 0 {
		home = t.shop.groceries
	}
	switch r := sh.rng.IntN(100); {
	case r < 80:
		return home[0]
	case r < 90:
		return home[sh.rng.IntN(len(home))]
	}
	return t.shop.groceries[sh.rng.IntN(len(t.shop.groceries))]
}

// shopDay appends the shopper's receipts of day d to out.
func (t tills) shopDay(sh *shopper, d model.Date, out []model.ReceiptInput) []model.ReceiptInput {
	busy := dayFactor(d)
	for _, v := range visits {
		p := v.rate(sh.rates) / 7
		if v.busy {
			p *= busy
		}
		if sh.rng.Float64() >= p {
			continue
		}
		store := v.store(t, sh)
		if store == "" {
			continue
		}
		lines, hour := v.lines(t, sh, d)
		if len(lines) > 0 {
			out = append(out, t.receipt(sh, store, d, hour, lines))
		}
	}
	return out
}

// receipt assembles a receipt whose total is the sum of its lines.
func (t tills) receipt(sh *shopper, store string, d model.Date, hour int, lines []model.LineInput) model.ReceiptInput {
	sh.seq++
	total := 0
	for _, l := range lines {
		total += l.AmountCents
	}
	at := time.Date(d.Year, d.Month, d.Day, hour, sh.rng.IntN(60), sh.rng.IntN(60), 0, t.loc)
	return model.ReceiptInput{
		Source:             "pos-" + store,
		ExternalID:         fmt.Sprintf("%04d%02d%02d-%s-%05d", d.Year, d.Month, d.Day, sh.id, sh.seq),
		CardNumber:         sh.card(),
		StoreID:            store,
		PurchasedAt:        at.UTC(),
		TotalCents:         total,
		BonusEligibleCents: pick(t.shop.bonus[store], total, 0),
		Currency:           ptr("EUR"),
		Lines:              lines,
	}
}

// weekdayRhythm is how busy the shops are by weekday (Sunday first):
// Friday and Saturday are the big shopping days, Sunday is quiet.
var weekdayRhythm = [7]float64{0.45, 0.9, 0.85, 1.0, 1.1, 1.45, 1.35}

// dayFactor is how busy the shops are on day d relative to an average
// day: the weekly rhythm, the Christmas rush and the holidays when Finnish
// shops close or shut early.
func dayFactor(d model.Date) float64 {
	wd := d.Start(time.UTC).Weekday()
	f := weekdayRhythm[wd]
	switch {
	case d.Month == time.December && d.Day == 25:
		return 0
	case d.Month == time.December && d.Day == 24:
		return 0.5
	case d.Month == time.December && d.Day == 26, d.Month == time.January && d.Day == 1:
		return 0.3
	case d.Month == time.December && d.Day >= 18:
		return f * 1.6
	case d.Month == time.June && d.Day >= 19 && d.Day <= 25 && wd == time.Friday: // midsummer eve
		return 1.8
	case d.Month == time.June && d.Day >= 20 && d.Day <= 26 && wd == time.Saturday: // midsummer day
		return 0.2
	}
	return f
}

// shoppingHour draws an hour between 8 and 21 with the after-work peak.
func shoppingHour(sh *shopper) int {
	weights := [...]int{1, 2, 3, 4, 5, 4, 4, 5, 7, 8, 7, 5, 3, 2} // 8:00 ... 21:00
	total := 0
	for _, w := range weights {
		total += w
	}
	x := sh.rng.IntN(total)
	for i, w := range weights {
		if x < w {
			return 8 + i
		}
		x -= w
	}
	return 17
}
