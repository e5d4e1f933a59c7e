package insights

import (
	"sort"

	"github.com/omadata/omadata/graph/model"
)

// Energy conversion factors in kJ per gram (EU Regulation 1169/2011,
// Annex XIV). Sugars and saturated fat are parts of carbohydrate and fat,
// so their shares are parts of those shares, not additions to them.
const (
	ProteinKjPerG      = 17
	CarbohydrateKjPerG = 17
	FatKjPerG          = 37
	FibreKjPerG        = 8
)

// Nutrition is the nutrient content of a period's food lines whose weight
// and nutrition are known: grams, energy shares, coverage (the share of the
// food spend those lines make) and the reference ranges beside them.
func Nutrition(p model.PeriodSums) *model.NutritionInsight {
	n := p.Nutrients
	return &model.NutritionInsight{
		EnergyKj: n.EnergyKj, ProteinG: n.ProteinG, FatG: n.FatG, SaturatedFatG: n.SaturatedFatG,
		CarbohydrateG: n.CarbohydrateG, SugarsG: n.SugarsG, FibreG: n.FibreG, SaltG: n.SaltG,
		EnergyShare: EnergyShares(n),
		Coverage:    Share(p.NutritionSpendCents, p.FoodSpendCents),
		Reference:   Reference(),
	}
}

// EnergyShares returns each nutrient's share of the energy: grams × factor
// / energy. All are nil when the energy is zero.
func EnergyShares(n model.NutrientSums) *model.EnergyShare {
	if n.EnergyKj == 0 {
		return &model.EnergyShare{}
	}
	of := func(g, factor float64) *float64 {
		v := g * factor / n.EnergyKj
		return &v
	}
	return &model.EnergyShare{
		Protein:      of(n.ProteinG, ProteinKjPerG),
		Fat:          of(n.FatG, FatKjPerG),
		SaturatedFat: of(n.SaturatedFatG, FatKjPerG),
		Carbohydrate: of(n.CarbohydrateG, CarbohydrateKjPerG),
		Sugars:       of(n.SugarsG, CarbohydrateKjPerG),
		Fibre:        of(n.FibreG, FibreKjPerG),
	}
}

// ReferenceSource names where Reference comes from.
const ReferenceSource = "Nordic Nutrition Recommendations 2023 (Blomhoff R et al., Nord 2023:003, " +
	"Nordic Council of Ministers, https://pub.norden.org/nord2023-003), adults. Fibre: at least 25 g/day " +
	"for women and 35 g/day for men (min is the women's value). The sugars range is for added and free " +
	"sugars; the sugars figure here is all sugars."

// Reference returns the NNR 2023 reference ranges for adults, in the units
// of the figures they stand beside: energy shares as fractions of the
// energy (0.1 = 10 E%), grams and fruit and vegetables per person per day.
func Reference() *model.NutritionReference {
	r := func(min, max *float64, unit string) *model.Range { return &model.Range{Min: min, Max: max, Unit: unit} }
	const share = "share of energy"
	return &model.NutritionReference{
		ProteinEnergyShare:            r(f(0.10), f(0.20), share),
		FatEnergyShare:                r(f(0.25), f(0.40), share),
		SaturatedFatEnergyShare:       r(nil, f(0.10), share),
		CarbohydrateEnergyShare:       r(f(0.45), f(0.60), share),
		SugarsEnergyShare:             r(nil, f(0.10), share),
		FibreGramsPerDay:              r(f(25), nil, "g/day"),
		SaltGramsPerDay:               r(nil, f(5), "g/day"),
		FruitAndVegetablesGramsPerDay: r(f(500), f(800), "g/day"),
		Source:                        ReferenceSource,
	}
}

func f(v float64) *float64 { return &v }

// TopCategories returns the food categories a nutrient comes from, the
// biggest amount first (then by id), at most limit, each with its share of
// the nutrient over all food categories.
func TopCategories(s *model.InsightSums, nutrient model.Nutrient, limit int) []model.CategorySource {
	out := []model.CategorySource{}
	for id, c := range s.Categories {
		if amount := c.Nutrients.Get(nutrient); amount > 0 && s.CategoryInfo[id].IsFood() {
			out = append(out, model.CategorySource{CategoryID: id, Amount: amount})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Amount != out[j].Amount {
			return out[i].Amount > out[j].Amount
		}
		return out[i].CategoryID < out[j].CategoryID
	})
	var total float64 // summed in a fixed order, so the shares are reproducible
	for _, c := range out {
		total += c.Amount
	}
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		v := out[i].Amount / total
		out[i].Share = &v
	}
	return out
}
