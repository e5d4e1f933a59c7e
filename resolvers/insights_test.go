package resolvers_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

const insightsQuery = `query($from: Date!, $to: Date!, $scope: InsightScope) {
  insights(from: $from, to: $to, scope: $scope) {
    from to scope membersCounted membersCovered spendCents receiptCount productSpendCents
    byCategory { category { id name } spendCents weightKg co2eKg }
    byMonth { month spendCents fruitVegKg co2eKg domesticShare }
    fruitAndVegetables { weightKg spendCents spendShare gramsPerDay }
    origin { domesticRawMaterialsShare domesticManufacturedShare importedShare coverage }
    carbon { co2eKg coverage }
    nutrition { energyKj proteinG fatG saturatedFatG carbohydrateG sugarsG fibreG saltG
      energyShare { protein fat saturatedFat carbohydrate sugars fibre } coverage
      reference { proteinEnergyShare { min max unit } fatEnergyShare { min max unit }
        saturatedFatEnergyShare { min max unit } carbohydrateEnergyShare { min max unit }
        sugarsEnergyShare { min max unit } fibreGramsPerDay { min max unit }
        saltGramsPerDay { min max unit } fruitAndVegetablesGramsPerDay { min max unit } source }
      topSources(nutrient: PROTEIN, limit: 2) { nutrient
        categories { category { id } amount share } products { product { gtin } amount share } } } } }`

type insightsData struct {
	Insights struct {
		From, To, Scope                string
		MembersCounted, MembersCovered int
		SpendCents, ReceiptCount       int
		ProductSpendCents              *int
		ByCategory                     []struct {
			Category         struct{ ID, Name string }
			SpendCents       int
			WeightKg, Co2eKg *float64
		}
		ByMonth []struct {
			Month                             string
			SpendCents                        int
			FruitVegKg, Co2eKg, DomesticShare *float64
		}
		FruitAndVegetables *struct {
			WeightKg                float64
			SpendCents              int
			SpendShare, GramsPerDay *float64
		}
		Origin *struct {
			DomesticRawMaterialsShare, DomesticManufacturedShare, ImportedShare, Coverage *float64
		}
		Carbon *struct {
			Co2eKg   float64
			Coverage *float64
		}
		Nutrition *struct {
			EnergyKj, ProteinG, FatG, SaturatedFatG, CarbohydrateG, SugarsG, FibreG, SaltG float64
			EnergyShare                                                                    struct {
				Protein, Fat, SaturatedFat, Carbohydrate, Sugars, Fibre *float64
			}
			Coverage   *float64
			Reference  map[string]any
			TopSources struct {
				Nutrient   string
				Categories []struct {
					Category struct{ ID string }
					Amount   float64
					Share    *float64
				}
				Products []struct {
					Product struct{ Gtin string }
					Amount  float64
					Share   *float64
				}
			}
		}
	}
}

// near fails unless got is want (nil: must be null) to 1e-9.
func near(t *testing.T, name string, got *float64, want any) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if got != nil {
			t.Errorf("%s = %v, want null", name, *got)
		}
	case float64:
		if got == nil {
			t.Errorf("%s = null, want %v", name, w)
		} else if math.Abs(*got-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, *got, w)
		}
	case int:
		near(t, name, got, float64(w))
	}
}

func f64(v float64) *float64 { return &v }

func queryInsights(t *testing.T, env *servertest.Env, who, from, to string, scope string) insightsData {
	t.Helper()
	var d insightsData
	env.MustQuery(t, env.MemberToken(who), insightsQuery, map[string]any{"from": from, "to": to, "scope": scope}).Decode(t, &d)
	return d
}

