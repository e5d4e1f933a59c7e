package insights

import "github.com/omadata/omadata/graph/model"

// Line is one receipt line with what the catalog says of its product: the
// input of the per-line formulas of DESIGN.md §7.
type Line struct {
	AmountCents int64
	Unit        model.Unit
	Quantity    float64
	// The product's facts: nil (and Origin "") when unknown, or when the
	// GTIN is not in the catalog.
	NetWeightKg *float64
	Co2eKgPerKg *float64
	Origin      model.Origin
	// Per100g is the product's nutrition per 100 g (energy in kJ); nil
	// when unknown.
	Per100g *model.NutrientSums
}

// Sums is the line's contribution to the sums of its category. It is the
// Go twin of the SQL function line_sums (migration 00030), which makes the
// rollups: insights read the days of partial edge months through this one,
// and the property test storage.TestRollupsEqualLines holds the two equal.
// The weight is the quantity for unit KG and quantity × net weight for
// unit PIECE, else unknown; CO2e needs the weight and the factor; nutrient
// grams are weight kg × 10 × the value per 100 g, when both are known.
func (l Line) Sums() model.CategorySums {
	c := model.CategorySums{Lines: 1, SpendCents: l.AmountCents}
	switch l.Origin {
	case model.OriginDomesticRawMaterials:
		c.Origin.DomesticRawMaterialsCents = l.AmountCents
	case model.OriginDomesticManufactured:
		c.Origin.DomesticManufacturedCents = l.AmountCents
	case model.OriginImported:
		c.Origin.ImportedCents = l.AmountCents
	}
	var kg float64
	switch {
	case l.Unit == model.UnitKg:
		kg = l.Quantity
	case l.Unit == model.UnitPiece && l.NetWeightKg != nil:
		kg = l.Quantity * *l.NetWeightKg
	default:
		return c
	}
	c.WeightKg, c.WeighedLines = kg, 1
	if l.Co2eKgPerKg != nil {
		c.Co2eKg, c.Co2eLines, c.Co2eSpendCents = kg**l.Co2eKgPerKg, 1, l.AmountCents
	}
	if n := l.Per100g; n != nil {
		hg := kg * 10
		c.Nutrients = model.NutrientSums{EnergyKj: hg * n.EnergyKj, ProteinG: hg * n.ProteinG, FatG: hg * n.FatG,
			SaturatedFatG: hg * n.SaturatedFatG, CarbohydrateG: hg * n.CarbohydrateG, SugarsG: hg * n.SugarsG,
			FibreG: hg * n.FibreG, SaltG: hg * n.SaltG}
		c.NutritionSpendCents = l.AmountCents
	}
	return c
}
