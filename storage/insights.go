package storage

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
)

// InsightsQuery asks for the sums behind the insights of a member over the
// local dates [From, To], both inclusive.
type InsightsQuery struct {
	// Viewer is the member asking. The members counted are the viewer, or
	// with Household the viewer and every member visible to them under
	// rule 5 (visible_owners, evaluated in the same transaction).
	Viewer    string
	Household bool
	// Owners, when set, are the members counted instead of the viewer's:
	// for tools, tests and the benchmark.
	Owners   []string
	From, To model.Date
	// Months asks for the product-level sums per month (totals, byMonth);
	// Categories for those per category (byCategory), with the nutrients
	// when Nutrients is set too (topSources).
	Months, Categories, Nutrients bool
	// FromLines computes everything straight from the receipts and lines
	// of the range, without the rollups: the reference the tests compare
	// the rollups with, and the baseline of the benchmark.
	FromLines bool
	// Log, when set, is the access event (Owner left empty) recorded in
	// the access log of every covered member other than the viewer when
	// their product-level sums are read (rule 7): in the same transaction
	// and the same round trip as the read, so no read goes unlogged.
	Log *Access
}

// InsightsResult is what Insights found.
type InsightsResult struct {
	// Counted are the members whose totals count; Covered those of them
	// whose PRODUCT_LEVEL_DATA is granted now: only their lines are in Sums.
	Counted, Covered []string
	SpendCents       int
	ReceiptCount     int
	// Sums is nil unless Months or Categories was asked for and some member
	// is covered.
	Sums *model.InsightSums
}

// Insights reads the sums of an insights query. One statement finds the
// members counted and which of them are covered (their PRODUCT_LEVEL_DATA
// consent is checked here, where the lines are read), with q.Log records
// the read in the covered members' access logs (read-write then, so on the
// primary), and returns the versions of their sums. When the answer kept
// under those versions is there (insights_cache.go), that is all: the
// statement and the scope before it go in one round trip, in one implicit
// transaction, committed (so the access events are durable) before the
// answer is returned. Otherwise a REPEATABLE READ transaction runs the
// statement again (logging only members the first one did not) and, in
// the same snapshot, one batch reads the receipt totals and the covered
// members' product-level sums. Whole months and years come from the
// rollups, the days of partial edge months from the lines
// (insights.SplitSince, told the counted members' first purchase, before
// which there is nothing to read), so the work does not grow with the
// length of the range.
func (db *DB) Insights(ctx context.Context, q InsightsQuery) (*InsightsResult, error) {
	now := db.Now()
	var logged []string
	if db.insights.enabled() && !q.FromLines {
		m, err := db.keptInsights(ctx, q, now)
		if err != nil {
			return nil, err
		}
		if res, ok := db.insights.get(m.key); ok {
			return res, nil
		}
		logged = m.fresh.Covered
	}
	today := model.DateOf(now, db.cfg.Location)
	sql, args := db.insightMembersSQL(ctx, q, now, logged)
	var m *insightMembers
	// One snapshot for every statement: the versions an answer is kept
	// under are those of the data it was read from.
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	if q.Log != nil {
		opts.AccessMode = pgx.ReadWrite
	}
	err := db.inTx(ctx, db.insightsPool(q), opts, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, sql, args...)
		var err error
		if m, err = scanInsightMembers(rows, q); err != nil {
			return err
		}
		plan := insights.SplitSince(q.From, q.To, m.since, today)
		if q.FromLines {
			none := insights.MonthOf(q.From)
			plan = insights.Plan{FirstMonth: none, EndMonth: none, Add: []insights.DayRange{{From: q.From, To: q.To}},
				Categories: insights.YearPlan{FirstYear: none, EndYear: none}}
		}
		return db.readSums(ctx, tx, q, plan, m.fresh, m.catalog)
	})
	if err != nil {
		return nil, err
	}
	db.insights.put(m.key, m.fresh)
	return m.fresh, nil
}

// keptInsights runs the members statement of q alone, after the scope
// statement, as one batch: one round trip and one implicit transaction,
// committed when the batch ends.
func (db *DB) keptInsights(ctx context.Context, q InsightsQuery, now time.Time) (*insightMembers, error) {
	b := &pgx.Batch{}
	scope, args, err := db.scopeStatement(ctx)
	if err != nil {
		return nil, err
	}
	if scope != "" {
		b.Queue(scope, args...)
	}
	var m *insightMembers
	sql, args := db.insightMembersSQL(ctx, q, now, nil)
	b.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
		m, err = scanInsightMembers(rows, q)
		return err
	})
	if err := mapError(db.insightsPool(q).SendBatch(ctx, b).Close()); err != nil {
		return nil, err
	}
	return m, nil
}