// basket is one receipt of every kind of line the formulas treat apart.
func basket(customer, id string, at time.Time) model.ReceiptInput {
	return servertest.Receipt(customer, id, at,
		servertest.Line("6400000000001", 5, model.UnitPiece, 40),   // apples: 1.0 kg, imported, fruit
		servertest.Line("6400000000002", 0.5, model.UnitKg, 400),   // tomatoes: 0.5 kg, domestic raw, vegetable
		servertest.Line("6400000000003", 2, model.UnitPiece, 150),  // milk: 2.0 kg, domestic manufactured
		servertest.Line("6400000000004", 1, model.UnitPiece, 3000), // kettle: not food
		servertest.Line("6400000000005", 1, model.UnitPiece, 250),  // bread: no net weight
		servertest.Line("6400000000006", 2, model.UnitPiece, 100),  // yoghurt: 1.0 kg, origin unknown, no CO2e
		servertest.Line(servertest.UnknownGtin, 1, model.UnitPiece, 50))
}

// TestInsightsFormulas checks every figure against values computed by hand
// from the catalog of servertest (the comments show the arithmetic).
func TestInsightsFormulas(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "f1"})
	env.Ingest(t, basket("f1", "b1", time.Date(2026, 4, 10, 10, 0, 0, 0, time.UTC)))
	d := queryInsights(t, env, "f1", "2026-04-01", "2026-04-30", "ME").Insights

	if d.From != "2026-04-01" || d.To != "2026-04-30" || d.Scope != "ME" || d.MembersCounted != 1 || d.MembersCovered != 1 {
		t.Fatalf("header %+v", d)
	}
	// 200 + 200 + 300 + 3000 + 250 + 200 + 50
	if d.SpendCents != 4200 || d.ReceiptCount != 1 || *d.ProductSpendCents != 4200 {
		t.Fatalf("totals %d %d %v", d.SpendCents, d.ReceiptCount, *d.ProductSpendCents)
	}
	t.Run("ByCategory", func(t *testing.T) {
		type cat struct {
			id     string
			spend  int
			weight any
			co2e   any
		}
		want := []cat{
			{"detergent", 3000, nil, nil},
			{"milk", 500, 3.0, 5.6}, // milk 2 kg × 2.8; yoghurt has no factor
			{"bread", 250, nil, nil},
			{"apples", 200, 1.0, 0.3},
			{"tomatoes", 200, 0.5, 0.7},
		}
		if len(d.ByCategory) != len(want) {
			t.Fatalf("%+v", d.ByCategory)
		}
		for i, w := range want {
			g := d.ByCategory[i]
			if g.Category.ID != w.id || g.SpendCents != w.spend {
				t.Fatalf("entry %d: %+v, want %+v", i, g, w)
			}
			near(t, w.id+".weightKg", g.WeightKg, w.weight)
			near(t, w.id+".co2eKg", g.Co2eKg, w.co2e)
		}
		if d.ByCategory[1].Category.Name != "Milk" {
			t.Fatal("category not resolved")
		}
	})
	// Food lines: apples, tomatoes, milk, bread, yoghurt: 1150 cents.
	t.Run("FruitAndVegetables", func(t *testing.T) {
		fv := d.FruitAndVegetables
		if fv.WeightKg != 1.5 || fv.SpendCents != 400 {
			t.Fatalf("%+v", fv)
		}
		near(t, "spendShare", fv.SpendShare, 400.0/1150)
		near(t, "gramsPerDay", fv.GramsPerDay, 50.0) // 1500 g / 30 days / 1 member
	})
	t.Run("Origin", func(t *testing.T) {
		// Known: imported 200, raw 200, manufactured 300 + 250; yoghurt unknown.
		near(t, "raw", d.Origin.DomesticRawMaterialsShare, 200.0/950)
		near(t, "manufactured", d.Origin.DomesticManufacturedShare, 550.0/950)
		near(t, "imported", d.Origin.ImportedShare, 200.0/950)
		near(t, "coverage", d.Origin.Coverage, 950.0/1150)
	})
	t.Run("Carbon", func(t *testing.T) {
		// 1.0 × 0.3 + 0.5 × 1.4 + 2.0 × 2.8 over apples, tomatoes, milk (700 cents).
		near(t, "co2eKg", &d.Carbon.Co2eKg, 6.6)
		near(t, "coverage", d.Carbon.Coverage, 700.0/1150)
	})
	t.Run("Nutrition", func(t *testing.T) {
		n := d.Nutrition
		// grams = kg × 10 × per 100 g, over apples (1 kg), tomatoes (0.5),
		// milk (2) and yoghurt (1): bread has no weight.
		for name, c := range map[string][2]float64{
			"energyKj":      {n.EnergyKj, 2000 + 475 + 3800 + 3000},
			"proteinG":      {n.ProteinG, 3 + 2.75 + 68 + 40},
			"fatG":          {n.FatG, 1 + 1.5 + 30 + 30},
			"saturatedFatG": {n.SaturatedFatG, 0 + 0.2 + 20 + 20},
			"carbohydrateG": {n.CarbohydrateG, 110 + 17.25 + 96 + 50},
			"sugarsG":       {n.SugarsG, 100 + 16.75 + 96 + 50},
			"fibreG":        {n.FibreG, 20 + 7},
			"saltG":         {n.SaltG, 0.05 + 2 + 1},
		} {
			near(t, name, &c[0], c[1])
		}
		near(t, "coverage", n.Coverage, 900.0/1150)
		near(t, "protein E", n.EnergyShare.Protein, 113.75*17/9275)
		near(t, "fat E", n.EnergyShare.Fat, 62.5*37/9275)
		near(t, "saturatedFat E", n.EnergyShare.SaturatedFat, 40.2*37/9275)
		near(t, "carbohydrate E", n.EnergyShare.Carbohydrate, 273.25*17/9275)
		near(t, "sugars E", n.EnergyShare.Sugars, 262.75*17/9275)
		near(t, "fibre E", n.EnergyShare.Fibre, 27.0*8/9275)
		ref := n.Reference["proteinEnergyShare"].(map[string]any)
		if ref["min"] != 0.1 || ref["max"] != 0.2 || ref["unit"] != "share of energy" ||
			!strings.Contains(n.Reference["source"].(string), "Nord 2023:003") {
			t.Fatalf("reference %v", n.Reference)
		}
	})
	t.Run("TopSources", func(t *testing.T) {
		s := d.Nutrition.TopSources
		if s.Nutrient != "PROTEIN" || len(s.Categories) != 2 || s.Categories[0].Category.ID != "milk" ||
			s.Categories[0].Amount != 108 || s.Categories[1].Category.ID != "apples" {
			t.Fatalf("categories %+v", s.Categories)
		}
		near(t, "milk share", s.Categories[0].Share, 108/113.75)
		near(t, "apples share", s.Categories[1].Share, 3/113.75)
		if len(s.Products) != 2 || s.Products[0].Product.Gtin != "6400000000003" || s.Products[0].Amount != 68 ||
			s.Products[1].Product.Gtin != "6400000000006" || s.Products[1].Amount != 40 {
			t.Fatalf("products %+v", s.Products)
		}
		near(t, "milk product share", s.Products[0].Share, 68/113.75)
	})
	t.Run("ByMonth", func(t *testing.T) {
		if len(d.ByMonth) != 1 || d.ByMonth[0].Month != "2026-04" || d.ByMonth[0].SpendCents != 4200 {
			t.Fatalf("%+v", d.ByMonth)
		}
		m := d.ByMonth[0]
		near(t, "fruitVegKg", m.FruitVegKg, 1.5)
		near(t, "co2eKg", m.Co2eKg, 6.6)
		near(t, "domesticShare", m.DomesticShare, 750.0/950)
	})
	t.Run("SameFromRollupsAsFromPartialMonths", func(t *testing.T) {
		// April as a full month comes from the rollups; April 10 alone
		// from the lines. The figures must agree.
		day := queryInsights(t, env, "f1", "2026-04-10", "2026-04-10", "ME").Insights
		if day.SpendCents != d.SpendCents || *day.ProductSpendCents != *d.ProductSpendCents ||
			!reflect.DeepEqual(day.ByCategory, d.ByCategory) || !reflect.DeepEqual(day.Origin, d.Origin) ||
			day.Nutrition.EnergyKj != d.Nutrition.EnergyKj {
			t.Fatalf("one day %+v\nwhole month %+v", day, d)
		}
		near(t, "gramsPerDay of one day", day.FruitAndVegetables.GramsPerDay, 1500.0)
	})
}

