package model

import "time"

// Receipt is one purchase. ID is the opaque public id; OwnerID and Seq are
// internal and never leave the server.
type Receipt struct {
	ID                 string
	OwnerID            string
	Seq                int64
	PurchasedAt        time.Time
	StoreID            string
	TotalCents         int
	BonusEligibleCents int
	Currency           string
	LineCount          int
	// LinesStored is how many lines were kept (0 when product-level data
	// was not collected for the owner at purchase time).
	LinesStored   int
	WarrantyUntil *Date
	// Store is filled when the query that read the receipt joined it.
	Store *Store
	// LinesAllowed is whether the owner's PRODUCT_LEVEL_DATA is granted now:
	// the storage reads it with the receipt, so the lines resolver can refuse
	// without another query.
	LinesAllowed bool
	// Shared is whether the viewer is not the owner (a household read, which
	// the owner's access log records).
	Shared bool
	// Lines holds the lines when the query that read the receipt read them
	// too (LinesRead), checked and logged like any read of lines.
	Lines     []ReceiptLine
	LinesRead bool
}

// ReceiptLine is one line of a receipt.
type ReceiptLine struct {
	OwnerID        string
	ReceiptSeq     int64
	LineNo         int
	Gtin           *string
	Description    string
	Quantity       float64
	Unit           Unit
	UnitPriceCents int
	AmountCents    int
	DiscountCents  int
	WarrantyUntil  *Date
	// Product is filled when the query that read the line joined it.
	Product *Product
}

// Product is a catalog product.
type Product struct {
	Gtin             string
	Name             string
	Brand            *string
	CategoryID       string
	Origin           Origin
	OriginCountry    *string
	Unit             Unit
	NetWeightKg      *float64
	NutritionPer100g *Nutrition
	Co2eKgPerKg      *float64
	WarrantyMonths   *int
	// Category is filled when the query that read the product joined it.
	Category *Category
}

// Category is a product category of the reference data.
type Category struct {
	ID               string
	NameFi           string
	NameSv           string
	NameEn           string
	Group            string
	FruitOrVegetable bool
}

// Name returns the category's name in lang (fi, sv or en; en otherwise).
func (c *Category) Name(lang *string) string {
	switch {
	case lang != nil && *lang == "fi":
		return c.NameFi
	case lang != nil && *lang == "sv":
		return c.NameSv
	default:
		return c.NameEn
	}
}

// NonFoodGroup is the category group whose lines are not food.
const NonFoodGroup = "non_food"
