-- +goose Up
-- Insight rollups (DESIGN.md §8): per-member monthly sums that insights read
-- instead of the lines, so an insight costs the same for ten years of
-- history as for one month (docs/insights.md).
--
-- They are kept by triggers on receipts and receipt_lines, so every path
-- that writes or deletes lines (ingest, consent withdrawal, retention,
-- erasure) keeps them right in its own transaction without knowing they
-- exist: an insert adds the new lines' sums; a delete or update recomputes
-- the (member, month) groups it touched from the lines that remain, so no
-- drift builds up even when product data changed since the lines came in.
-- `omadata rollups rebuild` recomputes everything after product corrections
-- (rollup_rebuild below).
--
-- The month of a purchase is its local date in the program's time zone
-- (OMADATA_TIME_ZONE). The application computes it at ingest, with the same
-- zone rules it uses for every date filter, and stores it on the receipt and
-- on each line as purchased_on; the triggers only read it. The lines carry
-- it too because a delete trigger must know the month of lines whose receipt
-- is already gone (ON DELETE CASCADE). Rows that exist when this migration
-- runs get the default zone; a deployment with another zone runs
-- `omadata rollups rebuild`, which rewrites purchased_on in the configured
-- zone before it recomputes.

ALTER TABLE receipts ADD COLUMN purchased_on date;
ALTER TABLE receipt_lines ADD COLUMN purchased_on date;
UPDATE receipts SET purchased_on = (purchased_at AT TIME ZONE 'Europe/Helsinki')::date;
UPDATE receipt_lines l SET purchased_on = r.purchased_on
FROM receipts r WHERE r.customer_id = l.customer_id AND r.receipt_seq = l.receipt_seq;
ALTER TABLE receipts ALTER COLUMN purchased_on SET NOT NULL;
ALTER TABLE receipt_lines ALTER COLUMN purchased_on SET NOT NULL;
-- Finds a member's receipts of a day range (partial months, recomputes).
CREATE INDEX receipts_by_day ON receipts (customer_id, purchased_on);

-- Receipt totals per member and month: spendCents, receiptCount, bonus.
CREATE TABLE receipt_month_rollups (
    customer_id          text NOT NULL REFERENCES members ON DELETE CASCADE,
    month                date NOT NULL,
    receipt_count        int NOT NULL,
    spend_cents          bigint NOT NULL,
    bonus_eligible_cents bigint NOT NULL,
    PRIMARY KEY (customer_id, month)
);

-- Line sums per member, month and category, over all the category's lines
-- (food or not: whether a category is food is read from categories when
-- insights are computed). category_id '' holds lines of a GTIN the catalog
-- does not know. A weight is known for unit KG (the quantity) and for unit
-- PIECE with a net weight; CO2e needs the weight and the product's factor;
-- nutrients need the weight and the product's nutrition. The *_lines and
-- *_spend_cents columns say how many lines, and how much spend, each sum is
-- based on (null-versus-zero and coverage).
CREATE TABLE category_month_rollups (
    customer_id                 text NOT NULL REFERENCES members ON DELETE CASCADE,
    month                       date NOT NULL,
    category_id                 text NOT NULL,
    line_count                  int NOT NULL,
    spend_cents                 bigint NOT NULL,
    weight_kg                   float8 NOT NULL,
    weighed_lines               int NOT NULL,
    co2e_kg                     float8 NOT NULL,
    co2e_lines                  int NOT NULL,
    co2e_spend_cents            bigint NOT NULL,
    domestic_raw_cents          bigint NOT NULL,
    domestic_manufactured_cents bigint NOT NULL,
    imported_cents              bigint NOT NULL,
    energy_kj                   float8 NOT NULL,
    protein_g                   float8 NOT NULL,
    fat_g                       float8 NOT NULL,
    saturated_fat_g             float8 NOT NULL,
    carbohydrate_g              float8 NOT NULL,
    sugars_g                    float8 NOT NULL,
    fibre_g                     float8 NOT NULL,
    salt_g                      float8 NOT NULL,
    nutrition_spend_cents       bigint NOT NULL,
    PRIMARY KEY (customer_id, month, category_id)
);

