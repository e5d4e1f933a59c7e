package resolvers_test

const partialSQLx = `
	WITH s AS (
		SELECT s.month, s.category_id, s.food, s.fruit_veg, ` + categoryColumnsx + `
		FROM (
			SELECT array_agg(l) AS lines FROM receipts r
			JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq
			WHERE r.customer_id = ANY($1)
			  AND (r.purchased_on BETWEEN $2 AND $3 OR r.purchased_on BETWEEN $4 AND $5)) a,
		line_sums(a.lines) s
		GROUP BY s.month, s.category_id, s.food, s.fruit_veg)
	SELECT s.*, k.name_fi, k.name_sv, k.name_en, k.grp, k.fruit_or_vegetable
	FROM s LEFT JOIN categories k ON k.category_id = s.category_id`
const categoriesSQLx = `
	WITH s AS (
		SELECT category_id, ` + categoryColumnsx + ` FROM (
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
const monthsSQLx = `
	SELECT month, sum(line_count)::int8, sum(spend_cents)::int8, sum(food_lines)::int8, sum(food_spend_cents)::int8,
		sum(fruit_veg_kg), sum(fruit_veg_spend_cents)::int8, sum(co2e_kg), sum(co2e_lines)::int8,
		sum(co2e_spend_cents)::int8, sum(domestic_raw_cents)::int8, sum(domestic_manufactured_cents)::int8,
		sum(imported_cents)::int8, sum(energy_kj), sum(protein_g), sum(fat_g), sum(saturated_fat_g),
		sum(carbohydrate_g), sum(sugars_g), sum(fibre_g), sum(salt_g), sum(nutrition_spend_cents)::int8
	FROM line_month_rollups
	WHERE customer_id = ANY($1) AND month >= $2 AND month < $3
	GROUP BY month`
const totalsSQLx = `
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
const categoryColumnsx = `sum(line_count)::int8, sum(spend_cents)::int8, sum(weight_kg), sum(weighed_lines)::int8,
	sum(co2e_kg), sum(co2e_lines)::int8, sum(co2e_spend_cents)::int8,
	sum(domestic_raw_cents)::int8, sum(domestic_manufactured_cents)::int8, sum(imported_cents)::int8,
	sum(energy_kj), sum(protein_g), sum(fat_g), sum(saturated_fat_g), sum(carbohydrate_g),
	sum(sugars_g), sum(fibre_g), sum(salt_g), sum(nutrition_spend_cents)::int8`