// TestInsightsNulls checks that a figure with nothing to be based on is
// null, never a fake zero.
func TestInsightsNulls(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "n1"})
	// Only lines that are not food: a kettle and an unknown product.
	env.Ingest(t, servertest.Receipt("n1", "x", time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC),
		servertest.Line("6400000000004", 1, model.UnitPiece, 3000),
		servertest.Line(servertest.UnknownGtin, 1, model.UnitPiece, 50)))

	t.Run("NoFood", func(t *testing.T) {
		d := queryInsights(t, env, "n1", "2026-05-01", "2026-05-31", "ME").Insights
		if *d.ProductSpendCents != 3050 || d.FruitAndVegetables.WeightKg != 0 || d.Carbon.Co2eKg != 0 {
			t.Fatalf("%+v", d)
		}
		near(t, "fv spendShare", d.FruitAndVegetables.SpendShare, nil)
		near(t, "origin raw", d.Origin.DomesticRawMaterialsShare, nil)
		near(t, "origin imported", d.Origin.ImportedShare, nil)
		near(t, "origin coverage", d.Origin.Coverage, nil)
		near(t, "carbon coverage", d.Carbon.Coverage, nil)
		near(t, "nutrition coverage", d.Nutrition.Coverage, nil)
		near(t, "protein E", d.Nutrition.EnergyShare.Protein, nil)
		m := d.ByMonth[0]
		near(t, "month fruitVegKg", m.FruitVegKg, nil)
		near(t, "month co2eKg", m.Co2eKg, nil)
		near(t, "month domesticShare", m.DomesticShare, nil)
		if len(d.ByCategory) != 1 || d.ByCategory[0].Category.ID != "detergent" {
			t.Fatalf("byCategory %+v", d.ByCategory)
		}
		near(t, "detergent weight", d.ByCategory[0].WeightKg, nil)
	})
	t.Run("NothingBought", func(t *testing.T) {
		d := queryInsights(t, env, "n1", "2026-02-01", "2026-03-15", "ME").Insights
		if d.SpendCents != 0 || *d.ProductSpendCents != 0 || len(d.ByCategory) != 0 || len(d.ByMonth) != 2 {
			t.Fatalf("%+v", d)
		}
		near(t, "february co2e", d.ByMonth[0].Co2eKg, nil)
		near(t, "fv spendShare", d.FruitAndVegetables.SpendShare, nil)
	})
	t.Run("FutureDaysDoNotCount", func(t *testing.T) {
		// The clock reads 2026-06-15: a range wholly ahead has no days yet.
		d := queryInsights(t, env, "n1", "2026-07-01", "2026-07-31", "ME").Insights
		near(t, "gramsPerDay", d.FruitAndVegetables.GramsPerDay, nil)
	})
}

