package model

import "slices"

// The additive figures insights are computed from. The storage reads them
// from the rollups (or straight from the lines); package insights turns them
// into the API's figures. Every field is a plain sum, so sums of disjoint
// sets of lines add up field by field. How a line contributes is the SQL
// function line_sums (migration 00030, for the rollups) and its Go twin
// insights.Line.Sums.

// NutrientSums are nutrient grams (energy in kJ) of a set of lines.
type NutrientSums struct {
	EnergyKj      float64
	ProteinG      float64
	FatG          float64
	SaturatedFatG float64
	CarbohydrateG float64
	SugarsG       float64
	FibreG        float64
	SaltG         float64
}

// Add adds o to n.
func (n *NutrientSums) Add(o NutrientSums) {
	n.EnergyKj += o.EnergyKj
	n.ProteinG += o.ProteinG
	n.FatG += o.FatG
	n.SaturatedFatG += o.SaturatedFatG
	n.CarbohydrateG += o.CarbohydrateG
	n.SugarsG += o.SugarsG
	n.FibreG += o.FibreG
	n.SaltG += o.SaltG
}

// Get returns the sum of one nutrient (kJ for ENERGY, else grams).
func (n NutrientSums) Get(x Nutrient) float64 {
	switch x {
	case NutrientEnergy:
		return n.EnergyKj
	case NutrientProtein:
		return n.ProteinG
	case NutrientFat:
		return n.FatG
	case NutrientSaturatedFat:
		return n.SaturatedFatG
	case NutrientCarbohydrate:
		return n.CarbohydrateG
	case NutrientSugars:
		return n.SugarsG
	case NutrientFibre:
		return n.FibreG
	case NutrientSalt:
		return n.SaltG
	}
	return 0
}

// OriginSums is spend by product origin; lines of UNKNOWN origin are in none.
type OriginSums struct {
	DomesticRawMaterialsCents int64
	DomesticManufacturedCents int64
	ImportedCents             int64
}

// Add adds o to s.
func (s *OriginSums) Add(o OriginSums) {
	s.DomesticRawMaterialsCents += o.DomesticRawMaterialsCents
	s.DomesticManufacturedCents += o.DomesticManufacturedCents
	s.ImportedCents += o.ImportedCents
}

// Known is the spend of known origin.
func (s OriginSums) Known() int64 {
	return s.DomesticRawMaterialsCents + s.DomesticManufacturedCents + s.ImportedCents
}

// CategorySums are the sums of the lines of one category, food or not (a
// row of the category rollups). A weight is known for unit KG and for unit
// PIECE with the product's net weight; CO2e needs the weight and the
// product's factor; nutrients need the weight and the product's nutrition.
// The *Lines and *SpendCents fields say how many lines, and how much spend,
// each sum is based on.
type CategorySums struct {
	Lines               int64
	SpendCents          int64
	WeightKg            float64
	WeighedLines        int64
	Co2eKg              float64
	Co2eLines           int64
	Co2eSpendCents      int64
	Origin              OriginSums
	Nutrients           NutrientSums
	NutritionSpendCents int64
}

// Add adds o to c.
func (c *CategorySums) Add(o CategorySums) {
	c.Lines += o.Lines
	c.SpendCents += o.SpendCents
	c.WeightKg += o.WeightKg
	c.WeighedLines += o.WeighedLines
	c.Co2eKg += o.Co2eKg
	c.Co2eLines += o.Co2eLines
	c.Co2eSpendCents += o.Co2eSpendCents
	c.Origin.Add(o.Origin)
	c.Nutrients.Add(o.Nutrients)
	c.NutritionSpendCents += o.NutritionSpendCents
}

// Neg returns the sums with every field negated: what subtracting the
// lines they sum contributes.
func (c CategorySums) Neg() CategorySums {
	var n CategorySums
	n.Add(c)
	n.Lines, n.SpendCents, n.WeightKg, n.WeighedLines = -n.Lines, -n.SpendCents, -n.WeightKg, -n.WeighedLines
	n.Co2eKg, n.Co2eLines, n.Co2eSpendCents = -n.Co2eKg, -n.Co2eLines, -n.Co2eSpendCents
	n.Origin = OriginSums{-n.Origin.DomesticRawMaterialsCents, -n.Origin.DomesticManufacturedCents, -n.Origin.ImportedCents}
	x := &n.Nutrients
	*x = NutrientSums{-x.EnergyKj, -x.ProteinG, -x.FatG, -x.SaturatedFatG, -x.CarbohydrateG, -x.SugarsG, -x.FibreG, -x.SaltG}
	n.NutritionSpendCents = -n.NutritionSpendCents
	return n
}

// PerCategory returns the part of c that insights keep per category: line
// count, spend, weight and CO2e, and the nutrients when asked for (the
// category rollups are read for no more).
func (c CategorySums) PerCategory(nutrients bool) CategorySums {
	out := CategorySums{Lines: c.Lines, SpendCents: c.SpendCents, WeightKg: c.WeightKg, WeighedLines: c.WeighedLines,
		Co2eKg: c.Co2eKg, Co2eLines: c.Co2eLines}
	if nutrients {
		out.Nutrients = c.Nutrients
	}
	return out
}