-- The same per calendar year (year = January 1st), so a range of many
-- years reads one row per category and year instead of twelve.
CREATE TABLE category_year_rollups (
    customer_id                 text NOT NULL REFERENCES members ON DELETE CASCADE,
    year                        date NOT NULL,
    category_id                 text NOT NULL,
    line_count                  int NOT NULL,
    spend_cents                 bigint NOT NULL,
    weight_kg                   float8 NOT NULL,
    weighed_lines               int NOT NULL,
    co2e_kg                     float8 NOT NULL,
    co2e_lines                  int NOT NULL,
    co2e_spend_cents            bigint NOT NULL,
    domestic_raw_cents          bigint NOT NULL,
    domestic_manufactured_cents bigint NOT NULL,
    imported_cents              bigint NOT NULL,
    energy_kj                   float8 NOT NULL,
    protein_g                   float8 NOT NULL,
    fat_g                       float8 NOT NULL,
    saturated_fat_g             float8 NOT NULL,
    carbohydrate_g              float8 NOT NULL,
    sugars_g                    float8 NOT NULL,
    fibre_g                     float8 NOT NULL,
    salt_g                      float8 NOT NULL,
    nutrition_spend_cents       bigint NOT NULL,
    PRIMARY KEY (customer_id, year, category_id)
);

-- Line sums per member and month without the category: product spend over
-- all lines, everything else over food lines (a known product whose
-- category group is not non_food). This is what the totals and byMonth
-- read: a few rows per member and month, however many categories.
CREATE TABLE line_month_rollups (
    customer_id                 text NOT NULL REFERENCES members ON DELETE CASCADE,
    month                       date NOT NULL,
    line_count                  int NOT NULL,
    spend_cents                 bigint NOT NULL,
    food_lines                  int NOT NULL,
    food_spend_cents            bigint NOT NULL,
    fruit_veg_kg                float8 NOT NULL,
    fruit_veg_spend_cents       bigint NOT NULL,
    co2e_kg                     float8 NOT NULL,
    co2e_lines                  int NOT NULL,
    co2e_spend_cents            bigint NOT NULL,
    domestic_raw_cents          bigint NOT NULL,
    domestic_manufactured_cents bigint NOT NULL,
    imported_cents              bigint NOT NULL,
    energy_kj                   float8 NOT NULL,
    protein_g                   float8 NOT NULL,
    fat_g                       float8 NOT NULL,
    saturated_fat_g             float8 NOT NULL,
    carbohydrate_g              float8 NOT NULL,
    sugars_g                    float8 NOT NULL,
    fibre_g                     float8 NOT NULL,
    salt_g                      float8 NOT NULL,
    nutrition_spend_cents       bigint NOT NULL,
    PRIMARY KEY (customer_id, month)
);

-- line_sum is one group of line_sums: a member's lines of one month and
-- category, with the category's food and fruit-or-vegetable flags.
CREATE TYPE line_sum AS (
    customer_id                 text,
    month                       date,
    category_id                 text,
    food                        boolean,
    fruit_veg                   boolean,
    line_count                  bigint,
    spend_cents                 bigint,
    weight_kg                   float8,
    weighed_lines               bigint,
    co2e_kg                     float8,
    co2e_lines                  bigint,
    co2e_spend_cents            bigint,
    domestic_raw_cents          bigint,
    domestic_manufactured_cents bigint,
    imported_cents              bigint,
    energy_kj                   float8,
    protein_g                   float8,
    fat_g                       float8,
    saturated_fat_g             float8,
    carbohydrate_g              float8,
    sugars_g                    float8,
    fibre_g                     float8,
    salt_g                      float8,
    nutrition_spend_cents       bigint
);

