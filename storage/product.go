package storage

import (
	"context"
	"math"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

var gtinPattern = regexp.MustCompile(`^[0-9]{8,14}$`)

func validateProduct(p model.ProductInput) error {
	switch {
	case !gtinPattern.MatchString(p.Gtin):
		return model.InputErrorf("gtin", "8-14 digits")
	case strings.TrimSpace(p.Name) == "" || len(p.Name) > 200:
		return model.InputErrorf("name", "required, at most 200 characters")
	case !p.Origin.IsValid():
		return model.InputErrorf("origin", "unknown origin")
	case !p.Unit.IsValid():
		return model.InputErrorf("unit", "unknown unit")
	case p.NetWeightKg != nil && !(*p.NetWeightKg > 0 && *p.NetWeightKg <= 1000):
		return model.InputErrorf("netWeightKg", "must be above 0 and at most 1000")
	case p.Co2eKgPerKg != nil && !(*p.Co2eKgPerKg >= 0 && *p.Co2eKgPerKg <= 1000):
		return model.InputErrorf("co2eKgPerKg", "must be between 0 and 1000")
	case p.WarrantyMonths != nil && (*p.WarrantyMonths < 0 || *p.WarrantyMonths > 240):
		return model.InputErrorf("warrantyMonths", "must be between 0 and 240")
	}
	if n := p.NutritionPer100g; n != nil {
		if !(n.EnergyKj >= 0 && n.EnergyKj <= 4000) {
			return model.InputErrorf("nutritionPer100g.energyKj", "must be between 0 and 4000 kJ per 100 g")
		}
		for name, g := range map[string]float64{"fat": n.Fat, "saturatedFat": n.SaturatedFat,
			"carbohydrate": n.Carbohydrate, "sugars": n.Sugars, "fibre": n.Fibre, "protein": n.Protein, "salt": n.Salt} {
			if math.IsNaN(g) || g < 0 || g > 100 {
				return model.InputErrorf("nutritionPer100g."+name, "must be between 0 and 100 g per 100 g")
			}
		}
	}
	return nil
}

// productRow is a products row in the column order of the upsert.
type productArrays struct {
	gtin, name, category, origin, unit                           []string
	brand, country                                               []*string
	weight, energy, fat, satFat, carb, sugars, fibre, prot, salt []*float64
	co2e                                                         []*float64
	warranty                                                     []*int
}

func (a *productArrays) add(p model.ProductInput) {
	a.gtin, a.name, a.category = append(a.gtin, p.Gtin), append(a.name, p.Name), append(a.category, p.CategoryID)
	a.origin, a.unit = append(a.origin, string(p.Origin)), append(a.unit, string(p.Unit))
	a.brand, a.country = append(a.brand, p.Brand), append(a.country, p.OriginCountry)
	a.weight, a.co2e, a.warranty = append(a.weight, p.NetWeightKg), append(a.co2e, p.Co2eKgPerKg), append(a.warranty, p.WarrantyMonths)
	n := p.NutritionPer100g
	pick := func(f func(*model.NutritionInput) float64) *float64 {
		if n == nil {
			return nil
		}
		v := f(n)
		return &v
	}
	a.energy = append(a.energy, pick(func(n *model.NutritionInput) float64 { return n.EnergyKj }))
	a.fat = append(a.fat, pick(func(n *model.NutritionInput) float64 { return n.Fat }))
	a.satFat = append(a.satFat, pick(func(n *model.NutritionInput) float64 { return n.SaturatedFat }))
	a.carb = append(a.carb, pick(func(n *model.NutritionInput) float64 { return n.Carbohydrate }))
	a.sugars = append(a.sugars, pick(func(n *model.NutritionInput) float64 { return n.Sugars }))
	a.fibre = append(a.fibre, pick(func(n *model.NutritionInput) float64 { return n.Fibre }))
	a.prot = append(a.prot, pick(func(n *model.NutritionInput) float64 { return n.Protein }))
	a.salt = append(a.salt, pick(func(n *model.NutritionInput) float64 { return n.Salt }))
}

// UpsertProducts inserts or updates products. Items that are invalid or name
// an unknown category are rejected one by one; the rest are written
// together. Changing a product's nutrition or CO2e factor does not touch
// rollups already computed: `omadata rollups rebuild` does.
func (db *DB) UpsertProducts(ctx context.Context, in []model.ProductInput) (*model.UpsertResult, error) {
	rej := newRejections()
	var cats []string
	for i, p := range in {
		if err := validateProduct(p); err != nil {
			rej.add(i, err)
		}
		cats = append(cats, p.CategoryID)
	}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		known, err := existing(ctx, tx, `SELECT category_id FROM categories WHERE category_id = ANY($1)`, cats)
		if err != nil {
			return err
		}
		var a productArrays
		for i, p := range in {
			if rej.ok(i) && !known[p.CategoryID] {
				rej.add(i, model.InputErrorf("categoryId", "unknown category %q", p.CategoryID))
			}
			if rej.ok(i) {
				a.add(p)
			}
		}
		_, err = tx.Exec(ctx, upsertProductsSQL, a.gtin, a.name, a.brand, a.category, a.origin, a.country,
			a.unit, a.weight, a.energy, a.fat, a.satFat, a.carb, a.sugars, a.fibre, a.prot, a.salt, a.co2e, a.warranty)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rej.upsertResult(len(in)), nil
}

const upsertProductsSQL = `
INSERT INTO products (gtin, name, brand, category_id, origin, origin_country, unit, net_weight_kg,
	energy_kj, fat, saturated_fat, carbohydrate, sugars, fibre, protein, salt, co2e_kg_per_kg, warranty_months)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
	$8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::float8[],
	$15::float8[], $16::float8[], $17::float8[], $18::int[])
ON CONFLICT (gtin) DO UPDATE SET name = excluded.name, brand = excluded.brand,
	category_id = excluded.category_id, origin = excluded.origin, origin_country = excluded.origin_country,
	unit = excluded.unit, net_weight_kg = excluded.net_weight_kg, energy_kj = excluded.energy_kj,
	fat = excluded.fat, saturated_fat = excluded.saturated_fat, carbohydrate = excluded.carbohydrate,
	sugars = excluded.sugars, fibre = excluded.fibre, protein = excluded.protein, salt = excluded.salt,
	co2e_kg_per_kg = excluded.co2e_kg_per_kg, warranty_months = excluded.warranty_months, updated_at = now()`

// existing returns which of keys the query (taking them as $1) finds.
func existing(ctx context.Context, tx pgx.Tx, query string, keys []string) (map[string]bool, error) {
	rows, _ := tx.Query(ctx, query, keys)
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := make(map[string]bool, len(found))
	for _, k := range found {
		out[k] = true
	}
	return out, err
}

// productRow is the scan target of a products row.
type productRow struct {
	Gtin                                                          string
	Name                                                          string
	Brand                                                         *string
	CategoryID                                                    string
	Origin                                                        model.Origin
	OriginCountry                                                 *string
	Unit                                                          model.Unit
	NetWeightKg                                                   *float64
	EnergyKj                                                      *float64
	Fat, SaturatedFat, Carbohydrate, Sugars, Fibre, Protein, Salt *float64
	Co2eKgPerKg                                                   *float64
	WarrantyMonths                                                *int
	// The product's category (products.category_id references it).
	NameFi, NameSv, NameEn, Grp string
	FruitOrVegetable            bool
}

// product returns the row as a Product carrying its category: the API
// reads product.category as a plain field, so no per-line resolver runs.
func (r productRow) product() *model.Product {
	p := &model.Product{Gtin: r.Gtin, Name: r.Name, Brand: r.Brand, CategoryID: r.CategoryID,
		Origin: r.Origin, OriginCountry: r.OriginCountry, Unit: r.Unit, NetWeightKg: r.NetWeightKg,
		Co2eKgPerKg: r.Co2eKgPerKg, WarrantyMonths: r.WarrantyMonths,
		Category: &model.Category{ID: r.CategoryID, NameFi: r.NameFi, NameSv: r.NameSv, NameEn: r.NameEn,
			Group: r.Grp, FruitOrVegetable: r.FruitOrVegetable}}
	if r.EnergyKj != nil && r.Protein != nil {
		p.NutritionPer100g = &model.Nutrition{EnergyKj: *r.EnergyKj, Fat: deref(r.Fat),
			SaturatedFat: deref(r.SaturatedFat), Carbohydrate: deref(r.Carbohydrate), Sugars: deref(r.Sugars),
			Fibre: deref(r.Fibre), Protein: *r.Protein, Salt: deref(r.Salt)}
	}
	return p
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ProductsByGTIN loads products by GTIN (for dataloaders).
func (db *DB) ProductsByGTIN(ctx context.Context, gtins []string) (map[string]*model.Product, error) {
	out := make(map[string]*model.Product, len(gtins))
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT p.gtin, p.name, p.brand, p.category_id, p.origin, p.origin_country, p.unit, p.net_weight_kg,
				p.energy_kj, p.fat, p.saturated_fat, p.carbohydrate, p.sugars, p.fibre, p.protein, p.salt,
				p.co2e_kg_per_kg, p.warranty_months, c.name_fi, c.name_sv, c.name_en, c.grp, c.fruit_or_vegetable
			FROM products p JOIN categories c USING (category_id) WHERE p.gtin = ANY($1)`, gtins)
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[productRow])
		for _, r := range list {
			out[r.Gtin] = r.product()
		}
		return err
	})
	return out, err
}
