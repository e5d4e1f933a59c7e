package storage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
)

// InsightsQuery asks for the sums behind the insights of Owners (the
// members whose totals count: the viewer, or the household members visible
// to them) over the local dates [From, To], both inclusive.
type InsightsQuery struct {
	Owners   []string
	From, To model.Date
	// Months asks for the product-level sums per month (totals, byMonth);
	// Categories for those per category (byCategory, topSources).
	Months, Categories bool
	// FromLines computes everything straight from the receipts and lines
	// of the range, without the rollups: the reference the tests compare
	// the rollups with, and the baseline of the benchmark.
	FromLines bool
}

// InsightsResult is what Insights found.
type InsightsResult struct {
	// Covered are the owners whose PRODUCT_LEVEL_DATA is granted now: only
	// their lines are in Sums.
	Covered      []string
	SpendCents   int
	ReceiptCount int
	// Sums is nil unless Months or Categories was asked for and some owner
	// is covered.
	Sums *model.InsightSums
}

// Insights reads the sums of an insights query in one read-only
// transaction and one round trip after the consent check: receipt totals
// of all owners, and product-level sums of the covered ones, whose
// PRODUCT_LEVEL_DATA consent is checked here, where the lines are read.
// Full months and years come from the rollups, the days of partial edge
// months from the lines (insights.Split), so the work does not grow with
// the length of the range.
func (db *DB) Insights(ctx context.Context, q InsightsQuery) (*InsightsResult, error) {
	plan := insights.Split(q.From, q.To, model.DateOf(db.Now(), db.cfg.Location))
	if q.FromLines {
		none := insights.MonthOf(q.From)
		plan = insights.Plan{FirstMonth: none, EndMonth: none, FirstYear: none, EndYear: none,
			Add: []insights.DayRange{{From: q.From, To: q.To}}}
	}
	res := &InsightsResult{}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		*res = InsightsResult{}
		rows, _ := tx.Query(ctx, `
			SELECT o FROM unnest($1::text[]) o
			WHERE consent_granted(o, 'PRODUCT_LEVEL_DATA', $2) ORDER BY o`, q.Owners, db.Now())
		covered, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		res.Covered = covered
		return db.readSums(ctx, tx, q, plan, res)
	})
	return res, err
}

