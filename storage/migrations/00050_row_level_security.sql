-- +goose Up
-- Defense in depth (issue 8): every storage transaction runs as the role
-- omadata_app (SET LOCAL ROLE), which owns no table and cannot bypass
-- row-level security, and every member-owned table has a policy keyed on
-- settings the transaction's first statement makes (storage/scope.go):
--
--   omadata.scope      'member' (a member's request) or 'system' (services,
--                      retention, erasure, tools); unset: nothing is visible
--   omadata.visible    the customer ids the member may read (visible_owners)
--   omadata.household  the customer ids of the member's household (names and
--                      consents, which the household view and rule 5 read)
--
-- So a query that forgot its WHERE still returns only the caller's (and
-- shared) rows. A table added later with a customer_id column must get the
-- same policy: a test checks every such table.

-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'omadata_app') THEN
        CREATE ROLE omadata_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
    EXECUTE format('GRANT omadata_app TO %I', current_user);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'omadata: cannot create or grant role omadata_app; row-level security is not enforced for this database user';
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'omadata_app') THEN
        GRANT USAGE ON SCHEMA public TO omadata_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO omadata_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO omadata_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO omadata_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO omadata_app;
    END IF;
END $$;
-- +goose StatementEnd

-- rls_ids reads an id-list setting ('' or unset: none).
-- +goose StatementBegin
CREATE FUNCTION rls_ids(name text) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(nullif(current_setting(name, true), ''), '{}')::text[]
$$;
-- +goose StatementEnd

-- omadata_scope makes the settings of a transaction. It runs as the owner
-- (SECURITY DEFINER): working out whom a member may see reads other
-- members' rows, which the member's own policies would hide.
-- +goose StatementBegin
CREATE FUNCTION omadata_scope(scope text, viewer text, at timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM set_config('omadata.scope', scope, true);
    IF scope = 'member' THEN
        PERFORM set_config('omadata.visible', array(SELECT visible_owners(viewer, at))::text, true);
        PERFORM set_config('omadata.household', array(
            SELECT m.customer_id FROM members m
            WHERE m.household_id = (SELECT household_id FROM members WHERE customer_id = viewer))::text, true);
    ELSE
        PERFORM set_config('omadata.visible', '{}', true);
        PERFORM set_config('omadata.household', '{}', true);
    END IF;
END $$;
-- +goose StatementEnd

-- Policies on every table with a customer_id column: the caller's visible
-- rows (or everything in system scope). Members and consent events may
-- also be read across the member's household.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOR t IN
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables tb USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND c.column_name = 'customer_id' AND tb.table_type = 'BASE TABLE'
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY omadata_rows ON %I
            USING (current_setting('omadata.scope', true) = 'system' OR customer_id = ANY (rls_ids('omadata.visible')))
            WITH CHECK (current_setting('omadata.scope', true) = 'system' OR customer_id = ANY (rls_ids('omadata.visible')))$p$, t);
    END LOOP;
END $$;
-- +goose StatementEnd

CREATE POLICY omadata_household_read ON members FOR SELECT
    USING (customer_id = ANY (rls_ids('omadata.household')));
CREATE POLICY omadata_household_read ON consent_events FOR SELECT
    USING (customer_id = ANY (rls_ids('omadata.household')));

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'omadata_rows' LOOP
        EXECUTE format('DROP POLICY omadata_rows ON %I', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;
-- +goose StatementEnd
DROP POLICY omadata_household_read ON members;
DROP POLICY omadata_household_read ON consent_events;
DROP FUNCTION omadata_scope(text, text, timestamptz);
DROP FUNCTION rls_ids(text);
