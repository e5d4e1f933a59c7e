-- +goose Up
-- The consent ledger is append-only (DESIGN.md §6 rule 8), and PostgreSQL
-- itself keeps it so: UPDATE is always refused on consent_events and
-- consent_receipts, and DELETE (and TRUNCATE) unless the transaction has
-- declared itself a member erasure with
--     SET LOCAL omadata.erasure = 'on';
-- Only member erasure (deleteMyData, retention's inactivity erasure) sets it;
-- it also covers the ON DELETE CASCADE from members, so deleting a member
-- row without it fails while the member still has ledger rows.
-- current_setting(..., true) is NULL when the setting was never set and ''
-- after an earlier SET LOCAL ended, so only an explicit 'on' opens the door.

-- +goose StatementBegin
CREATE FUNCTION consent_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('omadata.erasure', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the consent ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'only member erasure deletes ledger rows, after SET LOCAL omadata.erasure = ''on''';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER consent_events_append_only
    BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_ledger_append_only();
CREATE TRIGGER consent_events_no_truncate
    BEFORE TRUNCATE ON consent_events
    FOR EACH STATEMENT EXECUTE FUNCTION consent_ledger_append_only();
CREATE TRIGGER consent_receipts_append_only
    BEFORE UPDATE OR DELETE ON consent_receipts
    FOR EACH ROW EXECUTE FUNCTION consent_ledger_append_only();
CREATE TRIGGER consent_receipts_no_truncate
    BEFORE TRUNCATE ON consent_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION consent_ledger_append_only();

-- +goose Down
DROP TRIGGER consent_receipts_no_truncate ON consent_receipts;
DROP TRIGGER consent_receipts_append_only ON consent_receipts;
DROP TRIGGER consent_events_no_truncate ON consent_events;
DROP TRIGGER consent_events_append_only ON consent_events;
DROP FUNCTION consent_ledger_append_only();
