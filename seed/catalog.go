package seed

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"sync"

	"github.com/omadata/omadata/graph/model"
)

// categoriesCSV is the shared reference data (see data/README.md).
//
//go:embed data/food_categories.csv
var categoriesCSV []byte

// categoryRow is one row of the reference CSV: the category and the facts
// its products inherit.
type categoryRow struct {
	category   model.CategoryInput
	unitWeight *float64              // typical weight of one piece or pack, kg
	nutrition  *model.NutritionInput // per 100 g; nil for non-food
	co2e       *float64              // kg CO2e per kg; nil where the source has none
}

// applianceCategory holds the products with a warranty. The reference CSV
// has no such category, and filing a kettle under "laundry detergent" would
// show in every demo's spending by category, so the seed adds this one.
var applianceCategory = model.CategoryInput{
	ID: "home_appliances", NameFi: "Kodinkoneet ja elektroniikka", NameSv: "Hushållsapparater och elektronik",
	NameEn: "Home appliances and electronics", Group: model.NonFoodGroup,
}

// referenceRows parses the embedded CSV once; it is part of the binary, so
// a parse failure is a build defect that the tests catch.
var referenceRows = sync.OnceValue(func() []categoryRow {
	rows, err := parseCategories(categoriesCSV)
	if err != nil {
		panic(err)
	}
	return rows
})

// Categories returns the categories of the reference CSV, in file order,
// followed by the seed's own home appliance category (non-food, for the
// products with a warranty).
func Categories() []model.CategoryInput {
	rows := referenceRows()
	out := make([]model.CategoryInput, 0, len(rows)+1)
	for _, r := range rows {
		out = append(out, r.category)
	}
	return append(out, applianceCategory)
}

// parseCategories reads the reference CSV, checking its header so that a
// reordered file fails loudly instead of shifting every value.
func parseCategories(data []byte) ([]categoryRow, error) {
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("seed: food_categories.csv: %w", err)
	}
	want := []string{"category_id", "name_en", "name_fi", "name_sv", "group", "is_fruit_or_vegetable",
		"typical_unit_weight_kg", "energy_kj_100g", "fat_g_100g", "saturated_fat_g_100g",
		"carbohydrate_g_100g", "sugars_g_100g", "fibre_g_100g", "protein_g_100g", "salt_g_100g", "co2e_kg_per_kg"}
	if len(recs) < 2 || len(recs[0]) < len(want) {
		return nil, fmt.Errorf("seed: food_categories.csv: no header or rows")
	}
	for i, h := range want {
		if recs[0][i] != h {
			return nil, fmt.Errorf("seed: food_categories.csv: column %d is %q, want %q", i, recs[0][i], h)
		}
	}
	out := make([]categoryRow, 0, len(recs)-1)
	for n, rec := range recs[1:] {
		row, err := parseCategory(rec)
		if err != nil {
			return nil, fmt.Errorf("seed: food_categories.csv line %d: %w", n+2, err)
		}
		out = append(out, row)
	}
	return out, nil
}

// parseCategory turns one CSV record into a categoryRow.
func parseCategory(rec []string) (categoryRow, error) {
	var p numParser
	row := categoryRow{category: model.CategoryInput{
		ID: rec[0], NameEn: rec[1], NameFi: rec[2], NameSv: rec[3], Group: rec[4],
		FruitOrVegetable: rec[5] == "true",
	}}
	row.unitWeight = p.optional(rec[6])
	if rec[7] != "" {
		row.nutrition = &model.NutritionInput{
			EnergyKj: p.required(rec[7]), Fat: p.required(rec[8]), SaturatedFat: p.required(rec[9]),
			Carbohydrate: p.required(rec[10]), Sugars: p.required(rec[11]), Fibre: p.required(rec[12]),
			Protein: p.required(rec[13]), Salt: p.required(rec[14]),
		}
	}
	row.co2e = p.optional(rec[15])
	if rec[5] != "true" && rec[5] != "false" {
		return row, fmt.Errorf("is_fruit_or_vegetable %q is not true or false", rec[5])
	}
	return row, p.err
}

// numParser parses numbers and keeps the first error, so a row reads as a
// list of fields rather than a ladder of checks.
type numParser struct{ err error }

func (p *numParser) required(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("number %q: %w", s, err)
	}
	return v
}

func (p *numParser) optional(s string) *float64 {
	if s == "" {
		return nil
	}
	v := p.required(s)
	return &v
}

// categoryByID indexes the reference rows (and the appliance category,
// without facts) by id.
func categoryByID() map[string]categoryRow {
	out := map[string]categoryRow{applianceCategory.ID: {category: applianceCategory}}
	for _, r := range referenceRows() {
		out[r.category.ID] = r
	}
	return out
}

// Store ids the receipts refer to by role.
const (
	storeOnline     = "jyva-verkko"
	storeRestaurant = "kaisla-helsinki"
	storeHotel      = "revontuli-tampere"
	storeFuel       = "energia-vantaa"
	storeDepartment = "kulma-helsinki"
	storePartner    = "sivu-helsinki"
)

// Stores returns the co-op's stores: neighbourhood groceries in six
// cities, an online shop, a restaurant, a hotel, a fuel station, a
// department store, and one partner bookshop whose purchases earn no bonus.
func Stores() []model.StoreInput {
	s := func(id, name, chain string, kind model.StoreKind, city string, bonus bool) model.StoreInput {
		in := model.StoreInput{ID: id, Name: name, Chain: &chain, Kind: kind, BonusEligible: bonus}
		if city != "" {
			in.City = &city
		}
		return in
	}
	return []model.StoreInput{
		s("jyva-kallio", "Jyvä Market Kallio", "Jyvä Market", model.StoreKindGrocery, "Helsinki", true),
		s("jyva-itakeskus", "Jyvä Super Itäkeskus", "Jyvä Super", model.StoreKindGrocery, "Helsinki", true),
		s("jyva-tapiola", "Jyvä Market Tapiola", "Jyvä Market", model.StoreKindGrocery, "Espoo", true),
		s("jyva-hervanta", "Jyvä Super Hervanta", "Jyvä Super", model.StoreKindGrocery, "Tampere", true),
		s("jyva-turku", "Jyvä Mini Turku Keskusta", "Jyvä Mini", model.StoreKindGrocery, "Turku", true),
		s("jyva-linnanmaa", "Jyvä Market Linnanmaa", "Jyvä Market", model.StoreKindGrocery, "Oulu", true),
		s("jyva-kuopio", "Jyvä Super Kuopio", "Jyvä Super", model.StoreKindGrocery, "Kuopio", true),
		s(storeOnline, "Jyvä Verkkokauppa", "Jyvä Verkkokauppa", model.StoreKindOnline, "", true),
		s(storeRestaurant, "Ravintola Kaisla", "Kaisla Ravintolat", model.StoreKindRestaurant, "Helsinki", true),
		s(storeHotel, "Hotelli Revontuli Tampere", "Revontuli Hotellit", model.StoreKindHotel, "Tampere", true),
		s(storeFuel, "Jyvä Energia Kehä III", "Jyvä Energia", model.StoreKindFuel, "Vantaa", true),
		s(storeDepartment, "Tavaratalo Kulma Helsinki", "Kulma", model.StoreKindDepartment, "Helsinki", true),
		s(storePartner, "Kirjakauppa Sivu", "Sivu (partner)", model.StoreKindDepartment, "Helsinki", false),
	}
}
