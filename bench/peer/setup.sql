-- The peer's role on Omadata's database (idempotent; bench/peer/README.md).
-- PostGraphile connects as the database owner and switches, per request, to
-- omadata_peer: a role that owns nothing and cannot bypass row-level
-- security, so the policies of migration 00050 decide what each request sees,
-- keyed on the same settings Omadata's transactions make (omadata.scope and
-- omadata.viewer). It may read only the tables the peer exposes.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'omadata_peer') THEN
        CREATE ROLE omadata_peer NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
    EXECUTE format('GRANT omadata_peer TO %I', current_user);
END $$;
GRANT USAGE ON SCHEMA public TO omadata_peer;
GRANT SELECT ON receipts, receipt_lines, products, categories, stores TO omadata_peer;

-- The household page (H1) as a PostGraphile team would write it: a set-
-- returning function over the owners row-level security lets the member
-- see (rls_visible, the same rule-5 helper the policies use), newest first,
-- at most 100 (the page-size bound) of each owner, so each owner's receipts
-- are read from its own index. It runs as the caller: the policies still
-- apply to every row it returns.
CREATE OR REPLACE FUNCTION peer_household_receipts() RETURNS SETOF receipts
LANGUAGE sql STABLE AS $$
    SELECT r.*
    FROM unnest(rls_visible()) AS o(id)
    CROSS JOIN LATERAL (
        SELECT * FROM receipts r WHERE r.customer_id = o.id
        ORDER BY r.purchased_at DESC, r.receipt_seq DESC
        LIMIT 100) r
    ORDER BY r.purchased_at DESC, r.receipt_seq DESC
$$;
