package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// ware is a product as the tills see it: with its price and season.
type ware struct {
	p        model.ProductInput
	price    int    // cents per piece or per kg, at the end of the history
	season   months // 0: all year
	category string
	group    string
	deposit  int // bottle or can deposit, cents per piece
}

// food reports whether the ware counts as food in the insights.
func (w ware) food() bool { return w.group != model.NonFoodGroup && w.group != "" }

// popularity is how often a grocery line comes from each category, in
// relative units; a category not listed weighs 1.
var popularity = map[string]float64{
	"milk": 10, "bananas": 7, "rye_bread": 7, "cheese": 6, "yogurt": 6, "wheat_bread": 5, "tomatoes": 5,
	"eggs": 4, "cucumbers": 4, "potatoes": 4, "apples": 4, "beef_mince": 4, "chicken_fillet": 4,
	"sausages": 3.5, "carrots": 3, "onions": 3, "pasta": 3, "butter": 3, "pork": 3, "coffee": 3,
	"soft_drink": 3, "milk_chocolate": 3, "candy": 3, "oranges": 2.5, "iceberg_lettuce": 2.5,
	"salmon_fillet": 2.5, "beer": 2.5, "potato_chips": 2.5, "frozen_pizza": 2.5, "oat_flakes": 2,
	"rice": 2, "oat_drink": 2, "orange_juice": 2, "white_cabbage": 1.5, "frozen_green_peas": 1.5,
	"strawberries": 1.5, "toilet_paper": 1, "laundry_detergent": 0.8, "dishwashing_liquid": 0.7,
	"home_appliances": 0, // sold at the department store only
}

// seasonal multiplies a category's popularity by the month: berries in
// summer, cabbage and roots in winter, Christmas food in December.
func seasonal(category string, m time.Month) float64 {
	summer, winter := m >= time.June && m <= time.August, m >= time.October || m <= time.March
	switch {
	case category == "strawberries" && summer:
		return []float64{4, 6, 3}[m-time.June]
	case category == "strawberries":
		return 0.4
	case category == "white_cabbage" || category == "carrots" || category == "potatoes":
		return pick(winter, 1.6, pick(summer, 0.8, 1))
	case category == "tomatoes" || category == "cucumbers" || category == "iceberg_lettuce":
		return pick(summer, 1.5, pick(winter, 0.8, 1))
	case category == "beer" || category == "soft_drink" || category == "sausages":
		return pick(summer, 1.6, 1)
	case m == time.December:
		if v, ok := christmasFood[category]; ok {
			return v
		}
	case category == "oranges" && winter:
		return 1.5
	}
	return 1
}

// christmasFood is what sells more in December: ham, chocolate, sweets,
// rice for the porridge, salmon, mandarins and coffee.
var christmasFood = map[string]float64{"pork": 2, "milk_chocolate": 2.2, "candy": 1.6, "rice": 1.5,
	"salmon_fillet": 1.5, "oranges": 1.8, "coffee": 1.2}

// pick returns a when cond holds, else b.
func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

// shop is everything the tills know: the wares, what is on the shelves
// each month, and the stores by role.
type shop struct {
	wares      []ware
	shelves    [12]monthShelves // by month-1
	nonFood    []int            // household goods for the department store
	appliances []int            // products with a warranty
	snacks     []int            // what a fuel station sells besides fuel
	groceries  []string         // grocery store ids
	cities     []string         // cities with a grocery store, in store order
	byCity     map[string][]string
	bonus      map[string]bool
	roles      map[model.StoreKind]string // one store of each other kind
	partner    string                     // a store whose purchases earn no bonus
}

// monthShelves is the grocery assortment of one month: categories with
// their cumulative popularity and their in-season wares.
type monthShelves struct {
	cum   []float64
	wares [][]int
}