// insightsPool is where q runs: the primary when it records the read
// (q.Log), else the read pool (a replica when there is one).
func (db *DB) insightsPool(q InsightsQuery) *pgxpool.Pool {
	if q.Log != nil {
		return db.pool
	}
	return db.read
}

// insightMembers is what the members statement of an insights query found.
type insightMembers struct {
	fresh   *InsightsResult // Counted and Covered; the sums still to read
	key     *insightsKey
	since   model.Date // the counted members' first purchase
	catalog int64
}

// scanInsightMembers reads the rows of the members statement of q.
func scanInsightMembers(rows pgx.Rows, q InsightsQuery) (*insightMembers, error) {
	m := &insightMembers{fresh: &InsightsResult{Counted: []string{}, Covered: []string{}}, key: newInsightsKey(q), catalog: -1}
	var id string
	var covered bool
	var first pgtype.Date
	var version *int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &covered, &first, &version, &m.catalog}, func() error {
		m.fresh.Counted = append(m.fresh.Counted, id)
		if covered {
			m.fresh.Covered = append(m.fresh.Covered, id)
		}
		m.key.member(id, version, covered)
		if d := model.DateOf(first.Time, time.UTC); first.Valid && (m.since.IsZero() || d.Before(m.since)) {
			m.since = d
		}
		return nil
	}); err != nil {
		return nil, err
	}
	m.key.catalog(m.catalog)
	return m, nil
}

// insightMembersSQL returns the statement that lists the members q counts,
// each with whether their PRODUCT_LEVEL_DATA is granted now, their first
// purchase, their sums version and the catalog's version, and records q.Log
// for the covered members other than the viewer, and other than those in
// logged (whose access events for this read are recorded already), when
// the query reads product-level sums; and its arguments.
func (db *DB) insightMembersSQL(ctx context.Context, q InsightsQuery, now time.Time, logged []string) (string, []any) {
	members, arg := db.countedSQL(ctx, q)
	args := []any{arg, now}
	logging := ""
	if q.Log != nil && (q.Months || q.Categories) {
		// The access event of a household member names them by first name,
		// as the owner knows them.
		logging = `, logged AS (
			INSERT INTO access_events (customer_id, at, actor_kind, actor_id, actor_name, resource, purpose)
			SELECT o, $2, $3, $4, coalesce($5, CASE WHEN $3 = 'HOUSEHOLD_MEMBER'
					THEN (SELECT split_part(x.name, ' ', 1) FROM members x WHERE x.customer_id = $4) END), $6, $7
			FROM m WHERE covered AND o <> $8 AND o <> ALL($9::text[]))`
		l := q.Log
		if logged == nil {
			logged = []string{}
		}
		args = append(args, string(l.ActorKind), l.ActorID, l.ActorName, l.Resource, l.Purpose, q.Viewer, logged)
	}
	return `WITH m AS (` + members + `)` + logging + `
		SELECT o, covered, (SELECT min(purchased_on) FROM receipts WHERE customer_id = o),
			(SELECT sums_version FROM members WHERE customer_id = o), (SELECT version FROM catalog_version)
		FROM m ORDER BY o`, args
}

// countedSQL returns the statement that lists the members q counts (o),
// each with whether their PRODUCT_LEVEL_DATA is granted at $2 (covered),
// and its $1.
// In HOUSEHOLD scope they are visible_owners(viewer, now). A member-scope
// transaction of the viewer has that set already: row-level security works
// it out with the same function once per transaction (rls_visible, at the
// clock reading of the transaction's scope statement), so it is taken from
// there instead of being computed a second time.
func (db *DB) countedSQL(ctx context.Context, q InsightsQuery) (string, any) {
	switch {
	case q.Owners != nil:
		return `SELECT o, ` + productLevelSQL("o", "$2") + ` AS covered FROM unnest($1::text[]) o`, q.Owners
	case !q.Household:
		return `SELECT o, ` + productLevelSQL("o", "$2") + ` AS covered FROM (SELECT $1::text) v(o)`, q.Viewer
	}
	if id, ok := memberScope(ctx); ok && id == q.Viewer && !db.cfg.WithoutRowSecurity {
		return `SELECT o, ` + productLevelSQL("o", "$2") + ` AS covered
			FROM unnest((SELECT rls_visible())::text[]) o WHERE (SELECT rls_member()) = $1`, q.Viewer
	}
	return `SELECT o, ` + productLevelSQL("o", "$2") + ` AS covered FROM visible_owners($1, $2) o`, q.Viewer
}

