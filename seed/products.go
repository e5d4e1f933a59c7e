package seed

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// item is one product of the catalog before it gets its GTIN and the facts
// of its category.
type item struct {
	name, brand string
	origin      model.Origin
	country     string
	unit        model.Unit
	kg          float64 // net weight of one piece; 0: the category's typical weight (ignored for KG)
	price       int     // cents per piece, or per kg for unit KG, at the end of the history
	warranty    int     // months
	season      months  // when it is on sale; 0: all year
}

// shelf is the items of one category.
type shelf struct {
	category string
	items    []item
}

// months is a set of months (bit m-1 for month m).
type months uint16

// between returns the months from a to b inclusive, wrapping over new year.
func between(a, b time.Month) months {
	var s months
	for m := a; ; m = m%12 + 1 {
		s |= 1 << (m - 1)
		if m == b {
			return s
		}
	}
}

// has reports whether m is in the set; the empty set means all year.
func (s months) has(m time.Month) bool { return s == 0 || s&(1<<(m-1)) != 0 }

// Constructors keep the catalog table one line per product.
func pc(name, brand string, o model.Origin, country string, kg float64, price int) item {
	return item{name: name, brand: brand, origin: o, country: country, unit: model.UnitPiece, kg: kg, price: price}
}

func perKg(name, brand string, o model.Origin, country string, price int) item {
	return item{name: name, brand: brand, origin: o, country: country, unit: model.UnitKg, price: price}
}

func litre(name, brand string, o model.Origin, country string, kg float64, price int) item {
	return item{name: name, brand: brand, origin: o, country: country, unit: model.UnitL, kg: kg, price: price}
}

func (it item) in(s months) item      { it.season = s; return it }
func (it item) warrantyOf(m int) item { it.warranty = m; return it }

// Short names for origins, to keep the table readable.
const (
	raw  = model.OriginDomesticRawMaterials
	made = model.OriginDomesticManufactured
	imp  = model.OriginImported
	unk  = model.OriginUnknown
)

// unknownWeights is how many packaged foods get no net weight, so that
// weight-based coverage figures are honestly below 1.
const unknownWeights = 4

// Products returns the product catalog: a few hundred products over the
// categories, with GTINs that depend only on the catalog's order (so demo
// links stay valid), and, chosen by seed, a few packaged foods whose net
// weight is unknown.
func Products(seed int64) []model.ProductInput {
	cats := categoryByID()
	var out []model.ProductInput
	var packaged []int // indexes of food sold by the piece: candidates for an unknown weight
	for _, e := range catalog() {
		row := cats[e.category]
		p := productInput(e, row)
		if p.Unit == model.UnitPiece && row.nutrition != nil {
			packaged = append(packaged, len(out))
		}
		out = append(out, p)
	}
	rng := newRand(seed, "products")
	for _, i := range rng.Perm(len(packaged))[:unknownWeights] {
		out[packaged[i]].NetWeightKg = nil
	}
	return out
}

// entry is a catalog item with its category and GTIN.
type entry struct {
	item
	category, gtin string
}

// catalog lists every item with its GTIN: "64" (Finland) with a company
// code per brand, or "20" (in-store numbers) for unbranded loose goods,
// then an item number and the EAN-13 check digit.
var catalog = sync.OnceValue(func() []entry {
	brands := map[string]int{}
	var out []entry
	for _, s := range shelves {
		for _, it := range s.items {
			prefix, company := "20", 0
			if it.brand != "" {
				if _, ok := brands[it.brand]; !ok {
					brands[it.brand] = len(brands) + 1
				}
				prefix, company = "64", 10000+brands[it.brand]*13
			}
			body := fmt.Sprintf("%s%05d%05d", prefix, company, len(out)+1)
			out = append(out, entry{item: it, category: s.category, gtin: body + ean13Check(body)})
		}
	}
	return out
})

// productInput builds the product of an entry, taking nutrition and CO2e
// from its category row.
func productInput(e entry, row categoryRow) model.ProductInput {
	p := model.ProductInput{Gtin: e.gtin, Name: e.name, CategoryID: e.category, Origin: e.origin, Unit: e.unit}
	if e.brand != "" {
		p.Brand = ptr(e.brand)
	}
	if e.country != "" {
		p.OriginCountry = ptr(e.country)
	}
	switch {
	case e.unit == model.UnitKg: // sold by weight: no piece weight
	case e.kg > 0:
		p.NetWeightKg = ptr(e.kg)
	case row.unitWeight != nil:
		p.NetWeightKg = ptr(*row.unitWeight)
	}
	if row.nutrition != nil {
		p.NutritionPer100g = ptr(*row.nutrition)
	}
	if row.co2e != nil {
		p.Co2eKgPerKg = ptr(*row.co2e)
	}
	if e.warranty > 0 {
		p.WarrantyMonths = ptr(e.warranty)
	}
	return p
}

// ean13Check returns the GS1 check digit of 12 digits.
func ean13Check(body string) string {
	sum := 0
	for i, c := range body {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return fmt.Sprint((10 - sum%10) % 10)
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// catalogByGTIN indexes the catalog, for prices and seasons at the tills.
var catalogByGTIN = sync.OnceValue(func() map[string]entry {
	out := map[string]entry{}
	for _, e := range catalog() {
		out[e.gtin] = e
	}
	return out
})

// newRand returns a PCG generator for one purpose: seeding each purpose
// (and each member) apart keeps one part of the output stable when another
// changes, and never touches the global source.
func newRand(seed int64, purpose string) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), fnv64(purpose)))
}

// fnv64 is the FNV-1a hash of s.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