// TestInsightsDateEdges checks that both ends of a range are included and
// that days and months begin at midnight in Helsinki, across both DST
// changes. Each receipt costs a distinct power of two cents, so a sum tells
// which receipts a range holds.
func TestInsightsDateEdges(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "d1"})
	at := []string{
		"2026-03-31T20:59:00Z", // 1: 23:59 March 31 (EEST)
		"2026-03-31T21:30:00Z", // 2: 00:30 April 1
		"2026-04-30T20:59:00Z", // 4: 23:59 April 30
		"2026-04-30T21:00:00Z", // 8: 00:00 May 1
		"2026-03-28T21:59:00Z", // 16: 23:59 March 28 (EET, UTC+2)
		"2026-03-28T22:30:00Z", // 32: 00:30 March 29, the day clocks go forward
		"2026-03-29T20:59:00Z", // 64: 23:59 March 29 (EEST, UTC+3)
		"2026-03-29T21:30:00Z", // 128: 00:30 March 30
		"2025-10-25T20:59:00Z", // 256: 23:59 October 25 (EEST)
		"2025-10-25T21:00:00Z", // 512: 00:00 October 26, the day clocks go back
		"2025-10-26T21:59:00Z", // 1024: 23:59 October 26 (EET): the day had 25 hours
		"2025-10-26T22:00:00Z", // 2048: 00:00 October 27
	}
	var rs []model.ReceiptInput
	for i, s := range at {
		ts, _ := time.Parse(time.RFC3339, s)
		rs = append(rs, servertest.Receipt("d1", s, ts, servertest.Line("6400000000003", 1, model.UnitPiece, 1<<i)))
	}
	env.Ingest(t, rs...)
	for name, c := range map[string]struct {
		from, to string
		spend    int
	}{
		"April":              {"2026-04-01", "2026-04-30", 2 + 4},
		"FirstDayOfApril":    {"2026-04-01", "2026-04-01", 2},
		"LastDayOfMarch":     {"2026-03-31", "2026-03-31", 1},
		"LastDayOfApril":     {"2026-04-30", "2026-04-30", 4},
		"MarchAndApril":      {"2026-03-01", "2026-04-30", 1 + 2 + 4 + 16 + 32 + 64 + 128},
		"SpringForward":      {"2026-03-29", "2026-03-29", 32 + 64},
		"FallBack":           {"2025-10-26", "2025-10-26", 512 + 1024},
		"AroundFallBack":     {"2025-10-25", "2025-10-27", 256 + 512 + 1024 + 2048},
		"October":            {"2025-10-01", "2025-10-31", 256 + 512 + 1024 + 2048},
		"MonthsAcrossAYear":  {"2025-10-26", "2026-04-01", 512 + 1024 + 2048 + 1 + 2 + 16 + 32 + 64 + 128},
		"PartialEdgeMonths":  {"2026-03-29", "2026-05-01", 32 + 64 + 128 + 1 + 2 + 4 + 8},
		"WholeYearsAndParts": {"2025-01-01", "2026-06-15", 4095},
	} {
		t.Run(name, func(t *testing.T) {
			d := queryInsights(t, env, "d1", c.from, c.to, "ME").Insights
			if d.SpendCents != c.spend || *d.ProductSpendCents != c.spend {
				t.Fatalf("spend %d, products %d, want %d", d.SpendCents, *d.ProductSpendCents, c.spend)
			}
			sum := 0
			for _, m := range d.ByMonth {
				sum += m.SpendCents
			}
			if sum != c.spend {
				t.Fatalf("byMonth sums to %d", sum)
			}
		})
	}
	t.Run("ByMonthSplitsAtHelsinkiMidnight", func(t *testing.T) {
		d := queryInsights(t, env, "d1", "2026-03-01", "2026-05-31", "ME").Insights
		got := map[string]int{}
		for _, m := range d.ByMonth {
			got[m.Month] = m.SpendCents
		}
		want := map[string]int{"2026-03": 1 + 16 + 32 + 64 + 128, "2026-04": 2 + 4, "2026-05": 8}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v", got)
		}
	})
	t.Run("ErrToBeforeFrom", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("d1"), insightsQuery, map[string]any{"from": "2026-04-02", "to": "2026-04-01"})
		if !reflect.DeepEqual(r.Codes(), []string{model.BadUserInput}) || !strings.HasPrefix(r.Errors[0].Message, "to:") {
			t.Fatalf("%+v", r.Errors)
		}
	})
	t.Run("ErrYear", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("d1"), insightsQuery, map[string]any{"from": "1999-12-31", "to": "2026-04-01"})
		if !reflect.DeepEqual(r.Codes(), []string{model.BadUserInput}) || !strings.HasPrefix(r.Errors[0].Message, "from:") {
			t.Fatalf("%+v", r.Errors)
		}
	})
}