// readSums sends the queries the plan needs as one batch and folds their
// answers into res.
func (db *DB) readSums(ctx context.Context, tx pgx.Tx, q InsightsQuery, plan insights.Plan, res *InsightsResult, catalog int64) error {
	b := &pgx.Batch{}
	b.Queue(totalsSQL, append(append(append([]any{res.Counted}, monthArgs(plan.FirstMonth, plan.EndMonth)...),
		dayArgs(plan.Add)...), dayArgs(plan.Sub)...)...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&res.ReceiptCount, &res.SpendCents)
	})
	if (q.Months || q.Categories) && len(res.Covered) > 0 {
		res.Sums = model.NewInsightSums()
		db.queueProductSums(b, q, plan, res.Covered, res.Sums, catalog)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	if res.Sums != nil {
		res.Sums.Finish()
	}
	return nil
}

// queueProductSums queues the queries of the covered members' product-level
// sums that q asks for.
func (db *DB) queueProductSums(b *pgx.Batch, q InsightsQuery, plan insights.Plan, covered []string, s *model.InsightSums, catalog int64) {
	// The categories as the catalog has them now: whether their lines are
	// food, fruit or vegetables, and their names for the response. Kept
	// per catalog version, so read only when the catalog has changed.
	if kept, ok := db.insights.categories(catalog); ok {
		s.CategoryInfo = kept
	} else {
		var cat model.Category
		b.Queue(`SELECT category_id, name_fi, name_sv, name_en, grp, fruit_or_vegetable FROM categories`).Query(
			func(rows pgx.Rows) error {
				_, err := pgx.ForEachRow(rows, categoryTargets(&cat), func() error {
					c := cat
					s.CategoryInfo[c.ID] = &c
					return nil
				})
				if err == nil {
					db.insights.keepCategories(catalog, s.CategoryInfo)
				}
				return err
			})
	}
	whole := plan.FirstMonth.Before(plan.EndMonth)
	if q.Months && whole {
		b.Queue(monthsSQL, append([]any{covered}, monthArgs(plan.FirstMonth, plan.EndMonth)...)...).Query(
			func(rows pgx.Rows) error { return scanMonths(rows, s) })
	}
	if q.Categories && whole {
		cp := plan.Categories
		args := append(append(append([]any{covered}, monthArgs(cp.FirstYear, cp.EndYear)...),
			monthRangeArgs(cp.Add)...), monthRangeArgs(cp.Sub)...)
		b.Queue(categoriesSQL(q.Nutrients), args...).Query(
			func(rows pgx.Rows) error { return scanCategories(rows, s, q.Nutrients) })
	}
	// The days to add and to subtract lie in different months (each edge
	// month is either read by its days or taken whole less some), and there
	// are at most two ranges in all: one query reads their lines, and the
	// month says the sign.
	if days := append(append([]insights.DayRange{}, plan.Add...), plan.Sub...); len(days) > 0 {
		minus := map[model.Date]bool{}
		for _, r := range plan.Sub {
			minus[insights.MonthOf(r.From)] = true
		}
		b.Queue(edgeLinesSQL, append([]any{covered}, dayArgs(days)...)...).Query(
			func(rows pgx.Rows) error { return foldLines(rows, s, q, minus) })
	}
}

// monthArgs returns the months [from, end) as two date arguments.
func monthArgs(from, end model.Date) []any { return []any{from.UTCMidnight(), end.UTCMidnight()} }

