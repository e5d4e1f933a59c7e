package seed

import (
	"math/rand/v2"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// shopper is an adult member with their habits. Each has a generator of
// their own, so their receipts do not change when other members are added.
type shopper struct {
	id      string
	cards   []string
	rng     *rand.Rand
	home    []string // grocery stores, the usual one first
	rates   rates
	staples []staple
	fuel    fixedLine
	seq     int // receipts so far, for external ids
}

// rates are expected visits per week by kind of purchase.
type rates struct {
	grocery, online, restaurant, fuel, department, partner, hotel float64
}

// staple is a product a member buys regularly, and the chance it is in a
// grocery basket: what the shopping list is made of.
type staple struct {
	ware   int
	chance float64
}

// household is what adults of one household share: a city and a pool of
// staples.
type household struct {
	home []string
	pool []int
}

// shoppersOf returns the adult members as shoppers, in input order.
// Children (under 18 at Now) do not shop.
func shoppersOf(opt Options, members []model.MemberInput, s *shop) []*shopper {
	adultBorn := model.DateOf(opt.Now.AddDate(-18, 0, 0), time.UTC)
	households := map[string]*household{}
	var out []*shopper
	for _, m := range members {
		if len(m.CardNumbers) == 0 || m.BirthDate != nil && adultBorn.Before(*m.BirthDate) {
			continue
		}
		h := households[m.HouseholdID]
		if h == nil {
			h = newHousehold(newRand(opt.Seed, "household "+m.HouseholdID), s, opt)
			households[m.HouseholdID] = h
		}
		out = append(out, newShopper(newRand(opt.Seed, "member "+m.CustomerID), m, h, s, opt))
	}
	return out
}

// newHousehold draws a home city (a third of households live in the
// first, the capital) and the household's staples.
func newHousehold(rng *rand.Rand, s *shop, opt Options) *household {
	city := s.cities[rng.IntN(len(s.cities))]
	if rng.IntN(3) == 0 {
		city = s.cities[0]
	}
	h := &household{home: append([]string(nil), s.byCity[city]...)}
	rng.Shuffle(len(h.home), func(i, j int) { h.home[i], h.home[j] = h.home[j], h.home[i] })
	// Staples are all-year food, drawn as popular as it sells.
	month := opt.start().In(opt.Location).Month()
	for tries := 0; len(h.pool) < 14 && tries < 500; tries++ {
		w := s.draw(rng, month)
		if s.wares[w].season == 0 && s.wares[w].food() && !contains(h.pool, w) {
			h.pool = append(h.pool, w)
		}
	}
	return h
}

// newShopper draws one adult's habits.
func newShopper(rng *rand.Rand, m model.MemberInput, h *household, s *shop, opt Options) *shopper {
	sh := &shopper{id: m.CustomerID, cards: m.CardNumbers, rng: rng, home: h.home}
	sh.rates = rates{
		grocery:    1 + 2*rng.Float64(),
		restaurant: pick(rng.IntN(4) == 0, 0.0, 0.05+0.8*rng.Float64()),
		fuel:       pick(rng.IntN(10) < 6, 0.2+0.5*rng.Float64(), 0),
		department: 0.1 + 0.4*rng.Float64(),
		partner:    pick(rng.IntN(3) == 0, 0.05+0.15*rng.Float64(), 0),
		hotel:      float64(rng.IntN(5)) / 52,
	}
	if rng.IntN(10) < 3 {
		sh.rates.online = 0.1 + 0.2*rng.Float64()
	}
	sh.fuel = pick(rng.IntN(4) == 0, fixedLine{"Diesel", 179}, fixedLine{"Bensiini 95 E10", 189})
	// Most of the household's staples, and a few of one's own.
	for _, w := range h.pool {
		if rng.IntN(10) < 6 {
			sh.staples = append(sh.staples, staple{w, 0.2 + 0.35*rng.Float64()})
		}
	}
	month := opt.start().In(opt.Location).Month()
	for range 1 + rng.IntN(3) {
		if w := s.draw(rng, month); s.wares[w].season == 0 && s.wares[w].food() {
			sh.staples = append(sh.staples, staple{w, 0.15 + 0.3*rng.Float64()})
		}
	}
	return sh
}

// card returns the card used for a purchase: usually the first.
func (sh *shopper) card() string {
	if len(sh.cards) > 1 && sh.rng.IntN(5) == 0 {
		return sh.cards[1]
	}
	return sh.cards[0]
}

// contains reports whether xs holds x.
func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
