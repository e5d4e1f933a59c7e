package seed

import (
	"encoding/csv"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

func TestCategories(t *testing.T) {
	f, err := os.Open("data/food_categories.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	recs = recs[1:]
	cats := Categories()
	if len(recs) != 42 || len(cats) != len(recs)+1 {
		t.Fatalf("CSV has %d rows, Categories %d; want 42 and 43", len(recs), len(cats))
	}
	for i, rec := range recs {
		want := model.CategoryInput{ID: rec[0], NameEn: rec[1], NameFi: rec[2], NameSv: rec[3], Group: rec[4],
			FruitOrVegetable: rec[5] == "true"}
		if cats[i] != want {
			t.Errorf("category %d = %+v, want %+v", i, cats[i], want)
		}
	}
	if last := cats[len(cats)-1]; last != applianceCategory || last.Group != model.NonFoodGroup {
		t.Errorf("last category = %+v, want the appliance category", last)
	}
	for _, c := range cats {
		if !storage.CategoryGroups[c.Group] || !idPattern.MatchString(c.ID) {
			t.Errorf("category %q: group %q or id not accepted by storage", c.ID, c.Group)
		}
	}
}

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	gtinPattern = regexp.MustCompile(`^[0-9]{8,14}$`)
)

// TestProducts checks every product against storage's product rules
// (storage/product.go) and the catalog's own promises.
func TestProducts(t *testing.T) {
	rows := categoryByID()
	seen := map[string]bool{}
	perCategory := map[string]int{}
	for _, p := range Products(1) {
		if err := checkProduct(p); err != nil {
			t.Errorf("product %s %q: %v", p.Gtin, p.Name, err)
		}
		if seen[p.Gtin] {
			t.Errorf("GTIN %s appears twice", p.Gtin)
		}
		seen[p.Gtin] = true
		perCategory[p.CategoryID]++
		row, ok := rows[p.CategoryID]
		if !ok {
			t.Fatalf("product %q: unknown category %q", p.Name, p.CategoryID)
		}
		checkFacts(t, p, row)
	}
	for _, c := range Categories() {
		if n := perCategory[c.ID]; n < 5 || n > 10 {
			t.Errorf("category %s has %d products, want 5-10", c.ID, n)
		}
	}
}

// checkProduct applies the rules of storage's validateProduct.
func checkProduct(p model.ProductInput) error {
	bad := func(what string) error { return &model.Error{Code: model.BadUserInput, Message: what} }
	switch {
	case !gtinPattern.MatchString(p.Gtin) || len(p.Gtin) != 13 || ean13Check(p.Gtin[:12]) != p.Gtin[12:]:
		return bad("gtin: not a valid EAN-13")
	case strings.TrimSpace(p.Name) == "" || len(p.Name) > 200:
		return bad("name")
	case !p.Origin.IsValid() || !p.Unit.IsValid():
		return bad("origin or unit")
	case p.NetWeightKg != nil && !(*p.NetWeightKg > 0 && *p.NetWeightKg <= 1000):
		return bad("netWeightKg")
	case p.Co2eKgPerKg != nil && !(*p.Co2eKgPerKg >= 0 && *p.Co2eKgPerKg <= 1000):
		return bad("co2eKgPerKg")
	case p.WarrantyMonths != nil && (*p.WarrantyMonths < 0 || *p.WarrantyMonths > 240):
		return bad("warrantyMonths")
	case p.Unit == model.UnitKg && p.NetWeightKg != nil:
		return bad("a product sold by weight has no piece weight")
	case p.Unit == model.UnitL && p.NetWeightKg == nil:
		return bad("a drink has a net weight")
	}
	if n := p.NutritionPer100g; n != nil {
		for _, g := range []float64{n.Fat, n.SaturatedFat, n.Carbohydrate, n.Sugars, n.Fibre, n.Protein, n.Salt} {
			if math.IsNaN(g) || g < 0 || g > 100 {
				return bad("nutrition grams")
			}
		}
		if !(n.EnergyKj >= 0 && n.EnergyKj <= 4000) {
			return bad("energyKj")
		}
	}
	return nil
}

// checkFacts checks that nutrition and CO2e come from the category's row.
func checkFacts(t *testing.T, p model.ProductInput, row categoryRow) {
	t.Helper()
	if (p.NutritionPer100g == nil) != (row.nutrition == nil) ||
		p.NutritionPer100g != nil && *p.NutritionPer100g != *row.nutrition {
		t.Errorf("product %q: nutrition %+v, category has %+v", p.Name, p.NutritionPer100g, row.nutrition)
	}
	if row.category.Group == model.NonFoodGroup && p.NutritionPer100g != nil {
		t.Errorf("non-food product %q has nutrition", p.Name)
	}
	if (p.Co2eKgPerKg == nil) != (row.co2e == nil) || p.Co2eKgPerKg != nil && *p.Co2eKgPerKg != *row.co2e {
		t.Errorf("product %q: co2e %v, category has %v", p.Name, p.Co2eKgPerKg, row.co2e)
	}
}

func TestProductMix(t *testing.T) {
	products := Products(1)
	origins := map[model.Origin]int{}
	units := map[model.Unit]int{}
	var unknownWeight, warranty int
	for _, p := range products {
		origins[p.Origin]++
		units[p.Unit]++
		if p.Unit == model.UnitPiece && p.NetWeightKg == nil {
			unknownWeight++
		}
		if p.WarrantyMonths != nil {
			warranty++
			if p.CategoryID != applianceCategory.ID {
				t.Errorf("%q has a warranty outside the appliance category", p.Name)
			}
		}
		if p.CategoryID == "bananas" && p.Origin != model.OriginImported ||
			p.CategoryID == "milk" && p.Origin != model.OriginDomesticRawMaterials {
			t.Errorf("%q: origin %s is implausible", p.Name, p.Origin)
		}
	}
	if len(products) < 200 || len(products) > 450 {
		t.Errorf("%d products, want a few hundred", len(products))
	}
	for _, o := range model.AllOrigin {
		if origins[o] == 0 {
			t.Errorf("no product of origin %s", o)
		}
	}
	if origins[model.OriginUnknown] > 5 {
		t.Errorf("%d products of UNKNOWN origin, want a few", origins[model.OriginUnknown])
	}
	if units[model.UnitKg] == 0 || units[model.UnitL] == 0 || units[model.UnitPiece] == 0 {
		t.Errorf("units %v: want all of PIECE, KG and L", units)
	}
	if unknownWeight != unknownWeights || warranty < 5 {
		t.Errorf("%d products of unknown weight, %d with a warranty", unknownWeight, warranty)
	}
	// The seed moves only the unknown weights; GTINs stay put.
	other := Products(2)
	for i := range products {
		if other[i].Gtin != products[i].Gtin {
			t.Fatalf("GTIN %d differs between seeds", i)
		}
	}
}

func TestStores(t *testing.T) {
	kinds := map[model.StoreKind]int{}
	partners := 0
	for _, s := range Stores() {
		kinds[s.Kind]++
		if !idPattern.MatchString(s.ID) || !idPattern.MatchString("pos-"+s.ID) || s.Name == "" {
			t.Errorf("store %+v: id or name not accepted by storage", s)
		}
		if !s.BonusEligible {
			partners++
		}
	}
	for _, k := range model.AllStoreKind {
		if kinds[k] == 0 {
			t.Errorf("no %s store", k)
		}
	}
	if kinds[model.StoreKindGrocery] <= len(Stores())/3 || partners != 1 {
		t.Errorf("kinds %v, %d partner stores: want groceries most and one partner", kinds, partners)
	}
}

func TestEAN13(t *testing.T) {
	// Check digits of published example numbers.
	for body, want := range map[string]string{"400638133393": "1", "629104150021": "3", "501234567890": "0"} {
		if got := ean13Check(body); got != want {
			t.Errorf("ean13Check(%s) = %s, want %s", body, got, want)
		}
	}
	if got := luhn("7992739871"); got != strconv.Itoa(3) {
		t.Errorf("luhn = %s, want 3", got)
	}
}
