package servertest

import (
	"context"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// A small catalog with hand-checkable figures, for tests.
var (
	// Categories: a fruit, a vegetable (by KG), dairy, and a non-food group.
	Categories = []model.CategoryInput{
		{ID: "apples", NameFi: "Omena", NameSv: "Äpple", NameEn: "Apples", Group: "fruit_berries", FruitOrVegetable: true},
		{ID: "tomatoes", NameFi: "Tomaatti", NameSv: "Tomat", NameEn: "Tomatoes", Group: "vegetables", FruitOrVegetable: true},
		{ID: "milk", NameFi: "Maito", NameSv: "Mjölk", NameEn: "Milk", Group: "dairy"},
		{ID: "detergent", NameFi: "Pesuaine", NameSv: "Tvättmedel", NameEn: "Detergent", Group: "non_food"},
		{ID: "bread", NameFi: "Leipä", NameSv: "Bröd", NameEn: "Bread", Group: "grains"},
	}
	// Stores: one bonus-eligible grocery, one fuel station without bonus.
	Stores = []model.StoreInput{
		{ID: "s1", Name: "Market Keskusta", Chain: ptr("Market"), Kind: model.StoreKindGrocery, City: ptr("Helsinki"), BonusEligible: true},
		{ID: "s2", Name: "Fuel Kehä", Kind: model.StoreKindFuel, City: ptr("Espoo"), BonusEligible: false},
	}
	// Products, one per category plus a kettle with a warranty.
	Products = []model.ProductInput{
		{Gtin: "6400000000001", Name: "Apple Royal Gala", CategoryID: "apples", Origin: model.OriginImported, OriginCountry: ptr("PL"),
			Unit: model.UnitPiece, NetWeightKg: ptr(0.2), Co2eKgPerKg: ptr(0.3),
			NutritionPer100g: &model.NutritionInput{EnergyKj: 200, Fat: 0.1, SaturatedFat: 0, Carbohydrate: 11, Sugars: 10, Fibre: 2, Protein: 0.3, Salt: 0}},
		{Gtin: "6400000000002", Name: "Tomato", CategoryID: "tomatoes", Origin: model.OriginDomesticRawMaterials, OriginCountry: ptr("FI"),
			Unit: model.UnitKg, Co2eKgPerKg: ptr(1.4),
			NutritionPer100g: &model.NutritionInput{EnergyKj: 95, Fat: 0.3, SaturatedFat: 0.04, Carbohydrate: 3.45, Sugars: 3.35, Fibre: 1.4, Protein: 0.55, Salt: 0.01}},
		{Gtin: "6400000000003", Name: "Milk 1 l", CategoryID: "milk", Origin: model.OriginDomesticManufactured, OriginCountry: ptr("FI"),
			Unit: model.UnitPiece, NetWeightKg: ptr(1.0), Co2eKgPerKg: ptr(2.8),
			NutritionPer100g: &model.NutritionInput{EnergyKj: 190, Fat: 1.5, SaturatedFat: 1, Carbohydrate: 4.8, Sugars: 4.8, Fibre: 0, Protein: 3.4, Salt: 0.1}},
		{Gtin: "6400000000004", Name: "Kettle", CategoryID: "detergent", Origin: model.OriginImported,
			Unit: model.UnitPiece, WarrantyMonths: ptr(24)},
		// Bread without a net weight: its lines have no weight, so no CO2e
		// and no nutrients, though the product has both factors.
		{Gtin: "6400000000005", Name: "Rye bread", CategoryID: "bread", Origin: model.OriginDomesticManufactured, OriginCountry: ptr("FI"),
			Unit: model.UnitPiece, Co2eKgPerKg: ptr(1.0),
			NutritionPer100g: &model.NutritionInput{EnergyKj: 900, Fat: 2, SaturatedFat: 0.3, Carbohydrate: 40, Sugars: 2, Fibre: 12, Protein: 8, Salt: 1}},
		// Yoghurt of unknown origin and without a CO2e factor.
		{Gtin: "6400000000006", Name: "Yoghurt 0.5 kg", CategoryID: "milk", Origin: model.OriginUnknown,
			Unit: model.UnitPiece, NetWeightKg: ptr(0.5),
			NutritionPer100g: &model.NutritionInput{EnergyKj: 300, Fat: 3, SaturatedFat: 2, Carbohydrate: 5, Sugars: 5, Fibre: 0, Protein: 4, Salt: 0.1}},
	}
	// UnknownGtin is a GTIN the catalog does not have.
	UnknownGtin = "6400000000999"
)

func ptr[T any](v T) *T { return &v }

// Catalog loads the small catalog.
func (e *Env) Catalog(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	mustUpsert(t)(e.DB.UpsertCategories(ctx, Categories))
	mustUpsert(t)(e.DB.UpsertStores(ctx, Stores))
	mustUpsert(t)(e.DB.UpsertProducts(ctx, Products))
}

func mustUpsert(t testing.TB) func(*model.UpsertResult, error) {
	return func(r *model.UpsertResult, err error) {
		t.Helper()
		if err != nil || r.Rejected > 0 {
			t.Fatalf("upsert: %v %+v", err, r)
		}
	}
}

// MemberSpec describes a test member.
type MemberSpec struct {
	ID, Household string
	Role          model.HouseholdRole
	// Birth is the birth date; zero means an adult born 1980-01-01.
	Birth    time.Time
	Consents []model.ConsentChange
}

// Member enrols a member with card "card-<id>" (letters and digits only).
func (e *Env) Member(t testing.TB, s MemberSpec) {
	t.Helper()
	if s.Birth.IsZero() {
		s.Birth = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if s.Role == "" {
		s.Role = model.HouseholdRoleMain
	}
	if s.Household == "" {
		s.Household = "h-" + s.ID
	}
	b := model.DateOf(s.Birth, time.UTC)
	mustUpsert(t)(e.DB.UpsertMembers(context.Background(), []model.MemberInput{{
		CustomerID: s.ID, Name: "Name " + s.ID, Email: ptr(s.ID + "@example.fi"), BirthDate: &b,
		HouseholdID: s.Household, HouseholdRole: s.Role, CardNumbers: []string{Card(s.ID)}, InitialConsents: s.Consents,
	}}))
}

// Card is the card number Member gives a member.
func Card(customerID string) string { return "9246" + onlyAlnum(customerID) }

func onlyAlnum(s string) string {
	out := []rune{}
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			out = append(out, r)
		}
	}
	return string(out)
}

