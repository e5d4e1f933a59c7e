-- +goose Up
-- Versions of what an insights answer is computed from (issue 5), so the
-- API can keep answers in memory and know, in the same statement that
-- finds the members an answer counts, whether a kept one is still right
-- (storage/insights_cache.go).
--
-- members.sums_version changes in every transaction that changes a
-- member's receipts, lines or rollups: every writer of rollups (the
-- triggers on receipts and receipt_lines, the refresh after a deletion,
-- `omadata rollups rebuild`) calls rollup_lock_members first, which now
-- also moves the version on. It is drawn from a sequence, not counted up,
-- so a member erased and enrolled again, or a table emptied by a test,
-- never meets a version an earlier answer was kept under. Rows that are
-- there already start at 0, which the sequence never hands out (a
-- volatile default on ADD COLUMN would rewrite the table).
CREATE SEQUENCE sums_version_seq;
ALTER TABLE members ADD COLUMN sums_version bigint NOT NULL DEFAULT 0;
ALTER TABLE members ALTER COLUMN sums_version SET DEFAULT nextval('sums_version_seq');

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rollup_lock_members(ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Locked in id order first, so writers never deadlock; then updated.
    PERFORM 1 FROM members WHERE customer_id = ANY(ids) ORDER BY customer_id FOR NO KEY UPDATE;
    UPDATE members SET sums_version = nextval('sums_version_seq') WHERE customer_id = ANY(ids);
END
$$;
-- +goose StatementEnd

-- catalog_version changes in every transaction that changes categories or
-- products: lines of partial edge months are read with the products'
-- facts as they are now, and every answer carries category names. One
-- row, updated in the writer's transaction (a sequence alone is not
-- transactional: a reader could see the new number before the new
-- catalog).
CREATE SEQUENCE catalog_version_seq;
CREATE TABLE catalog_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
);
INSERT INTO catalog_version VALUES (true, nextval('catalog_version_seq'));

-- +goose StatementBegin
CREATE FUNCTION catalog_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = nextval('catalog_version_seq');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER categories_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER products_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();

-- +goose Down
DROP TRIGGER products_catalog_version ON products;
DROP TRIGGER categories_catalog_version ON categories;
DROP FUNCTION catalog_version_bump();
DROP TABLE catalog_version;
DROP SEQUENCE catalog_version_seq;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rollup_lock_members(ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM members WHERE customer_id = ANY(ids) ORDER BY customer_id FOR NO KEY UPDATE;
END
$$;
-- +goose StatementEnd
ALTER TABLE members DROP COLUMN sums_version;
DROP SEQUENCE sums_version_seq;