// productFields are the insights fields behind the PRODUCT_LEVEL_DATA gate.
var productFields = []string{"productSpendCents", "byCategory", "byMonth", "fruitAndVegetables", "origin", "carbon", "nutrition"}

// consentRequired fails unless every product-level field is null with
// CONSENT_REQUIRED naming PRODUCT_LEVEL_DATA.
func consentRequired(t *testing.T, r *servertest.Response) {
	t.Helper()
	var got []string
	for _, e := range r.Errors {
		if e.Extensions["code"] != model.ConsentRequired || !strings.Contains(e.Message, "PRODUCT_LEVEL_DATA") {
			t.Fatalf("error %+v", e)
		}
		got = append(got, e.Path[len(e.Path)-1].(string))
	}
	slicesSort(got)
	want := append([]string(nil), productFields...)
	slicesSort(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CONSENT_REQUIRED on %v, want %v", got, want)
	}
	var d insightsData
	r.Decode(t, &d)
	if d.Insights.ProductSpendCents != nil || d.Insights.Nutrition != nil || d.Insights.ByMonth != nil {
		t.Fatalf("product-level data leaked: %+v", d.Insights)
	}
}

func slicesSort(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestInsightsConsent checks rule 3: product-level parts need the owner's
// PRODUCT_LEVEL_DATA now; totals always answer.
func TestInsightsConsent(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	deny := []model.ConsentChange{{Purpose: model.ConsentPurposeProductLevelData, Granted: false}}
	expires := env.Clock.Now().Add(30 * 24 * time.Hour)
	until := []model.ConsentChange{{Purpose: model.ConsentPurposeProductLevelData, Granted: true, ExpiresAt: &expires}}
	env.Member(t, servertest.MemberSpec{ID: "denied", Consents: deny})
	env.Member(t, servertest.MemberSpec{ID: "expiring", Consents: until})
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	env.Ingest(t, basket("denied", "a", at), basket("expiring", "b", at))
	vars := map[string]any{"from": "2026-06-01", "to": "2026-06-30"}

	t.Run("ErrDenied", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("denied"), insightsQuery, vars)
		consentRequired(t, r)
		var d insightsData
		r.Decode(t, &d)
		if d.Insights.SpendCents != 4200 || d.Insights.ReceiptCount != 1 || d.Insights.MembersCovered != 0 || d.Insights.MembersCounted != 1 {
			t.Fatalf("totals %+v", d.Insights)
		}
	})
	t.Run("ErrDeniedHousehold", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("denied"), insightsQuery,
			map[string]any{"from": "2026-06-01", "to": "2026-06-30", "scope": "HOUSEHOLD"})
		consentRequired(t, r)
	})
	t.Run("OKBeforeExpiry", func(t *testing.T) {
		var d insightsData
		env.MustQuery(t, env.MemberToken("expiring"), insightsQuery, vars).Decode(t, &d)
		if *d.Insights.ProductSpendCents != 4200 {
			t.Fatal(d.Insights)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		env.Clock.Set(expires.Add(time.Minute))
		r := env.Query(t, env.MemberToken("expiring"), insightsQuery, vars)
		consentRequired(t, r)
		var d insightsData
		r.Decode(t, &d)
		if d.Insights.SpendCents != 4200 || d.Insights.ReceiptCount != 1 {
			t.Fatalf("totals %+v", d.Insights)
		}
	})
}

