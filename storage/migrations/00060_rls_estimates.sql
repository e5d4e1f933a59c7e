-- +goose Up
-- Row-level security policies the planner estimates right (issue 9).
--
-- The policies of 00050 compared settings with constants:
-- (SELECT current_setting('omadata.scope', true)) = 'system' OR (... =
-- 'member' AND ...). The planner cannot know a sub-select's value when it
-- plans, and counts each such comparison as 0.5 % selective, so it expected
-- about 7 of a member's 1,400 receipts to pass the policy. A page of the 20
-- newest then looked cheaper to read by fetching and sorting every receipt
-- of the member (17 ms on the benchmark's five years of history) than by
-- walking the (customer_id, purchased_at) index to the LIMIT (0.2 ms).
--
-- Here every test is a sub-select that returns the boolean or the id
-- itself. A bare boolean parameter counts as 50 % selective, which is the
-- right order of magnitude for the common case (a member reading their own
-- rows, all of which pass), and the planner walks the index again. The
-- meaning is unchanged: system scope sees everything, member scope the
-- member's own rows and those rule 5 shares with them (rls_visible), an
-- unset scope nothing. storage/plan_test.go fails if a page reads the
-- whole history again.

-- rls_member returns the member of a member-scope transaction, else null
-- (so a comparison with it is never true outside member scope).
-- +goose StatementBegin
CREATE FUNCTION rls_member() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('omadata.scope', true) = 'member'
        THEN nullif(current_setting('omadata.viewer', true), '') END
$$;
-- +goose StatementEnd

-- rls_visible as in 00050, empty outside member scope.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rls_visible() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    -- Worked out once per transaction, then kept in a transaction setting.
    v text := current_setting('omadata.visible', true);
BEGIN
    IF current_setting('omadata.scope', true) IS DISTINCT FROM 'member' THEN
        RETURN '{}';
    END IF;
    IF v IS NULL OR v = '' THEN
        v := array(SELECT visible_owners(current_setting('omadata.viewer', true),
            coalesce(nullif(current_setting('omadata.now', true), ''), now()::text)::timestamptz))::text;
        PERFORM set_config('omadata.visible', v, true);
    END IF;
    RETURN v::text[];
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    t text;
    rule text := $r$(SELECT current_setting('omadata.scope', true) = 'system')
        OR customer_id = (SELECT rls_member())
        OR customer_id = ANY ((SELECT rls_visible())::text[])$r$;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'omadata_rows' LOOP
        EXECUTE format('DROP POLICY omadata_rows ON %I', t);
        EXECUTE format('CREATE POLICY omadata_rows ON %I USING (%s) WITH CHECK (%s)', t, rule, rule);
    END LOOP;
END $$;
-- +goose StatementEnd

DROP POLICY omadata_household_read ON members;
DROP POLICY omadata_household_read ON consent_events;
CREATE POLICY omadata_household_read ON members FOR SELECT
    USING ((SELECT current_setting('omadata.scope', true) = 'member') AND customer_id = ANY ((SELECT rls_household())::text[]));
CREATE POLICY omadata_household_read ON consent_events FOR SELECT
    USING ((SELECT current_setting('omadata.scope', true) = 'member') AND customer_id = ANY ((SELECT rls_household())::text[]));

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t text;
    rule text := $r$(SELECT current_setting('omadata.scope', true)) = 'system'
        OR ((SELECT current_setting('omadata.scope', true)) = 'member'
            AND (customer_id = (SELECT current_setting('omadata.viewer', true)) OR customer_id = ANY (CAST((SELECT rls_visible()) AS text[]))))$r$;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'omadata_rows' LOOP
        EXECUTE format('DROP POLICY omadata_rows ON %I', t);
        EXECUTE format('CREATE POLICY omadata_rows ON %I USING (%s) WITH CHECK (%s)', t, rule, rule);
    END LOOP;
END $$;
-- +goose StatementEnd
DROP POLICY omadata_household_read ON members;
DROP POLICY omadata_household_read ON consent_events;
CREATE POLICY omadata_household_read ON members FOR SELECT
    USING ((SELECT current_setting('omadata.scope', true)) = 'member' AND customer_id = ANY (CAST((SELECT rls_household()) AS text[])));
CREATE POLICY omadata_household_read ON consent_events FOR SELECT
    USING ((SELECT current_setting('omadata.scope', true)) = 'member' AND customer_id = ANY (CAST((SELECT rls_household()) AS text[])));
DROP FUNCTION rls_member();
