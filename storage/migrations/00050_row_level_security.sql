-- +goose Up
-- Defense in depth (issue 8): every storage transaction runs as the role
-- omadata_app (SET LOCAL ROLE), which owns no table and cannot bypass
-- row-level security, and every member-owned table has a policy keyed on
-- settings the transaction's first statement makes (storage/scope.go):
--
--   omadata.scope   'member' (a member's request) or 'system' (services,
--                   retention, erasure, tools); unset: nothing is visible
--   omadata.viewer  the member: their own rows, and those rule 5 shares
--                   with them (rls_visible); names and consents of their
--                   household (rls_household), which the household view and
--                   rule 5 itself read
--   omadata.now     the application's clock reading
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

-- omadata_scope makes the settings of a transaction: its scope, the member
-- (viewer) and the application's clock reading (consents and sharing are
-- judged at that instant, so tests can move time).
-- +goose StatementBegin
CREATE FUNCTION omadata_scope(scope text, viewer text, at timestamptz) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT set_config('omadata.scope', scope, true), set_config('omadata.viewer', viewer, true),
        set_config('omadata.now', at::text, true), set_config('omadata.visible', '', true)
$$;
-- +goose StatementEnd

-- rls_visible returns whom the transaction's member may read (rule 5), and
-- rls_household the members of their household. They run as the owner
-- (SECURITY DEFINER): working this out reads other members' rows, which the
-- member's own policies would hide. The policies call them in a sub-select,
-- which PostgreSQL evaluates once per query and only when a row is not the
-- member's own: reading one's own data costs no sharing check at all.
-- +goose StatementBegin
CREATE FUNCTION rls_visible() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    -- Worked out once per transaction, then kept in a transaction setting.
    v text := current_setting('omadata.visible', true);
BEGIN
    IF v IS NULL OR v = '' THEN
        v := array(SELECT visible_owners(current_setting('omadata.viewer', true),
            coalesce(nullif(current_setting('omadata.now', true), ''), now()::text)::timestamptz))::text;
        PERFORM set_config('omadata.visible', v, true);
    END IF;
    RETURN v::text[];
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION rls_household() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT array(SELECT m.customer_id FROM members m
        WHERE m.household_id = (SELECT household_id FROM members
            WHERE customer_id = current_setting('omadata.viewer', true)))
$$;
-- +goose StatementEnd

-- Policies on every table with a customer_id column: the caller's visible
-- rows (or everything in system scope). Members and consent events may
-- also be read across the member's household.
--
-- Every setting is read in a scalar sub-select. Besides being evaluated
-- once per statement, a sub-select is a parameter to the planner, which
-- then estimates the policy by the column's statistics; written as a bare
-- current_setting() = 'x' comparison, each test counted as 0.5 % selective,
-- so the planner expected almost none of a member's rows to pass and read
-- and sorted all of them instead of walking an index to a LIMIT (the 20
-- newest receipts of a member with five years of history: 10 ms instead of
-- 0.1 ms; docs/performance.md).
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
            USING ((SELECT current_setting('omadata.scope', true)) = 'system'
                OR ((SELECT current_setting('omadata.scope', true)) = 'member'
                    AND (customer_id = (SELECT current_setting('omadata.viewer', true)) OR customer_id = ANY (CAST((SELECT rls_visible()) AS text[])))))
            WITH CHECK ((SELECT current_setting('omadata.scope', true)) = 'system'
                OR ((SELECT current_setting('omadata.scope', true)) = 'member'
                    AND (customer_id = (SELECT current_setting('omadata.viewer', true)) OR customer_id = ANY (CAST((SELECT rls_visible()) AS text[])))))$p$, t);
    END LOOP;
END $$;
-- +goose StatementEnd

CREATE POLICY omadata_household_read ON members FOR SELECT
    USING ((SELECT current_setting('omadata.scope', true)) = 'member' AND customer_id = ANY (CAST((SELECT rls_household()) AS text[])));
CREATE POLICY omadata_household_read ON consent_events FOR SELECT
    USING ((SELECT current_setting('omadata.scope', true)) = 'member' AND customer_id = ANY (CAST((SELECT rls_household()) AS text[])));

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
DROP FUNCTION rls_household();
DROP FUNCTION rls_visible();
DROP FUNCTION omadata_scope(text, text, timestamptz);