// TestInsightsHousehold checks household scope: totals of every member
// visible under rule 5, product-level figures of those whose
// PRODUCT_LEVEL_DATA is granted, and how many each covers.
func TestInsightsHousehold(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	share := model.ConsentChange{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}
	noLines := model.ConsentChange{Purpose: model.ConsentPurposeProductLevelData, Granted: false}
	for _, m := range []servertest.MemberSpec{
		{ID: "ha", Household: "hh", Role: model.HouseholdRoleMain, Consents: []model.ConsentChange{share}},
		{ID: "hb", Household: "hh", Role: model.HouseholdRoleMember, Consents: []model.ConsentChange{share}},
		{ID: "hc", Household: "hh", Role: model.HouseholdRoleMember, Consents: []model.ConsentChange{share, noLines}},
		{ID: "hd", Household: "hh", Role: model.HouseholdRoleMember}, // does not share
	} {
		env.Member(t, m)
	}
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	env.Ingest(t, basket("ha", "a", at), basket("hb", "b", at), basket("hc", "c", at), basket("hd", "d", at))

	d := queryInsights(t, env, "ha", "2026-06-01", "2026-06-10", "HOUSEHOLD").Insights
	if d.Scope != "HOUSEHOLD" || d.MembersCounted != 3 || d.MembersCovered != 2 {
		t.Fatalf("members %+v", d)
	}
	if d.SpendCents != 3*4200 || d.ReceiptCount != 3 || *d.ProductSpendCents != 2*4200 {
		t.Fatalf("totals %d %d %d", d.SpendCents, d.ReceiptCount, *d.ProductSpendCents)
	}
	// 2 × 1.5 kg over 10 days and the 2 covered members.
	near(t, "gramsPerDay", d.FruitAndVegetables.GramsPerDay, 150.0)
	near(t, "co2e", &d.Carbon.Co2eKg, 13.2)

	t.Run("MeIsOnlyMe", func(t *testing.T) {
		me := queryInsights(t, env, "ha", "2026-06-01", "2026-06-10", "ME").Insights
		if me.MembersCounted != 1 || me.SpendCents != 4200 || *me.ProductSpendCents != 4200 {
			t.Fatalf("%+v", me)
		}
	})
	t.Run("OwnLinesDeniedOthersCovered", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("hc"), insightsQuery,
			map[string]any{"from": "2026-06-01", "to": "2026-06-10", "scope": "HOUSEHOLD"})
		// hc sees ha and hb, whose data is covered: only hc's own is not.
		var got insightsData
		r.Decode(t, &got)
		if len(r.Errors) != 0 || got.Insights.MembersCovered != 2 || got.Insights.MembersCounted != 3 {
			t.Fatalf("%+v %+v", r.Errors, got.Insights)
		}
	})
	t.Run("AccessLogged", func(t *testing.T) {
		// ha read hb's product-level data (covered); hc's lines were not read
		// (totals only) and hd does not share, so neither log records it.
		want := logEntry{ActorKind: "HOUSEHOLD_MEMBER", ActorName: "Name", Resource: "insights 2026-06-01..2026-06-10", Purpose: "household sharing"}
		if got := accessLog(t, env, "hb"); len(got) == 0 || got[0] != want {
			t.Fatalf("hb's log: %+v", got)
		}
		for _, id := range []string{"hc", "hd"} {
			for _, e := range accessLog(t, env, id) {
				if e.Resource == want.Resource {
					t.Fatalf("%s's log records a household insights read: %+v", id, e)
				}
			}
		}
		// Totals alone read no product-level data and log nothing.
		before := len(accessLog(t, env, "hb"))
		env.MustQuery(t, env.MemberToken("ha"), `{ insights(from: "2026-06-01", to: "2026-06-10", scope: HOUSEHOLD) { spendCents } }`, nil)
		if after := len(accessLog(t, env, "hb")); after != before {
			t.Fatalf("a totals-only read was logged: %d -> %d", before, after)
		}
	})
	t.Run("LoggedOnceBeforeTheSumsAreRead", func(t *testing.T) {
		// A read is recorded exactly once, and the record is written no
		// later than the sums are read: in the statement that decides
		// whose sums are read, committed before the answer returns (for a
		// kept answer, it is the only statement; otherwise a second
		// transaction reads the sums and records only members the first
		// one did not).
		before := len(accessLog(t, env, "hb"))
		_, sqls := env.Tracer.Count(func() {
			env.MustQuery(t, env.MemberToken("ha"),
				`{ insights(from: "2026-06-02", to: "2026-06-09", scope: HOUSEHOLD) { byCategory { spendCents } carbon { co2eKg } } }`, nil)
		})
		logged, read := -1, -1
		for i, q := range sqls {
			if logged < 0 && strings.Contains(q, "INSERT INTO access_events") {
				logged = i
			}
			if read < 0 && strings.Contains(q, "_rollups") {
				read = i
			}
		}
		got := accessLog(t, env, "hb")
		if len(got) != before+1 || got[0].Resource != "insights 2026-06-02..2026-06-09" || logged < 0 || read < logged {
			t.Fatalf("%d access events for one read; logged by statement %d, sums read by statement %d:\n%s",
				len(got)-before, logged, read, strings.Join(sqls, "\n---\n"))
		}
		// Asked again, the kept answer is used, and the read is recorded
		// again, once.
		env.MustQuery(t, env.MemberToken("ha"),
			`{ insights(from: "2026-06-02", to: "2026-06-09", scope: HOUSEHOLD) { byCategory { spendCents } carbon { co2eKg } } }`, nil)
		if n := len(accessLog(t, env, "hb")); n != before+2 {
			t.Fatalf("%d access events for two reads", n-before)
		}
	})
	t.Run("NotSharingSeesOnlySelf", func(t *testing.T) {
		got := queryInsights(t, env, "hd", "2026-06-01", "2026-06-10", "HOUSEHOLD").Insights
		if got.MembersCounted != 1 || got.MembersCovered != 1 || got.SpendCents != 4200 {
			t.Fatalf("%+v", got)
		}
	})
}

