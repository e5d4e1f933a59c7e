package seed

import (
	"math"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// fixedLine is something sold without a GTIN: a lunch, a night, fuel.
type fixedLine struct {
	desc  string
	price int // cents per unit at the end of the history
}

// Lines without a product, by place of purchase.
var (
	lunch      = []fixedLine{{"Lounas", 1290}, {"Keittolounas", 1090}, {"Salaattilounas", 1190}}
	lunchExtra = []fixedLine{{"Kahvi", 320}, {"Päivän jälkiruoka", 590}, {"Kivennäisvesi", 390}}
	dinner     = []fixedLine{{"Pizza", 1690}, {"Lohikeitto", 1890}, {"Burgeri", 1790}, {"Pihvi", 3290}, {"Lasten annos", 890}}
	dinnerSide = []fixedLine{{"Olut 0,4 l", 850}, {"Viini 16 cl", 1050}, {"Virvoitusjuoma 0,4 l", 490}, {"Jälkiruoka", 890}}
	clothing   = []fixedLine{{"T-paita", 1490}, {"Sukat 3 paria", 990}, {"Farkut", 5990}, {"Pyyheliina", 1290}, {"Kynttilät 10 kpl", 590}, {"Pipo", 1990}}
	books      = []fixedLine{{"Kirja", 2890}, {"Pokkari", 1190}, {"Vihko", 390}, {"Onnittelukortti", 350}, {"Lehti", 890}}
	room       = fixedLine{"Majoitus, kahden hengen huone", 12900}
	breakfast  = fixedLine{"Aamiainen", 1800}
	parking    = fixedLine{"Pysäköinti", 1500}
)

// Basket sizes in lines.
const (
	minLines = 5
	maxLines = 30
)

// groceryLines fills a grocery basket: a quick trip or the weekly shop,
// bigger before Christmas, with the shopper's staples first.
func (t tills) groceryLines(sh *shopper, d model.Date) ([]model.LineInput, int) {
	size := minLines + sh.rng.IntN(8) // 5-12
	if sh.rng.IntN(100) < 45 {
		size = 12 + sh.rng.IntN(maxLines-12+1)
	}
	if d.Month == time.December && d.Day >= 18 && d.Day <= 23 {
		size = min(maxLines, size*13/10)
	}
	return t.basket(sh, d, size), shoppingHour(sh)
}

// onlineLines is an online order: always a big basket.
func (t tills) onlineLines(sh *shopper, d model.Date) ([]model.LineInput, int) {
	return t.basket(sh, d, 15+sh.rng.IntN(maxLines-15+1)), shoppingHour(sh)
}

// basket returns about size lines of distinct products: the staples the
// shopper needs today, then whatever else is in season.
func (t tills) basket(sh *shopper, d model.Date, size int) []model.LineInput {
	var lines []model.LineInput
	used := map[int]bool{}
	add := func(w int) {
		need := 1 + pick(t.shop.wares[w].deposit > 0, 1, 0)
		if used[w] || len(lines)+need > size || !t.shop.wares[w].season.has(d.Month) {
			return
		}
		used[w] = true
		lines = append(lines, t.productLines(sh, w, d)...)
	}
	for _, st := range sh.staples {
		if sh.rng.Float64() < st.chance {
			add(st.ware)
		}
	}
	for tries := 0; len(lines) < size && tries < 10*maxLines; tries++ {
		add(t.shop.draw(sh.rng, d.Month))
	}
	return lines
}

// productLines is the line of one product (and its deposit line): by
// weight for KG products, else by the piece. Drinks sold by the litre
// are rung up per bottle, as tills do, so their weight is known.
func (t tills) productLines(sh *shopper, w int, d model.Date) []model.LineInput {
	ware := t.shop.wares[w]
	unit, qty := model.UnitPiece, float64(pieces(sh))
	if ware.p.Unit == model.UnitKg {
		// 0.2-2 kg, mostly small amounts, to the gram.
		u := sh.rng.Float64()
		unit, qty = model.UnitKg, float64(200+int(1800*u*u))/1000
	}
	price := unitPrice(ware.price, ware.p.Gtin, d, t.now)
	line := priced(sh, ware.p.Name, qty, unit, price, true)
	line.Gtin = ptr(ware.p.Gtin)
	out := []model.LineInput{line}
	if ware.deposit > 0 {
		out = append(out, priced(sh, "Pantti", qty, model.UnitPiece, ware.deposit, false))
	}
	return out
}

// pieces draws how many of a product go in the basket: mostly one.
func pieces(sh *shopper) int {
	switch r := sh.rng.IntN(100); {
	case r < 72:
		return 1
	case r < 92:
		return 2
	}
	return 3 + sh.rng.IntN(4)
}

// priced returns a line whose amount is round(quantity × unit price) less
// an occasional discount (10-40 %), exactly as storage checks it.
func priced(sh *shopper, desc string, qty float64, unit model.Unit, price int, discountable bool) model.LineInput {
	gross := int(math.Round(qty * float64(price)))
	l := model.LineInput{Description: desc, Quantity: qty, Unit: unit, UnitPriceCents: price, AmountCents: gross}
	if discountable && sh.rng.IntN(100) < 8 {
		if off := gross * (10 + sh.rng.IntN(31)) / 100; off > 0 {
			l.AmountCents, l.DiscountCents = gross-off, ptr(off)
		}
	}
	return l
}

// fixed returns a line of something sold without a GTIN.
func (t tills) fixed(sh *shopper, f fixedLine, qty float64, unit model.Unit, d model.Date) model.LineInput {
	return priced(sh, f.desc, qty, unit, unitPrice(f.price, f.desc, d, t.now), false)
}

// restaurantLines is a lunch (one or two people) or a dinner (one to
// three), with drinks and desserts.
func (t tills) restaurantLines(sh *shopper, d model.Date) ([]model.LineInput, int) {
	people := 1 + sh.rng.IntN(3)
	mains, sides, hour := dinner, dinnerSide, 17+sh.rng.IntN(4)
	if sh.rng.IntN(2) == 0 {
		people, mains, sides, hour = 1+sh.rng.IntN(2), lunch, lunchExtra, 11+sh.rng.IntN(3)
	}
	lines := []model.LineInput{t.fixed(sh, mains[sh.rng.IntN(len(mains))], float64(people), model.UnitPiece, d)}
	for _, f := range sides {
		if sh.rng.IntN(3) == 0 {
			lines = append(lines, t.fixed(sh, f, float64(1+sh.rng.IntN(people)), model.UnitPiece, d))
		}
	}
	return lines, hour
}

// fuelLines is a tank of fuel (15-55 litres, to the millilitre) and now
// and then a snack from the station's shop.
func (t tills) fuelLines(sh *shopper, d model.Date) ([]model.LineInput, int) {
	litres := float64(15000+sh.rng.IntN(40001)) / 1000
	lines := []model.LineInput{t.fixed(sh, sh.fuel, litres, model.UnitL, d)}
	if len(t.shop.snacks) > 0 && sh.rng.IntN(10) < 3 {
		lines = append(lines, t.productLines(sh, t.shop.snacks[sh.rng.IntN(len(t.shop.snacks))], d)...)
	}
	return lines, 8 + sh.rng.IntN(14)
}

// departmentLines is 1-4 lines of household goods and clothes, with an
// appliance (and its warranty) on one visit in seven.
func (t tills) departmentLines(sh *shopper, d model.Date) ([]model.LineInput, int) {
	var lines []model.LineInput
	if len(t.shop.appliances) > 0 && sh.rng.IntN(7) == 0 {
		lines = append(lines, t.productLines(sh, t.shop.appliances[sh.rng.IntN(len(t.shop.appliances))], d)[0])
	}
	for n := 1 + sh.rng.IntN(3); len(lines) < n; {
		if len(t.shop.nonFood) > 0 && sh.rng.IntN(2) == 0 {
			lines = append(lines, t.productLines(sh, t.shop.nonFood[sh.rng.IntN(len(t.shop.nonFood))], d)...)
			continue
		}
		lines = append(lines, t.fixed(sh, clothing[sh.rng.IntN(len(clothing))], float64(1+sh.rng.IntN(2)), model.UnitPiece, d))
	}
	return lines, 10 + sh.rng.IntN(10)
}

// partnerLines is a visit to the partner bookshop.
func (t tills) partnerLines(sh *shopper, d model.Date) ([]model.LineInput, int) {
	var lines []model.LineInput
	for range 1 + sh.rng.IntN(3) {
		lines = append(lines, t.fixed(sh, books[sh.rng.IntN(len(books))], 1, model.UnitPiece, d))
	}
	return lines, 10 + sh.rng.IntN(9)
}

// hotelLines is a stay of one or two nights, paid at checkout.
func (t tills) hotelLines(sh *shopper, d model.Date) ([]model.LineInput, int) {
	nights := 1 + sh.rng.IntN(2)
	lines := []model.LineInput{
		t.fixed(sh, room, float64(nights), model.UnitPiece, d),
		t.fixed(sh, breakfast, float64(nights*(1+sh.rng.IntN(2))), model.UnitPiece, d),
	}
	if sh.rng.IntN(5) < 2 {
		lines = append(lines, t.fixed(sh, parking, float64(nights), model.UnitPiece, d))
	}
	return lines, 8 + sh.rng.IntN(3)
}