// newShop indexes products and stores for the tills.
func newShop(products []model.ProductInput, stores []model.StoreInput) (*shop, error) {
	s := &shop{byCity: map[string][]string{}, bonus: map[string]bool{}, roles: map[model.StoreKind]string{}}
	cats := categoryByID()
	known := catalogByGTIN()
	for _, p := range products {
		w := ware{p: p, category: p.CategoryID, group: cats[p.CategoryID].category.Group}
		if e, ok := known[p.Gtin]; ok {
			w.price, w.season = e.price, e.season
		} else {
			w.price = estimatePrice(p)
		}
		w.deposit = deposit(w)
		s.add(w)
	}
	s.stock()
	for _, st := range stores {
		s.bonus[st.ID] = st.BonusEligible
		switch {
		case st.Kind == model.StoreKindGrocery:
			city := deref(st.City)
			if _, ok := s.byCity[city]; !ok {
				s.cities = append(s.cities, city)
			}
			s.groceries = append(s.groceries, st.ID)
			s.byCity[city] = append(s.byCity[city], st.ID)
		case !st.BonusEligible && s.partner == "":
			s.partner = st.ID
		case s.roles[st.Kind] == "":
			s.roles[st.Kind] = st.ID
		}
	}
	for m, sh := range s.shelves {
		if len(sh.cum) == 0 {
			return nil, fmt.Errorf("seed: no groceries on sale in %s among %d products", time.Month(m+1), len(products))
		}
	}
	if len(s.groceries) == 0 {
		return nil, fmt.Errorf("seed: no GROCERY store among %d stores", len(stores))
	}
	return s, nil
}

// add files a ware under the roles it can play.
func (s *shop) add(w ware) {
	i := len(s.wares)
	s.wares = append(s.wares, w)
	switch {
	case w.p.WarrantyMonths != nil:
		s.appliances = append(s.appliances, i)
	case w.group == model.NonFoodGroup:
		s.nonFood = append(s.nonFood, i)
	case w.group == "sweets_snacks" || w.category == "soft_drink" || w.category == "coffee":
		s.snacks = append(s.snacks, i)
	}
}

// stock fills each month's grocery shelves in catalog order, so draws
// depend on nothing but the inputs.
func (s *shop) stock() {
	var order []string
	byCat := map[string][]int{}
	for i, w := range s.wares {
		if _, ok := byCat[w.category]; !ok {
			order = append(order, w.category)
		}
		byCat[w.category] = append(byCat[w.category], i)
	}
	for m := time.January; m <= time.December; m++ {
		sh := &s.shelves[m-1]
		total := 0.0
		for _, c := range order {
			weight, ok := popularity[c]
			if !ok {
				weight = 1
			}
			var in []int
			for _, i := range byCat[c] {
				if s.wares[i].season.has(m) && s.wares[i].p.WarrantyMonths == nil {
					in = append(in, i)
				}
			}
			if weight*seasonal(c, m) <= 0 || len(in) == 0 {
				continue
			}
			total += weight * seasonal(c, m)
			sh.cum, sh.wares = append(sh.cum, total), append(sh.wares, in)
		}
	}
}

// draw returns a random in-season grocery ware for month m.
func (s *shop) draw(r *rand.Rand, m time.Month) int {
	sh := &s.shelves[m-1]
	x := r.Float64() * sh.cum[len(sh.cum)-1]
	c := sort.SearchFloat64s(sh.cum, x)
	c = min(c, len(sh.cum)-1)
	return sh.wares[c][r.IntN(len(sh.wares[c]))]
}

// estimatePrice prices a product the catalog does not know: by weight at
// an average grocery price per kg, or a flat price per piece.
func estimatePrice(p model.ProductInput) int {
	switch {
	case p.Unit == model.UnitKg:
		return 599
	case p.NetWeightKg != nil:
		return max(99, int(math.Round(*p.NetWeightKg*800/10))*10-1)
	}
	return 299
}

// deposit is the Finnish bottle and can deposit of a drink, by size: 15
// cents a can, 20 a half-litre bottle, 40 a large one, 90 a six-pack.
func deposit(w ware) int {
	if w.category != "soft_drink" && w.category != "beer" || w.p.NetWeightKg == nil {
		return 0
	}
	switch kg := *w.p.NetWeightKg; {
	case kg > 1.9:
		return 90
	case kg > 0.9:
		return 40
	case kg > 0.4:
		return 20
	}
	return 15
}

// unitPrice is the price on day d of something whose price at the end of
// the history is base: deflated by 3 % a year, month by month, with a small
// quarterly wobble per key (a GTIN or a description), and rounded to end in
// 9 as Finnish shelf prices do. Prices are so stable within a month.
func unitPrice(base int, key string, d model.Date, now model.Date) int {
	monthsBack := (now.Year-d.Year)*12 + int(now.Month-d.Month)
	quarter := (d.Year*12 + int(d.Month) - 1) / 3
	wobble := 1 + float64(int(fnv64(fmt.Sprint(key, "/", quarter))%61)-30)/1000
	x := float64(base) * math.Pow(1.03, -float64(monthsBack)/12) * wobble
	return max(9, int(math.Round(x/10))*10-1)
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