// monthRangeArgs returns two month ranges as four date arguments, NULL for
// a range that is not there.
func monthRangeArgs(ranges []insights.MonthRange) []any {
	args := []any{(*time.Time)(nil), (*time.Time)(nil), (*time.Time)(nil), (*time.Time)(nil)}
	for i, r := range ranges {
		from, end := r.From.UTCMidnight(), r.End.UTCMidnight()
		args[2*i], args[2*i+1] = &from, &end
	}
	return args
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

// categoriesSQL reads the category rollups of the whole months as
// insights.YearPlan covers them: the years $2-$3 from the yearly rows, plus
// the months $4-$5 and $6-$7, minus the months $8-$9 and $10-$11 from the
// monthly ones; each category's sums come twice, added and subtracted. It
// sums what CategorySums.PerCategory keeps, in scanCategories' order.
func categoriesSQL(nutrients bool) string {
	cols := `sum(line_count)::int8, sum(spend_cents)::int8, sum(weight_kg), sum(weighed_lines)::int8,
		sum(co2e_kg), sum(co2e_lines)::int8`
	if nutrients {
		cols += `, sum(energy_kj), sum(protein_g), sum(fat_g), sum(saturated_fat_g), sum(carbohydrate_g),
			sum(sugars_g), sum(fibre_g), sum(salt_g)`
	}
	return `
	SELECT category_id, sign, ` + cols + ` FROM (
		SELECT 1 AS sign, * FROM category_year_rollups
		WHERE customer_id = ANY($1) AND year >= $2 AND year < $3
		UNION ALL
		SELECT 1, * FROM category_month_rollups
		WHERE customer_id = ANY($1) AND month >= $4 AND month < $5
		UNION ALL
		SELECT 1, * FROM category_month_rollups
		WHERE customer_id = ANY($1) AND month >= $6 AND month < $7
		UNION ALL
		SELECT -1, * FROM category_month_rollups
		WHERE customer_id = ANY($1) AND month >= $8 AND month < $9
		UNION ALL
		SELECT -1, * FROM category_month_rollups
		WHERE customer_id = ANY($1) AND month >= $10 AND month < $11) r
	GROUP BY category_id, sign`
}

func scanCategories(rows pgx.Rows, s *model.InsightSums, nutrients bool) error {
	var id string
	var sign int
	var c model.CategorySums
	n := &c.Nutrients
	targets := []any{&id, &sign, &c.Lines, &c.SpendCents, &c.WeightKg, &c.WeighedLines, &c.Co2eKg, &c.Co2eLines}
	if nutrients {
		targets = append(targets, &n.EnergyKj, &n.ProteinG, &n.FatG, &n.SaturatedFatG, &n.CarbohydrateG,
			&n.SugarsG, &n.FibreG, &n.SaltG)
	}
	_, err := pgx.ForEachRow(rows, targets, func() error {
		if sign < 0 {
			c = c.Neg()
		}
		s.Category(id).Add(c)
		return nil
	})
	return err
}

// edgeLinesSQL reads the covered members' lines of the days $2-$3 and $4-$5
// with their products' facts, for insights.Line. The two ranges are rows
// of a VALUES list, not two BETWEENs ORed: with a NULL range (there is
// often only one) the planner found each execution's own plan cheaper than
// the cached one and planned the statement on every request.
const edgeLinesSQL = `
	SELECT l.purchased_on, coalesce(p.category_id, ''), l.amount_cents, l.unit, l.quantity::float8,
		p.net_weight_kg, p.co2e_kg_per_kg, coalesce(p.origin, ''),
		p.energy_kj, p.protein, p.fat, p.saturated_fat, p.carbohydrate, p.sugars, p.fibre, p.salt
	FROM (VALUES ($2::date, $3::date), ($4::date, $5::date)) d(first, last)
	JOIN receipts r ON r.customer_id = ANY($1) AND r.purchased_on BETWEEN d.first AND d.last
	JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq
	LEFT JOIN products p ON p.gtin = l.gtin`

// foldLines folds the lines of edgeLinesSQL into s by month and by category,
// subtracting those of the months in minus. The categories of s must be
// loaded: they say which lines are food.
func foldLines(rows pgx.Rows, s *model.InsightSums, q InsightsQuery, minus map[model.Date]bool) error {
	var day time.Time
	var cat string
	var l insights.Line
	var weight, co2e pgtype.Float8
	var nut [8]pgtype.Float8
	targets := []any{&day, &cat, &l.AmountCents, &l.Unit, &l.Quantity, &weight, &co2e, &l.Origin}
	for i := range nut {
		targets = append(targets, &nut[i])
	}
	_, err := pgx.ForEachRow(rows, targets, func() error {
		l.NetWeightKg, l.Co2eKgPerKg, l.Per100g = floatPtr(weight), floatPtr(co2e), nil
		if nut[0].Valid {
			l.Per100g = &model.NutrientSums{EnergyKj: nut[0].Float64, ProteinG: nut[1].Float64, FatG: nut[2].Float64,
				SaturatedFatG: nut[3].Float64, CarbohydrateG: nut[4].Float64, SugarsG: nut[5].Float64,
				FibreG: nut[6].Float64, SaltG: nut[7].Float64}
		}
		c := l.Sums()
		m := insights.MonthOf(model.DateOf(day, time.UTC))
		if minus[m] {
			c = c.Neg()
		}
		if q.Months {
			info := s.CategoryInfo[cat]
			s.Month(m).AddCategory(c, info.IsFood(), info != nil && info.FruitOrVegetable)
		}
		if q.Categories {
			s.Category(cat).Add(c.PerCategory(q.Nutrients))
		}
		return nil
	})
	return err
}

func floatPtr(f pgtype.Float8) *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Float64
	return &v
}

// categoryTargets scans a categories row.
func categoryTargets(c *model.Category) []any {
	return []any{&c.ID, &c.NameFi, &c.NameSv, &c.NameEn, &c.Group, &c.FruitOrVegetable}
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
				WHERE `+productLevelSQL("o", "$4")+` AND p.energy_kj IS NOT NULL
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