-- line_sums is the per-line formulas (DESIGN.md §7) the rollups are made
-- with: it sums lines per member, month and category. It takes the lines as
-- an array so that triggers can hand it their transition tables and the
-- rebuild any selection of lines. Nutrient grams = weight kg × 10 × value
-- per 100 g. insights.Line.Sums is its Go twin (the partial days of a
-- request); storage.TestRollupsEqualLines holds the two equal.
-- +goose StatementBegin
CREATE FUNCTION line_sums(lines receipt_lines[]) RETURNS SETOF line_sum
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT l.customer_id, date_trunc('month', l.purchased_on)::date, coalesce(p.category_id, ''),
        coalesce(k.grp <> 'non_food', false), coalesce(k.fruit_or_vegetable, false),
        count(*), sum(l.amount_cents)::bigint,
        coalesce(sum(w.kg), 0), count(w.kg),
        coalesce(sum(x.co2e), 0), count(x.co2e),
        coalesce(sum(l.amount_cents) FILTER (WHERE x.co2e IS NOT NULL), 0)::bigint,
        coalesce(sum(l.amount_cents) FILTER (WHERE p.origin = 'DOMESTIC_RAW_MATERIALS'), 0)::bigint,
        coalesce(sum(l.amount_cents) FILTER (WHERE p.origin = 'DOMESTIC_MANUFACTURED'), 0)::bigint,
        coalesce(sum(l.amount_cents) FILTER (WHERE p.origin = 'IMPORTED'), 0)::bigint,
        coalesce(sum(x.hg * p.energy_kj), 0), coalesce(sum(x.hg * p.protein), 0),
        coalesce(sum(x.hg * p.fat), 0), coalesce(sum(x.hg * p.saturated_fat), 0),
        coalesce(sum(x.hg * p.carbohydrate), 0), coalesce(sum(x.hg * p.sugars), 0),
        coalesce(sum(x.hg * p.fibre), 0), coalesce(sum(x.hg * p.salt), 0),
        coalesce(sum(l.amount_cents) FILTER (WHERE x.hg IS NOT NULL), 0)::bigint
    FROM unnest(lines) l
    LEFT JOIN products p ON p.gtin = l.gtin
    LEFT JOIN categories k ON k.category_id = p.category_id
    -- kg: the line's weight, NULL when unknown; co2e: NULL unless weight
    -- and factor are known; hg: hundreds of grams, NULL unless weight and
    -- nutrition are known (grams of a nutrient = hg × value per 100 g).
    CROSS JOIN LATERAL (SELECT CASE l.unit
        WHEN 'KG' THEN l.quantity::float8
        WHEN 'PIECE' THEN l.quantity::float8 * p.net_weight_kg END AS kg) w
    CROSS JOIN LATERAL (SELECT w.kg * p.co2e_kg_per_kg AS co2e,
        CASE WHEN p.energy_kj IS NOT NULL THEN w.kg * 10 END AS hg) x
    GROUP BY 1, 2, 3, 4, 5
$$;
-- +goose StatementEnd

