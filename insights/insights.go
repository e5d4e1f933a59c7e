package insights

import (
	"sort"

	"github.com/omadata/omadata/graph/model"
)

// Share returns num / den, or nil when den is zero: a share with nothing to
// be a share of is unknown, never a fake zero.
func Share(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// FruitAndVegetables is the fruit and vegetable part of a period's food:
// weight, spend, spend share of food, and grams per covered member per day
// over days (nil without days or members).
func FruitAndVegetables(p model.PeriodSums, days, members int) *model.FruitAndVegetables {
	out := &model.FruitAndVegetables{WeightKg: p.FruitVegKg, SpendCents: int(p.FruitVegSpendCents),
		SpendShare: Share(p.FruitVegSpendCents, p.FoodSpendCents)}
	if days > 0 && members > 0 {
		g := p.FruitVegKg * 1000 / float64(days) / float64(members)
		out.GramsPerDay = &g
	}
	return out
}

// Origin is the origin mix of a period's food spend: each share of the food
// spend of known origin, and how much of the food spend that is.
func Origin(p model.PeriodSums) *model.OriginInsight {
	known := p.Origin.Known()
	return &model.OriginInsight{
		DomesticRawMaterialsShare: Share(p.Origin.DomesticRawMaterialsCents, known),
		DomesticManufacturedShare: Share(p.Origin.DomesticManufacturedCents, known),
		ImportedShare:             Share(p.Origin.ImportedCents, known),
		Coverage:                  Share(known, p.FoodSpendCents),
	}
}

// Carbon is the CO2e of a period's food lines whose weight and factor are
// known, and the share of the food spend they make.
func Carbon(p model.PeriodSums) *model.CarbonInsight {
	return &model.CarbonInsight{Co2eKg: p.Co2eKg, Coverage: Share(p.Co2eSpendCents, p.FoodSpendCents)}
}

// MonthInsight is one month of byMonth: product spend, and the month's
// fruit and vegetable kilos (nil without food lines), CO2e (nil without a
// food line of known weight and factor) and domestic share of the food
// spend of known origin (nil without such spend). p may be nil: a month
// without lines.
func MonthInsight(first model.Date, p *model.PeriodSums) model.MonthInsight {
	m := model.MonthInsight{Month: first.String()[:7]}
	if p == nil {
		return m
	}
	m.SpendCents = int(p.SpendCents)
	if p.FoodLines > 0 {
		kg := p.FruitVegKg
		m.FruitVegKg = &kg
	}
	if p.Co2eLines > 0 {
		kg := p.Co2eKg
		m.Co2eKg = &kg
	}
	m.DomesticShare = Share(p.Origin.DomesticRawMaterialsCents+p.Origin.DomesticManufacturedCents, p.Origin.Known())
	return m
}

// ByMonth returns every month that [from, to] touches, partial edge months
// included, in order.
func ByMonth(from, to model.Date, months map[model.Date]*model.PeriodSums) []model.MonthInsight {
	list := Months(from, to)
	out := make([]model.MonthInsight, len(list))
	for i, m := range list {
		out[i] = MonthInsight(m, months[m])
	}
	return out
}

// ByCategory returns spend, weight (nil when no line's weight is known) and
// CO2e (nil when no line has both weight and factor) of every category with
// lines, biggest spend first, then by id. Lines of unknown products have no
// category and are left out (productSpendCents counts them).
func ByCategory(sums map[string]*model.CategorySums) []model.CategoryInsight {
	out := []model.CategoryInsight{}
	for id, c := range sums {
		if id == "" {
			continue
		}
		ci := model.CategoryInsight{CategoryID: id, SpendCents: int(c.SpendCents)}
		if c.WeighedLines > 0 {
			kg := c.WeightKg
			ci.WeightKg = &kg
		}
		if c.Co2eLines > 0 {
			kg := c.Co2eKg
			ci.Co2eKg = &kg
		}
		out = append(out, ci)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SpendCents != out[j].SpendCents {
			return out[i].SpendCents > out[j].SpendCents
		}
		return out[i].CategoryID < out[j].CategoryID
	})
	return out
}