// TestInsightsReadsSumsOnce checks that the product-level sums are read
// once per request, however many fields use them: every field costs the
// statements of one field.
func TestInsightsReadsSumsOnce(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "s1"})
	env.Ingest(t, basket("s1", "a", time.Date(2026, 4, 10, 10, 0, 0, 0, time.UTC)),
		basket("s1", "b", time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)))
	tok := env.MemberToken("s1")
	vars := map[string]any{"from": "2026-03-15", "to": "2026-06-14"}
	// A first request records the member's activity of the day; count after it.
	env.MustQuery(t, tok, `{ me { id } }`, nil)
	one, sqls1 := env.Tracer.Count(func() {
		env.MustQuery(t, tok, `query($from: Date!, $to: Date!) { insights(from: $from, to: $to) { carbon { co2eKg } } }`, vars)
	})
	allFields := `query($from: Date!, $to: Date!) { insights(from: $from, to: $to) {
			spendCents productSpendCents byMonth { month } fruitAndVegetables { weightKg } origin { coverage }
			carbon { co2eKg } nutrition { energyKj } byCategory { category { id name } } } }`
	all, sqls := env.Tracer.Count(func() { env.MustQuery(t, tok, allFields, vars) })
	// Every field of the second query reads the same sums: one statement
	// more (the category rollups) than for one field, less one (the
	// categories, kept since the first query under the catalog's version),
	// and each sums query once.
	if all != one {
		t.Fatalf("one field: %d statements:\n%s\nall fields: %d:\n%s", one, strings.Join(sqls1, "\n---\n"), all, strings.Join(sqls, "\n---\n"))
	}
	// Asked again, with nothing changed, the answer is the one kept: the
	// scope and the statement that finds the members and their versions.
	again, sqlsAgain := env.Tracer.Count(func() { env.MustQuery(t, tok, allFields, vars) })
	if again != 2 {
		t.Fatalf("the same query again: %d statements:\n%s", again, strings.Join(sqlsAgain, "\n---\n"))
	}
	for _, table := range []string{"receipt_month_rollups", "line_month_rollups", "category_year_rollups", "receipt_lines"} {
		n := 0
		for _, q := range sqls {
			if strings.Contains(q, table) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s read by %d statements:\n%s", table, n, strings.Join(sqls, "\n---\n"))
		}
	}
}