// PeriodSums are the sums of a period's lines (a row of the month
// rollups): Lines and SpendCents over all lines; the rest over food lines
// only (lines of a known product whose category group is not non_food).
type PeriodSums struct {
	Lines               int64
	SpendCents          int64
	FoodLines           int64
	FoodSpendCents      int64
	FruitVegKg          float64
	FruitVegSpendCents  int64
	Co2eKg              float64
	Co2eLines           int64
	Co2eSpendCents      int64
	Origin              OriginSums
	Nutrients           NutrientSums
	NutritionSpendCents int64
}

// Add adds o to p.
func (p *PeriodSums) Add(o PeriodSums) {
	p.Lines += o.Lines
	p.SpendCents += o.SpendCents
	p.FoodLines += o.FoodLines
	p.FoodSpendCents += o.FoodSpendCents
	p.FruitVegKg += o.FruitVegKg
	p.FruitVegSpendCents += o.FruitVegSpendCents
	p.Co2eKg += o.Co2eKg
	p.Co2eLines += o.Co2eLines
	p.Co2eSpendCents += o.Co2eSpendCents
	p.Origin.Add(o.Origin)
	p.Nutrients.Add(o.Nutrients)
	p.NutritionSpendCents += o.NutritionSpendCents
}

// AddCategory folds one category's sums into the period: everything counts
// for Lines and SpendCents, only food for the rest, and the weight of a
// fruit or vegetable category for FruitVegKg. The SQL function
// rollup_add_months folds the same way.
func (p *PeriodSums) AddCategory(c CategorySums, food, fruitVeg bool) {
	p.Lines += c.Lines
	p.SpendCents += c.SpendCents
	if !food {
		return
	}
	p.FoodLines += c.Lines
	p.FoodSpendCents += c.SpendCents
	if fruitVeg {
		p.FruitVegKg += c.WeightKg
		p.FruitVegSpendCents += c.SpendCents
	}
	p.Co2eKg += c.Co2eKg
	p.Co2eLines += c.Co2eLines
	p.Co2eSpendCents += c.Co2eSpendCents
	p.Origin.Add(c.Origin)
	p.Nutrients.Add(c.Nutrients)
	p.NutritionSpendCents += c.NutritionSpendCents
}

// InsightSums are the product-level sums of one insights request: the
// covered members' lines over the range.
type InsightSums struct {
	// Months holds the months of the range that have lines, keyed by their
	// first day.
	Months map[Date]*PeriodSums
	// Categories holds the range's sums per category id, as far as
	// CategorySums.PerCategory keeps them; "" is lines of a GTIN the
	// catalog does not know.
	Categories map[string]*CategorySums
	// Total is the sum of Months: the whole range.
	Total PeriodSums
	// CategoryInfo holds the catalog's categories as they are now (which
	// are food, which fruit or vegetables, their names).
	CategoryInfo map[string]*Category
}

// NewInsightSums returns empty sums.
func NewInsightSums() *InsightSums {
	return &InsightSums{Months: map[Date]*PeriodSums{}, Categories: map[string]*CategorySums{},
		CategoryInfo: map[string]*Category{}}
}

// SumMonths is the sum of all months, added in month order so that the
// float sums do not depend on map order.
func (s *InsightSums) SumMonths() PeriodSums {
	keys := make([]Date, 0, len(s.Months))
	for k := range s.Months {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Date) int {
		switch {
		case a.Before(b):
			return -1
		case b.Before(a):
			return 1
		}
		return 0
	})
	var t PeriodSums
	for _, k := range keys {
		t.Add(*s.Months[k])
	}
	return t
}

// Month returns the sums of the month starting on first, creating them.
func (s *InsightSums) Month(first Date) *PeriodSums {
	m := s.Months[first]
	if m == nil {
		m = &PeriodSums{}
		s.Months[first] = m
	}
	return m
}

// Category returns the sums of a category, creating them.
func (s *InsightSums) Category(id string) *CategorySums {
	c := s.Categories[id]
	if c == nil {
		c = &CategorySums{}
		s.Categories[id] = c
	}
	return c
}

// Finish drops the months and categories left without lines (those whose
// lines were all subtracted again) and sums the months into Total. The
// storage calls it once the sums are read; they are read-only afterwards.
func (s *InsightSums) Finish() {
	for k, m := range s.Months {
		if m.Lines == 0 {
			delete(s.Months, k)
		}
	}
	for k, c := range s.Categories {
		if c.Lines == 0 {
			delete(s.Categories, k)
		}
	}
	s.Total = s.SumMonths()
}

// IsFood reports whether a category's lines are food lines.
func (c *Category) IsFood() bool { return c != nil && c.Group != NonFoodGroup }
