package model

import "time"

// Insights is the answer of the insights query. The totals are filled when
// it is made; the product-level parts are resolved lazily, each behind the
// consent gate, from the rollups of the members in CoveredIDs.
type Insights struct {
	From           Date
	To             Date
	Scope          InsightScope
	MembersCounted int
	MembersCovered int
	SpendCents     int
	ReceiptCount   int
	// CountedIDs are the members whose totals are counted; CoveredIDs those
	// whose product-level data may be used. Internal, never exposed.
	CountedIDs []string
	CoveredIDs []string
	// ViewerID is the member asking.
	ViewerID string
	// Sums are the covered members' product-level sums, read once by the
	// insights query for every field that needs them; nil when no field
	// does or no member is covered.
	Sums *InsightSums
}

// CategoryInsight is spend, weight and CO2e of one category.
type CategoryInsight struct {
	CategoryID string
	SpendCents int
	WeightKg   *float64
	Co2eKg     *float64
	// Category is filled by the resolver from the sums' category info, so
	// that graph's fast path writes it without the loader; nil means ask the
	// resolver of the field.
	Category *Category
}

// CategorySource is how much of a nutrient comes from one category.
type CategorySource struct {
	CategoryID string
	Amount     float64
	Share      *float64
}

// ProductSource is how much of a nutrient comes from one product.
type ProductSource struct {
	Gtin   string
	Amount float64
	Share  *float64
}

// ShoppingListItem is one product the member buys regularly.
type ShoppingListItem struct {
	Gtin                string
	TimesBought         int
	LastBoughtAt        time.Time
	TypicalIntervalDays float64
	NextDueAt           time.Time
	TypicalQuantity     float64
}

// NutritionInsight is nutrient sums over the covered food lines. Insights
// points back to the query, so topSources can look at the same members and
// range.
type NutritionInsight struct {
	EnergyKj      float64
	ProteinG      float64
	FatG          float64
	SaturatedFatG float64
	CarbohydrateG float64
	SugarsG       float64
	FibreG        float64
	SaltG         float64
	EnergyShare   *EnergyShare
	Coverage      *float64
	Reference     *NutritionReference
	Insights      *Insights
}
