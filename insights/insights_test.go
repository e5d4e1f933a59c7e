package insights_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
)

// sample is a period whose every figure is easy to compute by hand.
var sample = model.PeriodSums{
	Lines: 5, SpendCents: 1000, FoodLines: 4, FoodSpendCents: 800,
	FruitVegKg: 1.5, FruitVegSpendCents: 200,
	Co2eKg: 3, Co2eLines: 3, Co2eSpendCents: 600,
	Origin:              model.OriginSums{DomesticRawMaterialsCents: 100, DomesticManufacturedCents: 300, ImportedCents: 200},
	Nutrients:           model.NutrientSums{EnergyKj: 1000, ProteinG: 10, FatG: 5, SaturatedFatG: 2, CarbohydrateG: 30, SugarsG: 10, FibreG: 5, SaltG: 1},
	NutritionSpendCents: 400,
}

// eq compares a nullable figure with a want (nil for "must be null").
func eq(t *testing.T, name string, got *float64, want any) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if got != nil {
			t.Errorf("%s = %v, want null", name, *got)
		}
	case float64:
		if got == nil || math.Abs(*got-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, deref(got), w)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFruitAndVegetables(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		fv := insights.FruitAndVegetables(sample, 30, 2)
		if fv.WeightKg != 1.5 || fv.SpendCents != 200 {
			t.Fatalf("%+v", fv)
		}
		eq(t, "spendShare", fv.SpendShare, 0.25)   // 200 / 800
		eq(t, "gramsPerDay", fv.GramsPerDay, 25.0) // 1500 g / 30 days / 2 members
	})
	t.Run("NullWithoutFoodDaysOrMembers", func(t *testing.T) {
		eq(t, "spendShare", insights.FruitAndVegetables(model.PeriodSums{}, 30, 1).SpendShare, nil)
		eq(t, "gramsPerDay no days", insights.FruitAndVegetables(sample, 0, 2).GramsPerDay, nil)
		eq(t, "gramsPerDay no members", insights.FruitAndVegetables(sample, 30, 0).GramsPerDay, nil)
	})
}

func TestOriginAndCarbon(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		o := insights.Origin(sample)
		eq(t, "domesticRawMaterialsShare", o.DomesticRawMaterialsShare, 100.0/600)
		eq(t, "domesticManufacturedShare", o.DomesticManufacturedShare, 0.5)
		eq(t, "importedShare", o.ImportedShare, 200.0/600)
		eq(t, "origin coverage", o.Coverage, 0.75) // 600 / 800
		c := insights.Carbon(sample)
		if c.Co2eKg != 3 {
			t.Fatalf("co2eKg %v", c.Co2eKg)
		}
		eq(t, "carbon coverage", c.Coverage, 0.75)
	})
	t.Run("NullWithZeroDenominators", func(t *testing.T) {
		// Food spend but no origin known: shares null, coverage a real 0.
		o := insights.Origin(model.PeriodSums{FoodSpendCents: 500})
		eq(t, "share", o.ImportedShare, nil)
		eq(t, "coverage", o.Coverage, 0.0)
		o = insights.Origin(model.PeriodSums{})
		eq(t, "coverage without food", o.Coverage, nil)
		eq(t, "carbon coverage without food", insights.Carbon(model.PeriodSums{SpendCents: 100}).Coverage, nil)
	})
}

func TestNutrition(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		n := insights.Nutrition(sample)
		if n.EnergyKj != 1000 || n.ProteinG != 10 || n.SaltG != 1 || n.FibreG != 5 {
			t.Fatalf("%+v", n)
		}
		eq(t, "coverage", n.Coverage, 0.5)                       // 400 / 800
		eq(t, "protein", n.EnergyShare.Protein, 0.17)            // 10 g × 17 / 1000
		eq(t, "fat", n.EnergyShare.Fat, 0.185)                   // 5 × 37 / 1000
		eq(t, "saturatedFat", n.EnergyShare.SaturatedFat, 0.074) // 2 × 37 / 1000
		eq(t, "carbohydrate", n.EnergyShare.Carbohydrate, 0.51)  // 30 × 17 / 1000
		eq(t, "sugars", n.EnergyShare.Sugars, 0.17)              // 10 × 17 / 1000
		eq(t, "fibre", n.EnergyShare.Fibre, 0.04)                // 5 × 8 / 1000
	})
	t.Run("NullWithoutEnergy", func(t *testing.T) {
		n := insights.Nutrition(model.PeriodSums{FoodSpendCents: 100})
		if *n.EnergyShare != (model.EnergyShare{}) {
			t.Fatalf("energy shares without energy: %+v", n.EnergyShare)
		}
		eq(t, "coverage", n.Coverage, 0.0)
		eq(t, "coverage without food", insights.Nutrition(model.PeriodSums{}).Coverage, nil)
	})
	t.Run("Reference", func(t *testing.T) {
		r := insights.Reference()
		check := func(name string, got *model.Range, min, max any, unit string) {
			t.Helper()
			eq(t, name+".min", got.Min, min)
			eq(t, name+".max", got.Max, max)
			if got.Unit != unit {
				t.Errorf("%s unit %q", name, got.Unit)
			}
		}
		check("protein", r.ProteinEnergyShare, 0.10, 0.20, "share of energy")
		check("fat", r.FatEnergyShare, 0.25, 0.40, "share of energy")
		check("saturatedFat", r.SaturatedFatEnergyShare, nil, 0.10, "share of energy")
		check("carbohydrate", r.CarbohydrateEnergyShare, 0.45, 0.60, "share of energy")
		check("sugars", r.SugarsEnergyShare, nil, 0.10, "share of energy")
		check("fibre", r.FibreGramsPerDay, 25.0, nil, "g/day")
		check("salt", r.SaltGramsPerDay, nil, 5.0, "g/day")
		check("fruitAndVegetables", r.FruitAndVegetablesGramsPerDay, 500.0, 800.0, "g/day")
		if r.Source != insights.ReferenceSource {
			t.Error("source")
		}
	})
}

