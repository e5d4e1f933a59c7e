-- +goose Up
-- The rule functions with plans kept for the session (issue 5).
--
-- consent_granted (00001) and household_sharing_open (00020) are SQL
-- functions whose body holds a sub-select, which PostgreSQL (up to 17) does
-- not inline: it plans the body again at every call site of every statement
-- that calls them, on every execution, even of a prepared statement. Rule 5
-- (visible_owners) calls them at four sites, so working out whom a member
-- may read cost five plannings per transaction; with row-level security
-- (rls_visible) and the consent check of the read itself, that was most of
-- the 2 ms of the first statement of a household insights request.
--
-- The same bodies in PL/pgSQL are planned once per connection and the plan
-- kept (prepared statements, generic after five runs). Their meaning is
-- unchanged: the same queries, word for word. rls_visible reads
-- visible_owners in FROM, where PostgreSQL inlines it into its own kept
-- plan, instead of as a set-returning call in the select list, which it
-- planned on every call.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION consent_granted(cid text, p text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((
        SELECT e.granted AND (e.expires_at IS NULL OR e.expires_at > at)
        FROM consent_events e
        WHERE e.customer_id = cid AND e.purpose = p
        ORDER BY (e.recorded_at <= at) DESC,
            CASE WHEN e.recorded_at <= at THEN e.recorded_at END DESC,
            CASE WHEN e.recorded_at <= at THEN e.event_seq END DESC,
            e.recorded_at, e.event_seq
        LIMIT 1), false);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION household_sharing_open(household text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM members main
        WHERE main.household_id = household AND main.household_role = 'MAIN'
          AND is_adult(main.birth_date, at)
          AND consent_granted(main.customer_id, 'HOUSEHOLD_SHARING', at));
END $$;
-- +goose StatementEnd

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
        v := array(SELECT o FROM visible_owners(current_setting('omadata.viewer', true),
            coalesce(nullif(current_setting('omadata.now', true), ''), now()::text)::timestamptz) o)::text;
        PERFORM set_config('omadata.visible', v, true);
    END IF;
    RETURN v::text[];
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rls_visible() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
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
CREATE OR REPLACE FUNCTION household_sharing_open(household text, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM members main
        WHERE main.household_id = household AND main.household_role = 'MAIN'
          AND is_adult(main.birth_date, at)
          AND consent_granted(main.customer_id, 'HOUSEHOLD_SHARING', at))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION consent_granted(cid text, p text, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((
        SELECT e.granted AND (e.expires_at IS NULL OR e.expires_at > at)
        FROM consent_events e
        WHERE e.customer_id = cid AND e.purpose = p
        ORDER BY (e.recorded_at <= at) DESC,
            CASE WHEN e.recorded_at <= at THEN e.recorded_at END DESC,
            CASE WHEN e.recorded_at <= at THEN e.event_seq END DESC,
            e.recorded_at, e.event_seq
        LIMIT 1), false)
$$;
-- +goose StatementEnd