// readSums sends the queries the plan needs as one batch and folds their
// answers into res.
func (db *DB) readSums(ctx context.Context, tx pgx.Tx, q InsightsQuery, plan insights.Plan, res *InsightsResult) error {
	months := []any{plan.FirstMonth.UTCMidnight(), plan.EndMonth.UTCMidnight()}
	years := []any{plan.FirstYear.UTCMidnight(), plan.EndYear.UTCMidnight()}
	// The full months outside the full years: before them and after them
	// (both empty ranges when there are no full years but one).
	outside := []any{plan.FirstMonth.UTCMidnight(), plan.FirstYear.UTCMidnight(),
		plan.EndYear.UTCMidnight(), plan.EndMonth.UTCMidnight()}
	if !plan.FirstYear.Before(plan.EndYear) {
		outside = []any{plan.FirstMonth.UTCMidnight(), plan.EndMonth.UTCMidnight(),
			plan.EndMonth.UTCMidnight(), plan.EndMonth.UTCMidnight()}
	}
	add, sub := dayArgs(plan.Add), dayArgs(plan.Sub)
	b := &pgx.Batch{}
	b.Queue(totalsSQL, append(append(append([]any{q.Owners}, months...), add...), sub...)...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&res.ReceiptCount, &res.SpendCents)
	})
	product := (q.Months || q.Categories) && len(res.Covered) > 0
	if product {
		res.Sums = model.NewInsightSums()
		s := res.Sums
		if q.Months && plan.FirstMonth.Before(plan.EndMonth) {
			b.Queue(monthsSQL, append([]any{res.Covered}, months...)...).Query(func(rows pgx.Rows) error {
				return scanMonths(rows, s)
			})
		}
		if q.Categories && plan.FirstMonth.Before(plan.EndMonth) {
			b.Queue(categoriesSQL, append(append([]any{res.Covered}, years...), outside...)...).Query(func(rows pgx.Rows) error {
				return scanCategories(rows, s)
			})
		}
		for _, part := range []struct {
			days  []insights.DayRange
			args  []any
			minus bool
		}{{plan.Add, add, false}, {plan.Sub, sub, true}} {
			if len(part.days) > 0 {
				b.Queue(partialSQL, append([]any{res.Covered}, part.args...)...).Query(func(rows pgx.Rows) error {
					return scanPartial(rows, s, q.Months, q.Categories, part.minus)
				})
			}
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	if res.Sums != nil {
		res.Sums.DropEmpty()
	}
	return nil
}

// dayArgs returns two day ranges as four date arguments, NULL for a range
// that is not there (BETWEEN NULL AND NULL matches nothing).
func dayArgs(ranges []insights.DayRange) []any {
	args := make([]any, 4)
	for i, r := range ranges {
		from, to := r.From.UTCMidnight(), r.To.UTCMidnight()
		args[2*i], args[2*i+1] = &from, &to
	}
	for i, a := range args {
		if a == nil {
			args[i] = (*time.Time)(nil)
		}
	}
	return args
}

// totalsSQL counts the receipts and their totals: whole months from the
// rollups ($2, $3), plus the receipts of the days $4-$5 and $6-$7, minus
// those of $8-$9 and $10-$11.
const totalsSQL = `
	SELECT coalesce(sum(n), 0)::int8, coalesce(sum(c), 0)::int8 FROM (
		SELECT receipt_count AS n, spend_cents AS c FROM receipt_month_rollups
		WHERE customer_id = ANY($1) AND month >= $2 AND month < $3
		UNION ALL
		SELECT 1, total_cents FROM receipts
		WHERE customer_id = ANY($1) AND purchased_on BETWEEN $4 AND $5
		UNION ALL
		SELECT 1, total_cents FROM receipts
		WHERE customer_id = ANY($1) AND purchased_on BETWEEN $6 AND $7
		UNION ALL
		SELECT -1, -total_cents FROM receipts
		WHERE customer_id = ANY($1) AND purchased_on BETWEEN $8 AND $9
		UNION ALL
		SELECT -1, -total_cents FROM receipts
		WHERE customer_id = ANY($1) AND purchased_on BETWEEN $10 AND $11) t`

// categoryColumns are the sums of a CategorySums, in categoryTargets order.
const categoryColumns = `sum(line_count)::int8, sum(spend_cents)::int8, sum(weight_kg), sum(weighed_lines)::int8,
	sum(co2e_kg), sum(co2e_lines)::int8, sum(co2e_spend_cents)::int8,
	sum(domestic_raw_cents)::int8, sum(domestic_manufactured_cents)::int8, sum(imported_cents)::int8,
	sum(energy_kj), sum(protein_g), sum(fat_g), sum(saturated_fat_g), sum(carbohydrate_g),
	sum(sugars_g), sum(fibre_g), sum(salt_g), sum(nutrition_spend_cents)::int8`

func categoryTargets(c *model.CategorySums) []any {
	n := &c.Nutrients
	return []any{&c.Lines, &c.SpendCents, &c.WeightKg, &c.WeighedLines, &c.Co2eKg, &c.Co2eLines, &c.Co2eSpendCents,
		&c.Origin.DomesticRawMaterialsCents, &c.Origin.DomesticManufacturedCents, &c.Origin.ImportedCents,
		&n.EnergyKj, &n.ProteinG, &n.FatG, &n.SaturatedFatG, &n.CarbohydrateG, &n.SugarsG, &n.FibreG, &n.SaltG,
		&c.NutritionSpendCents}
}

// monthsSQL reads the month rollups of the full months, summed over the
// covered members.
const monthsSQL = `
	SELECT month, sum(line_count)::int8, sum(spend_cents)::int8, sum(food_lines)::int8, sum(food_spend_cents)::int8,
		sum(fruit_veg_kg), sum(fruit_veg_spend_cents)::int8, sum(co2e_kg), sum(co2e_lines)::int8,
		sum(co2e_spend_cents)::int8, sum(domestic_raw_cents)::int8, sum(domestic_manufactured_cents)::int8,
		sum(imported_cents)::int8, sum(energy_kj), sum(protein_g), sum(fat_g), sum(saturated_fat_g),
		sum(carbohydrate_g), sum(sugars_g), sum(fibre_g), sum(salt_g), sum(nutrition_spend_cents)::int8
	FROM line_month_rollups
	WHERE customer_id = ANY($1) AND month >= $2 AND month < $3
	GROUP BY month`

func scanMonths(rows pgx.Rows, s *model.InsightSums) error {
	var month time.Time
	var p model.PeriodSums
	n := &p.Nutrients
	_, err := pgx.ForEachRow(rows, []any{&month, &p.Lines, &p.SpendCents, &p.FoodLines, &p.FoodSpendCents,
		&p.FruitVegKg, &p.FruitVegSpendCents, &p.Co2eKg, &p.Co2eLines, &p.Co2eSpendCents,
		&p.Origin.DomesticRawMaterialsCents, &p.Origin.DomesticManufacturedCents, &p.Origin.ImportedCents,
		&n.EnergyKj, &n.ProteinG, &n.FatG, &n.SaturatedFatG, &n.CarbohydrateG, &n.SugarsG, &n.FibreG, &n.SaltG,
		&p.NutritionSpendCents}, func() error {
		s.Month(model.DateOf(month, time.UTC)).Add(p)
		return nil
	})
	return err
}

// categoriesSQL reads the category rollups of the full periods: whole years
// ($2, $3) from the yearly rows, the full months before ($4, $5) and after
// ($6, $7) them from the monthly ones, with each category as the catalog has
// it now.
const categoriesSQL = `
	WITH s AS (
		SELECT category_id, ` + categoryColumns + ` FROM (
			SELECT * FROM category_year_rollups
			WHERE customer_id = ANY($1) AND year >= $2 AND year < $3
			UNION ALL
			SELECT * FROM category_month_rollups
			WHERE customer_id = ANY($1) AND month >= $4 AND month < $5
			UNION ALL
			SELECT * FROM category_month_rollups
			WHERE customer_id = ANY($1) AND month >= $6 AND month < $7) r
		GROUP BY category_id)
	SELECT s.*, k.name_fi, k.name_sv, k.name_en, k.grp, k.fruit_or_vegetable
	FROM s LEFT JOIN categories k ON k.category_id = s.category_id`

func scanCategories(rows pgx.Rows, s *model.InsightSums) error {
	var id string
	var info categoryInfo
	var c model.CategorySums
	_, err := pgx.ForEachRow(rows, append(append([]any{&id}, categoryTargets(&c)...), info.targets()...), func() error {
		s.Category(id).Add(c)
		info.put(s, id)
		return nil
	})
	return err
}

// partialSQL sums the covered members' lines of the days $2-$3 and $4-$5
// per month and category, with line_sums, the formulas the rollups
// are made with. The lines reach line_sums as a column of a lateral row,
// not as a sub-select, so that PostgreSQL inlines the function and plans
// it with the rest.
const partialSQL = `
	WITH s AS (
		SELECT s.month, s.category_id, s.food, s.fruit_veg, ` + categoryColumns + `
		FROM (
			SELECT array_agg(l) AS lines FROM receipts r
			JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq
			WHERE r.customer_id = ANY($1)
			  AND (r.purchased_on BETWEEN $2 AND $3 OR r.purchased_on BETWEEN $4 AND $5)) a,
		line_sums(a.lines) s
		GROUP BY s.month, s.category_id, s.food, s.fruit_veg)
	SELECT s.*, k.name_fi, k.name_sv, k.name_en, k.grp, k.fruit_or_vegetable
	FROM s LEFT JOIN categories k ON k.category_id = s.category_id`

// scanPartial folds the rows of partialSQL into s, subtracting them when
// minus is set.
func scanPartial(rows pgx.Rows, s *model.InsightSums, months, categories, minus bool) error {
	var month time.Time
	var id string
	var food, fruitVeg bool
	var info categoryInfo
	var c model.CategorySums
	targets := append(append([]any{&month, &id, &food, &fruitVeg}, categoryTargets(&c)...), info.targets()...)
	_, err := pgx.ForEachRow(rows, targets, func() error {
		if minus {
			c = c.Neg()
		}
		if months {
			s.Month(model.DateOf(month, time.UTC)).AddCategory(c, food, fruitVeg)
		}
		if categories {
			s.Category(id).Add(c)
			info.put(s, id)
		}
		return nil
	})
	return err
}

// categoryInfo scans a category joined to sums (NULL for lines of unknown
// products).
type categoryInfo struct {
	fi, sv, en, group *string
	fruitVeg          *bool
}

func (i *categoryInfo) targets() []any { return []any{&i.fi, &i.sv, &i.en, &i.group, &i.fruitVeg} }

func (i *categoryInfo) put(s *model.InsightSums, id string) {
	if i.group == nil || s.CategoryInfo[id] != nil {
		return
	}
	s.CategoryInfo[id] = &model.Category{ID: id, NameFi: *i.fi, NameSv: *i.sv, NameEn: *i.en,
		Group: *i.group, FruitOrVegetable: *i.fruitVeg}
}

// nutrientColumns maps a nutrient to its products column (per 100 g).
var nutrientColumns = map[model.Nutrient]string{
	model.NutrientEnergy: "energy_kj", model.NutrientProtein: "protein", model.NutrientFat: "fat",
	model.NutrientSaturatedFat: "saturated_fat", model.NutrientCarbohydrate: "carbohydrate",
	model.NutrientSugars: "sugars", model.NutrientFibre: "fibre", model.NutrientSalt: "salt",
}

// NutrientProducts returns the products a nutrient comes from in the food
// lines of owners over [from, to] (only owners whose PRODUCT_LEVEL_DATA is
// granted now), the biggest amount first, then by GTIN, at most limit, each
// with its share of the nutrient over all products. Unlike the other
// insights this reads every line of the range: its cost grows with the
// range.
func (db *DB) NutrientProducts(ctx context.Context, owners []string, from, to model.Date, nutrient model.Nutrient, limit int) ([]model.ProductSource, error) {
	col, ok := nutrientColumns[nutrient]
	if !ok {
		return nil, model.InputErrorf("nutrient", "unknown nutrient %q", nutrient)
	}
	out := []model.ProductSource{}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			WITH amounts AS (
				SELECT l.gtin, sum(w.kg * 10 * p.`+col+`) AS amount
				FROM unnest($1::text[]) o
				JOIN receipts r ON r.customer_id = o AND r.purchased_on BETWEEN $2 AND $3
				JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq
				JOIN products p ON p.gtin = l.gtin
				JOIN categories k ON k.category_id = p.category_id AND k.grp <> 'non_food'
				CROSS JOIN LATERAL (SELECT CASE l.unit
					WHEN 'KG' THEN l.quantity::float8
					WHEN 'PIECE' THEN l.quantity::float8 * p.net_weight_kg END AS kg) w
				WHERE consent_granted(o, 'PRODUCT_LEVEL_DATA', $4) AND p.energy_kj IS NOT NULL
				GROUP BY l.gtin)
			SELECT gtin, amount, amount / sum(amount) OVER () FROM amounts
			WHERE amount > 0
			ORDER BY amount DESC, gtin
			LIMIT $5`, owners, from.UTCMidnight(), to.UTCMidnight(), db.Now(), limit)
		var p model.ProductSource
		var share float64
		_, err := pgx.ForEachRow(rows, []any{&p.Gtin, &p.Amount, &share}, func() error {
			s := share
			p.Share = &s
			out = append(out, p)
			return nil
		})
		return err
	})
	return out, err
}