// Receipt is a receipt of the customer at s1, bought at `at`, with one line
// per product of the catalog given as (gtin, quantity, unit price).
func Receipt(customerID, externalID string, at time.Time, lines ...model.LineInput) model.ReceiptInput {
	total := 0
	for i := range lines {
		if lines[i].AmountCents == 0 {
			lines[i].AmountCents = int(lines[i].Quantity*float64(lines[i].UnitPriceCents) + 0.5)
		}
		total += lines[i].AmountCents
	}
	return model.ReceiptInput{Source: "pos-s1", ExternalID: externalID, CardNumber: Card(customerID), StoreID: "s1",
		PurchasedAt: at, TotalCents: total, BonusEligibleCents: total, Lines: lines}
}

// Line is a line of a product of the catalog.
func Line(gtin string, qty float64, unit model.Unit, unitPriceCents int) model.LineInput {
	return model.LineInput{Gtin: ptr(gtin), Description: "item " + gtin, Quantity: qty, Unit: unit, UnitPriceCents: unitPriceCents}
}

// Ingest ingests receipts and fails the test on any rejection.
func (e *Env) Ingest(t testing.TB, rs ...model.ReceiptInput) *model.IngestResult {
	t.Helper()
	res, err := e.DB.IngestReceipts(context.Background(), rs)
	if err != nil || res.Rejected > 0 {
		t.Fatalf("ingest: %v %+v", err, res)
	}
	return res
}