func TestMonths(t *testing.T) {
	jan := model.PeriodSums{SpendCents: 700, FoodLines: 2, FruitVegKg: 0.75, Co2eKg: 1.25, Co2eLines: 1,
		Origin: model.OriginSums{DomesticRawMaterialsCents: 100, DomesticManufacturedCents: 200, ImportedCents: 100}}
	// March: food, but no fruit, no CO2e and no known origin.
	mar := model.PeriodSums{SpendCents: 50, FoodLines: 1, FoodSpendCents: 50}
	got := insights.ByMonth(d("2026-01-15"), d("2026-03-02"),
		map[model.Date]*model.PeriodSums{d("2026-01-01"): &jan, d("2026-03-01"): &mar})
	if len(got) != 3 || got[0].Month != "2026-01" || got[1].Month != "2026-02" || got[2].Month != "2026-03" {
		t.Fatalf("months %+v", got)
	}
	if got[0].SpendCents != 700 {
		t.Fatal(got[0])
	}
	eq(t, "jan fruitVegKg", got[0].FruitVegKg, 0.75)
	eq(t, "jan co2eKg", got[0].Co2eKg, 1.25)
	eq(t, "jan domesticShare", got[0].DomesticShare, 0.75) // (100 + 200) / 400
	// February has no lines at all.
	if got[1].SpendCents != 0 {
		t.Fatal(got[1])
	}
	eq(t, "feb fruitVegKg", got[1].FruitVegKg, nil)
	eq(t, "feb co2eKg", got[1].Co2eKg, nil)
	eq(t, "feb domesticShare", got[1].DomesticShare, nil)
	eq(t, "mar fruitVegKg", got[2].FruitVegKg, 0.0) // food bought, no fruit: a real zero
	eq(t, "mar co2eKg", got[2].Co2eKg, nil)
	eq(t, "mar domesticShare", got[2].DomesticShare, nil)
}

func TestByCategory(t *testing.T) {
	got := insights.ByCategory(map[string]*model.CategorySums{
		"":          {SpendCents: 999},
		"milk":      {SpendCents: 300, WeightKg: 2, WeighedLines: 2, Co2eKg: 5.6, Co2eLines: 2},
		"bread":     {SpendCents: 300},
		"detergent": {SpendCents: 500},
		"tomatoes":  {SpendCents: 100, WeightKg: 0.5, WeighedLines: 1},
	})
	var ids []string
	for _, c := range got {
		ids = append(ids, c.CategoryID)
	}
	if !reflect.DeepEqual(ids, []string{"detergent", "bread", "milk", "tomatoes"}) {
		t.Fatalf("order %v", ids)
	}
	eq(t, "bread weight", got[1].WeightKg, nil)
	eq(t, "milk weight", got[2].WeightKg, 2.0)
	eq(t, "milk co2e", got[2].Co2eKg, 5.6)
	eq(t, "tomatoes co2e", got[3].Co2eKg, nil)
}

func TestTopCategories(t *testing.T) {
	s := model.NewInsightSums()
	s.Categories["milk"] = &model.CategorySums{Nutrients: model.NutrientSums{ProteinG: 30}}
	s.Categories["tomatoes"] = &model.CategorySums{Nutrients: model.NutrientSums{ProteinG: 10}}
	s.Categories["bread"] = &model.CategorySums{Nutrients: model.NutrientSums{ProteinG: 10}}
	s.Categories["odd"] = &model.CategorySums{Nutrients: model.NutrientSums{ProteinG: 50}} // non-food
	s.CategoryInfo["milk"] = &model.Category{ID: "milk", Group: "dairy"}
	s.CategoryInfo["tomatoes"] = &model.Category{ID: "tomatoes", Group: "vegetables"}
	s.CategoryInfo["bread"] = &model.Category{ID: "bread", Group: "grains"}
	s.CategoryInfo["odd"] = &model.Category{ID: "odd", Group: model.NonFoodGroup}
	got := insights.TopCategories(s, model.NutrientProtein, 2)
	if len(got) != 2 || got[0].CategoryID != "milk" || got[0].Amount != 30 || got[1].CategoryID != "bread" {
		t.Fatalf("%+v", got)
	}
	eq(t, "milk share", got[0].Share, 0.6) // 30 / (30 + 10 + 10)
	eq(t, "bread share", got[1].Share, 0.2)
	if got := insights.TopCategories(s, model.NutrientSalt, 5); len(got) != 0 {
		t.Fatalf("no salt anywhere, got %+v", got)
	}
}
