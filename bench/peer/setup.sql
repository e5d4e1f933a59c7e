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
