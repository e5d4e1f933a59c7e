-- +goose Up
-- The link from receipt lines to their receipt, checked once per statement
-- instead of once per line (issue 9).
--
-- The foreign key receipt_lines -> receipts ran its check as a query of
-- its own for every line written: a million SPI calls for an import of a
-- million lines, about 10 % of the import's time on the benchmark's data
-- (alternating runs of `omadata import` on the same file, with and
-- without the key: 21.8 s against 19.6 s, then 24.2 s against 20.0 s;
-- with these triggers 20.6 s). The triggers below keep every promise the
-- key made, for a whole statement at a time:
--
--   * a line is written only with its receipt: after each statement that
--     inserts lines, one query finds the receipts of all of them and locks
--     them FOR KEY SHARE, as the key's check did, so a receipt cannot be
--     deleted under lines being written; if one is missing the statement
--     fails with foreign_key_violation;
--   * deleting receipts deletes their lines (ON DELETE CASCADE), in one
--     statement, so the lines' rollup trigger runs once for them all;
--   * TRUNCATE receipts empties receipt_lines too;
--   * the key columns of receipts and lines never change (the key refused
--     a receipt's new key while lines pointed at the old one; nothing in
--     Omadata changes either, so both are refused outright).
--
-- The triggers run as the caller, under row-level security, like the
-- rollup triggers: a receipt and its lines share customer_id, the only
-- column the policy reads, so the caller sees a receipt's lines exactly
-- when it sees the receipt. storage.TestReceiptLinesNeedTheirReceipt
-- checks each promise.

ALTER TABLE receipt_lines DROP CONSTRAINT receipt_lines_customer_id_receipt_seq_fkey;

-- +goose StatementBegin
CREATE FUNCTION receipt_lines_check_receipt() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    locked bigint;
BEGIN
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT customer_id, receipt_seq FROM new_lines) n;
    PERFORM 1 FROM receipts r
    WHERE (r.customer_id, r.receipt_seq) IN (SELECT customer_id, receipt_seq FROM new_lines)
    FOR KEY SHARE OF r;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < wanted THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'receipt_lines: a line''s receipt does not exist',
            TABLE = 'receipt_lines';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION receipts_delete_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM receipt_lines l USING old_receipts o
    WHERE l.customer_id = o.customer_id AND l.receipt_seq = o.receipt_seq;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION receipts_truncate_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE receipt_lines;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION refuse_key_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.customer_id, NEW.receipt_seq) IS DISTINCT FROM (OLD.customer_id, OLD.receipt_seq) THEN
        RAISE foreign_key_violation USING
            MESSAGE = TG_TABLE_NAME || ': customer_id and receipt_seq do not change',
            TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- Named to sort before receipt_lines_rollup_insert: the check runs first.
CREATE TRIGGER receipt_lines_check_receipt AFTER INSERT ON receipt_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_lines_check_receipt();
CREATE TRIGGER receipt_lines_key_fixed BEFORE UPDATE OF customer_id, receipt_seq ON receipt_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_key_change();
CREATE TRIGGER receipts_delete_lines AFTER DELETE ON receipts
    REFERENCING OLD TABLE AS old_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipts_delete_lines();
CREATE TRIGGER receipts_truncate_lines AFTER TRUNCATE ON receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipts_truncate_lines();
CREATE TRIGGER receipts_key_fixed BEFORE UPDATE OF customer_id, receipt_seq ON receipts
    FOR EACH ROW EXECUTE FUNCTION refuse_key_change();

-- +goose Down
DROP TRIGGER receipts_key_fixed ON receipts;
DROP TRIGGER receipts_truncate_lines ON receipts;
DROP TRIGGER receipts_delete_lines ON receipts;
DROP TRIGGER receipt_lines_key_fixed ON receipt_lines;
DROP TRIGGER receipt_lines_check_receipt ON receipt_lines;
DROP FUNCTION refuse_key_change(), receipts_truncate_lines(), receipts_delete_lines(),
    receipt_lines_check_receipt();
ALTER TABLE receipt_lines ADD FOREIGN KEY (customer_id, receipt_seq)
    REFERENCES receipts ON DELETE CASCADE;