-- rollup_lock_members serialises rollup maintenance per member: every
-- writer of a member's rollups locks the member's row first (in id order,
-- so writers never deadlock), so a recompute never misses or double-counts
-- the lines of a concurrent ingest. FOR NO KEY UPDATE is what an ingest's
-- own update of last_card_use_at takes anyway.
-- +goose StatementBegin
CREATE FUNCTION rollup_lock_members(ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM members WHERE customer_id = ANY(ids) ORDER BY customer_id FOR NO KEY UPDATE;
END
$$;
-- +goose StatementEnd

-- rollup_add_months adds line sums to the monthly rollups.
-- +goose StatementBegin
CREATE FUNCTION rollup_add_months(s line_sum[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO category_month_rollups AS t
    SELECT customer_id, month, category_id, line_count, spend_cents, weight_kg, weighed_lines,
        co2e_kg, co2e_lines, co2e_spend_cents, domestic_raw_cents, domestic_manufactured_cents,
        imported_cents, energy_kj, protein_g, fat_g, saturated_fat_g, carbohydrate_g, sugars_g,
        fibre_g, salt_g, nutrition_spend_cents
    FROM unnest(s)
    ORDER BY customer_id, month, category_id
    ON CONFLICT (customer_id, month, category_id) DO UPDATE SET
        line_count = t.line_count + excluded.line_count,
        spend_cents = t.spend_cents + excluded.spend_cents,
        weight_kg = t.weight_kg + excluded.weight_kg,
        weighed_lines = t.weighed_lines + excluded.weighed_lines,
        co2e_kg = t.co2e_kg + excluded.co2e_kg,
        co2e_lines = t.co2e_lines + excluded.co2e_lines,
        co2e_spend_cents = t.co2e_spend_cents + excluded.co2e_spend_cents,
        domestic_raw_cents = t.domestic_raw_cents + excluded.domestic_raw_cents,
        domestic_manufactured_cents = t.domestic_manufactured_cents + excluded.domestic_manufactured_cents,
        imported_cents = t.imported_cents + excluded.imported_cents,
        energy_kj = t.energy_kj + excluded.energy_kj,
        protein_g = t.protein_g + excluded.protein_g,
        fat_g = t.fat_g + excluded.fat_g,
        saturated_fat_g = t.saturated_fat_g + excluded.saturated_fat_g,
        carbohydrate_g = t.carbohydrate_g + excluded.carbohydrate_g,
        sugars_g = t.sugars_g + excluded.sugars_g,
        fibre_g = t.fibre_g + excluded.fibre_g,
        salt_g = t.salt_g + excluded.salt_g,
        nutrition_spend_cents = t.nutrition_spend_cents + excluded.nutrition_spend_cents;

    -- The food-level month sums; model.PeriodSums.AddCategory is the same fold.
    INSERT INTO line_month_rollups AS t
    SELECT customer_id, month, sum(line_count), sum(spend_cents),
        coalesce(sum(line_count) FILTER (WHERE food), 0),
        coalesce(sum(spend_cents) FILTER (WHERE food), 0),
        coalesce(sum(weight_kg) FILTER (WHERE food AND fruit_veg), 0),
        coalesce(sum(spend_cents) FILTER (WHERE food AND fruit_veg), 0),
        coalesce(sum(co2e_kg) FILTER (WHERE food), 0),
        coalesce(sum(co2e_lines) FILTER (WHERE food), 0),
        coalesce(sum(co2e_spend_cents) FILTER (WHERE food), 0),
        coalesce(sum(domestic_raw_cents) FILTER (WHERE food), 0),
        coalesce(sum(domestic_manufactured_cents) FILTER (WHERE food), 0),
        coalesce(sum(imported_cents) FILTER (WHERE food), 0),
        coalesce(sum(energy_kj) FILTER (WHERE food), 0),
        coalesce(sum(protein_g) FILTER (WHERE food), 0),
        coalesce(sum(fat_g) FILTER (WHERE food), 0),
        coalesce(sum(saturated_fat_g) FILTER (WHERE food), 0),
        coalesce(sum(carbohydrate_g) FILTER (WHERE food), 0),
        coalesce(sum(sugars_g) FILTER (WHERE food), 0),
        coalesce(sum(fibre_g) FILTER (WHERE food), 0),
        coalesce(sum(salt_g) FILTER (WHERE food), 0),
        coalesce(sum(nutrition_spend_cents) FILTER (WHERE food), 0)
    FROM unnest(s)
    GROUP BY customer_id, month
    ORDER BY customer_id, month
    ON CONFLICT (customer_id, month) DO UPDATE SET
        line_count = t.line_count + excluded.line_count,
        spend_cents = t.spend_cents + excluded.spend_cents,
        food_lines = t.food_lines + excluded.food_lines,
        food_spend_cents = t.food_spend_cents + excluded.food_spend_cents,
        fruit_veg_kg = t.fruit_veg_kg + excluded.fruit_veg_kg,
        fruit_veg_spend_cents = t.fruit_veg_spend_cents + excluded.fruit_veg_spend_cents,
        co2e_kg = t.co2e_kg + excluded.co2e_kg,
        co2e_lines = t.co2e_lines + excluded.co2e_lines,
        co2e_spend_cents = t.co2e_spend_cents + excluded.co2e_spend_cents,
        domestic_raw_cents = t.domestic_raw_cents + excluded.domestic_raw_cents,
        domestic_manufactured_cents = t.domestic_manufactured_cents + excluded.domestic_manufactured_cents,
        imported_cents = t.imported_cents + excluded.imported_cents,
        energy_kj = t.energy_kj + excluded.energy_kj,
        protein_g = t.protein_g + excluded.protein_g,
        fat_g = t.fat_g + excluded.fat_g,
        saturated_fat_g = t.saturated_fat_g + excluded.saturated_fat_g,
        carbohydrate_g = t.carbohydrate_g + excluded.carbohydrate_g,
        sugars_g = t.sugars_g + excluded.sugars_g,
        fibre_g = t.fibre_g + excluded.fibre_g,
        salt_g = t.salt_g + excluded.salt_g,
        nutrition_spend_cents = t.nutrition_spend_cents + excluded.nutrition_spend_cents;
$$;
-- +goose StatementEnd

-- rollup_add_years adds line sums to the yearly category rollups.
-- +goose StatementBegin
CREATE FUNCTION rollup_add_years(s line_sum[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO category_year_rollups AS t
    SELECT customer_id, date_trunc('year', month)::date, category_id, sum(line_count), sum(spend_cents),
        sum(weight_kg), sum(weighed_lines), sum(co2e_kg), sum(co2e_lines), sum(co2e_spend_cents),
        sum(domestic_raw_cents), sum(domestic_manufactured_cents), sum(imported_cents),
        sum(energy_kj), sum(protein_g), sum(fat_g), sum(saturated_fat_g), sum(carbohydrate_g),
        sum(sugars_g), sum(fibre_g), sum(salt_g), sum(nutrition_spend_cents)
    FROM unnest(s)
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (customer_id, year, category_id) DO UPDATE SET
        line_count = t.line_count + excluded.line_count,
        spend_cents = t.spend_cents + excluded.spend_cents,
        weight_kg = t.weight_kg + excluded.weight_kg,
        weighed_lines = t.weighed_lines + excluded.weighed_lines,
        co2e_kg = t.co2e_kg + excluded.co2e_kg,
        co2e_lines = t.co2e_lines + excluded.co2e_lines,
        co2e_spend_cents = t.co2e_spend_cents + excluded.co2e_spend_cents,
        domestic_raw_cents = t.domestic_raw_cents + excluded.domestic_raw_cents,
        domestic_manufactured_cents = t.domestic_manufactured_cents + excluded.domestic_manufactured_cents,
        imported_cents = t.imported_cents + excluded.imported_cents,
        energy_kj = t.energy_kj + excluded.energy_kj,
        protein_g = t.protein_g + excluded.protein_g,
        fat_g = t.fat_g + excluded.fat_g,
        saturated_fat_g = t.saturated_fat_g + excluded.saturated_fat_g,
        carbohydrate_g = t.carbohydrate_g + excluded.carbohydrate_g,
        sugars_g = t.sugars_g + excluded.sugars_g,
        fibre_g = t.fibre_g + excluded.fibre_g,
        salt_g = t.salt_g + excluded.salt_g,
        nutrition_spend_cents = t.nutrition_spend_cents + excluded.nutrition_spend_cents;
$$;
-- +goose StatementEnd

-- rollup_refresh_lines recomputes the line rollups of the given (member,
-- month) groups from the lines that remain, and the yearly rows of their
-- years from the months.
-- +goose StatementBegin
CREATE FUNCTION rollup_refresh_lines(cids text[], months date[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_lock_members(cids);
    DELETE FROM category_month_rollups t USING unnest(cids, months) g(c, m)
    WHERE t.customer_id = g.c AND t.month = g.m;
    DELETE FROM line_month_rollups t USING unnest(cids, months) g(c, m)
    WHERE t.customer_id = g.c AND t.month = g.m;
    PERFORM rollup_add_months(ARRAY(SELECT s FROM line_sums(ARRAY(
        SELECT l FROM (SELECT DISTINCT c, m FROM unnest(cids, months) g(c, m)) g
        JOIN receipts r ON r.customer_id = g.c
            AND r.purchased_on >= g.m AND r.purchased_on < (g.m + interval '1 month')::date
        JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq)) s));

    DELETE FROM category_year_rollups t USING unnest(cids, months) g(c, m)
    WHERE t.customer_id = g.c AND t.year = date_trunc('year', g.m)::date;
    INSERT INTO category_year_rollups
    SELECT t.customer_id, g.y, t.category_id, sum(line_count), sum(spend_cents),
        sum(weight_kg), sum(weighed_lines), sum(co2e_kg), sum(co2e_lines), sum(co2e_spend_cents),
        sum(domestic_raw_cents), sum(domestic_manufactured_cents), sum(imported_cents),
        sum(energy_kj), sum(protein_g), sum(fat_g), sum(saturated_fat_g), sum(carbohydrate_g),
        sum(sugars_g), sum(fibre_g), sum(salt_g), sum(nutrition_spend_cents)
    FROM (SELECT DISTINCT c, date_trunc('year', m)::date AS y FROM unnest(cids, months) g(c, m)) g
    JOIN category_month_rollups t ON t.customer_id = g.c
        AND t.month >= g.y AND t.month < (g.y + interval '1 year')::date
    GROUP BY t.customer_id, g.y, t.category_id
    ORDER BY 1, 2, 3;
END
$$;
-- +goose StatementEnd

-- rollup_refresh_receipts recomputes the receipt totals of the given
-- (member, month) groups from the receipts that remain.
-- +goose StatementBegin
CREATE FUNCTION rollup_refresh_receipts(cids text[], months date[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_lock_members(cids);
    DELETE FROM receipt_month_rollups t USING unnest(cids, months) g(c, m)
    WHERE t.customer_id = g.c AND t.month = g.m;
    INSERT INTO receipt_month_rollups
    SELECT r.customer_id, g.m, count(*), sum(r.total_cents), sum(r.bonus_eligible_cents)
    FROM (SELECT DISTINCT c, m FROM unnest(cids, months) g(c, m)) g
    JOIN receipts r ON r.customer_id = g.c
        AND r.purchased_on >= g.m AND r.purchased_on < (g.m + interval '1 month')::date
    GROUP BY 1, 2
    ORDER BY 1, 2;
END
$$;
-- +goose StatementEnd

-- rollup_rebuild recomputes every rollup of one member from their receipts
-- and lines (`omadata rollups rebuild`, after product corrections).
-- +goose StatementBegin
CREATE FUNCTION rollup_rebuild(cid text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s line_sum[];
BEGIN
    PERFORM rollup_lock_members(ARRAY[cid]);
    DELETE FROM category_month_rollups WHERE customer_id = cid;
    DELETE FROM category_year_rollups WHERE customer_id = cid;
    DELETE FROM line_month_rollups WHERE customer_id = cid;
    DELETE FROM receipt_month_rollups WHERE customer_id = cid;
    s := ARRAY(SELECT x FROM line_sums(ARRAY(SELECT l FROM receipt_lines l WHERE l.customer_id = cid)) x);
    PERFORM rollup_add_months(s);
    PERFORM rollup_add_years(s);
    INSERT INTO receipt_month_rollups
    SELECT customer_id, date_trunc('month', purchased_on)::date, count(*), sum(total_cents), sum(bonus_eligible_cents)
    FROM receipts WHERE customer_id = cid
    GROUP BY 1, 2;
END
$$;
-- +goose StatementEnd

-- Triggers on receipt_lines. Statement-level with transition tables: one
-- call per statement (COPY included), however many lines it wrote.
-- +goose StatementBegin
CREATE FUNCTION receipt_lines_rollup_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    s line_sum[];
BEGIN
    PERFORM rollup_lock_members(ARRAY(SELECT DISTINCT customer_id FROM new_lines));
    s := ARRAY(SELECT x FROM line_sums(ARRAY(SELECT n::receipt_lines FROM new_lines n)) x);
    PERFORM rollup_add_months(s);
    PERFORM rollup_add_years(s);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION receipt_lines_rollup_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cids text[];
    months date[];
BEGIN
    SELECT array_agg(c), array_agg(m) INTO cids, months
    FROM (SELECT DISTINCT customer_id, date_trunc('month', purchased_on)::date FROM old_lines) g(c, m);
    IF cids IS NOT NULL THEN
        PERFORM rollup_refresh_lines(cids, months);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- An update recomputes the groups of the rows whose summed columns changed,
-- before and after.
-- +goose StatementBegin
CREATE FUNCTION receipt_lines_rollup_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cids text[];
    months date[];
BEGIN
    SELECT array_agg(c), array_agg(m) INTO cids, months FROM (
        SELECT o.customer_id, date_trunc('month', o.purchased_on)::date FROM old_lines o
        JOIN new_lines n ON n.customer_id = o.customer_id AND n.receipt_seq = o.receipt_seq AND n.line_no = o.line_no
        WHERE (o.gtin, o.quantity, o.unit, o.amount_cents, o.purchased_on)
            IS DISTINCT FROM (n.gtin, n.quantity, n.unit, n.amount_cents, n.purchased_on)
        UNION
        SELECT n.customer_id, date_trunc('month', n.purchased_on)::date FROM old_lines o
        JOIN new_lines n ON n.customer_id = o.customer_id AND n.receipt_seq = o.receipt_seq AND n.line_no = o.line_no
        WHERE (o.gtin, o.quantity, o.unit, o.amount_cents, o.purchased_on)
            IS DISTINCT FROM (n.gtin, n.quantity, n.unit, n.amount_cents, n.purchased_on)
        -- A changed key: both sides, whole.
        UNION
        SELECT o.customer_id, date_trunc('month', o.purchased_on)::date FROM old_lines o
        WHERE NOT EXISTS (SELECT 1 FROM new_lines n WHERE n.customer_id = o.customer_id
            AND n.receipt_seq = o.receipt_seq AND n.line_no = o.line_no)
        UNION
        SELECT n.customer_id, date_trunc('month', n.purchased_on)::date FROM new_lines n
        WHERE NOT EXISTS (SELECT 1 FROM old_lines o WHERE n.customer_id = o.customer_id
            AND n.receipt_seq = o.receipt_seq AND n.line_no = o.line_no)) g(c, m);
    IF cids IS NOT NULL THEN
        PERFORM rollup_refresh_lines(cids, months);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION receipt_lines_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM category_month_rollups;
    DELETE FROM category_year_rollups;
    DELETE FROM line_month_rollups;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER receipt_lines_rollup_insert AFTER INSERT ON receipt_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_lines_rollup_insert();
CREATE TRIGGER receipt_lines_rollup_delete AFTER DELETE ON receipt_lines
    REFERENCING OLD TABLE AS old_lines
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_lines_rollup_delete();
CREATE TRIGGER receipt_lines_rollup_update AFTER UPDATE ON receipt_lines
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_lines_rollup_update();
CREATE TRIGGER receipt_lines_rollup_truncate AFTER TRUNCATE ON receipt_lines
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_lines_rollup_truncate();

-- Triggers on receipts: the totals.
-- +goose StatementBegin
CREATE FUNCTION receipts_rollup_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_lock_members(ARRAY(SELECT DISTINCT customer_id FROM new_receipts));
    INSERT INTO receipt_month_rollups AS t
    SELECT customer_id, date_trunc('month', purchased_on)::date, count(*), sum(total_cents), sum(bonus_eligible_cents)
    FROM new_receipts
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (customer_id, month) DO UPDATE SET
        receipt_count = t.receipt_count + excluded.receipt_count,
        spend_cents = t.spend_cents + excluded.spend_cents,
        bonus_eligible_cents = t.bonus_eligible_cents + excluded.bonus_eligible_cents;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION receipts_rollup_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cids text[];
    months date[];
BEGIN
    SELECT array_agg(c), array_agg(m) INTO cids, months
    FROM (SELECT DISTINCT customer_id, date_trunc('month', purchased_on)::date FROM old_receipts) g(c, m);
    IF cids IS NOT NULL THEN
        PERFORM rollup_refresh_receipts(cids, months);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Updates that leave the totals alone (lines_stored, warranty_until after a
-- consent withdrawal) cost nothing.
-- +goose StatementBegin
CREATE FUNCTION receipts_rollup_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cids text[];
    months date[];
BEGIN
    SELECT array_agg(c), array_agg(m) INTO cids, months FROM (
        SELECT o.customer_id, date_trunc('month', o.purchased_on)::date FROM old_receipts o
        WHERE NOT EXISTS (SELECT 1 FROM new_receipts n WHERE n.customer_id = o.customer_id
            AND n.receipt_seq = o.receipt_seq AND n.purchased_on = o.purchased_on
            AND n.total_cents = o.total_cents AND n.bonus_eligible_cents = o.bonus_eligible_cents)
        UNION
        SELECT n.customer_id, date_trunc('month', n.purchased_on)::date FROM new_receipts n
        WHERE NOT EXISTS (SELECT 1 FROM old_receipts o WHERE n.customer_id = o.customer_id
            AND n.receipt_seq = o.receipt_seq AND n.purchased_on = o.purchased_on
            AND n.total_cents = o.total_cents AND n.bonus_eligible_cents = o.bonus_eligible_cents)) g(c, m);
    IF cids IS NOT NULL THEN
        PERFORM rollup_refresh_receipts(cids, months);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION receipts_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM receipt_month_rollups;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER receipts_rollup_insert AFTER INSERT ON receipts
    REFERENCING NEW TABLE AS new_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipts_rollup_insert();
CREATE TRIGGER receipts_rollup_delete AFTER DELETE ON receipts
    REFERENCING OLD TABLE AS old_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipts_rollup_delete();
CREATE TRIGGER receipts_rollup_update AFTER UPDATE ON receipts
    REFERENCING OLD TABLE AS old_receipts NEW TABLE AS new_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipts_rollup_update();
CREATE TRIGGER receipts_rollup_truncate AFTER TRUNCATE ON receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipts_rollup_truncate();

-- Fill the rollups for the receipts that exist already.
SELECT rollup_rebuild(customer_id) FROM members ORDER BY customer_id;

-- +goose Down
DROP TRIGGER receipts_rollup_truncate ON receipts;
DROP TRIGGER receipts_rollup_update ON receipts;
DROP TRIGGER receipts_rollup_delete ON receipts;
DROP TRIGGER receipts_rollup_insert ON receipts;
DROP TRIGGER receipt_lines_rollup_truncate ON receipt_lines;
DROP TRIGGER receipt_lines_rollup_update ON receipt_lines;
DROP TRIGGER receipt_lines_rollup_delete ON receipt_lines;
DROP TRIGGER receipt_lines_rollup_insert ON receipt_lines;
DROP FUNCTION receipts_rollup_truncate(), receipts_rollup_update(), receipts_rollup_delete(),
    receipts_rollup_insert(), receipt_lines_rollup_truncate(), receipt_lines_rollup_update(),
    receipt_lines_rollup_delete(), receipt_lines_rollup_insert(), rollup_rebuild(text),
    rollup_refresh_receipts(text[], date[]), rollup_refresh_lines(text[], date[]),
    rollup_add_years(line_sum[]), rollup_add_months(line_sum[]), rollup_lock_members(text[]),
    line_sums(receipt_lines[]);
DROP TYPE line_sum;
DROP TABLE line_month_rollups, category_year_rollups, category_month_rollups, receipt_month_rollups;
DROP INDEX receipts_by_day;
ALTER TABLE receipt_lines DROP COLUMN purchased_on;
ALTER TABLE receipts DROP COLUMN purchased_on;
