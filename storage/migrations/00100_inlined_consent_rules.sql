-- +goose Up
-- The consent and sharing rules as plans PostgreSQL inlines (issue 5).
--
-- Rule 5 (visible_owners) asked consent_granted and household_sharing_open
-- once per member pair: each a PL/pgSQL call, which runs its kept plan
-- through SPI, about 40 µs apiece. For a household of four that was about
-- 0.4 ms of the 0.5 ms it took to work out whom a member may read, on every
-- request that reads shared data; the consent check of each counted member
-- cost as much again (measured with a DO loop of 2,000 calls on the bench
-- data set: 0.38 ms against 0.05 ms for visible_owners, 0.19 ms against
-- 0.02 ms for four PRODUCT_LEVEL_DATA checks).
--
-- consent_state is the one definition of a member's current consent: the
-- same query as consent_granted, word for word, as a single-SELECT SQL
-- function returning a row, which PostgreSQL inlines into the calling
-- statement wherever it is read in FROM (LATERAL), so it costs one index
-- probe. No row means no event, which reads as not granted.
-- consent_granted stays for the statements that read one consent once,
-- and now reads consent_state. visible_owners keeps its meaning: it now
-- finds the adult members of the viewer's household whose sharing is
-- granted in one pass, then applies rule 5 to that set (the viewer and the
-- MAIN member must be in it).

-- +goose StatementBegin
CREATE FUNCTION consent_state(cid text, p text, at timestamptz) RETURNS TABLE (granted boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT e.granted AND (e.expires_at IS NULL OR e.expires_at > at)
    FROM consent_events e
    WHERE e.customer_id = cid AND e.purpose = p
    ORDER BY (e.recorded_at <= at) DESC,
        CASE WHEN e.recorded_at <= at THEN e.recorded_at END DESC,
        CASE WHEN e.recorded_at <= at THEN e.event_seq END DESC,
        e.recorded_at, e.event_seq
    LIMIT 1
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION consent_granted(cid text, p text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT s.granted FROM consent_state(cid, p, at) s), false);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION household_sharing_open(household text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM members main
        CROSS JOIN LATERAL consent_state(main.customer_id, 'HOUSEHOLD_SHARING', at) s
        WHERE main.household_id = household AND main.household_role = 'MAIN'
          AND is_adult(main.birth_date, at) AND s.granted);
END $$;
-- +goose StatementEnd

-- visible_owners returns the members whose purchase data `viewer` may read
-- at `at`: the viewer, plus the other adults of the viewer's household
-- whose HOUSEHOLD_SHARING is granted, when the viewer is such an adult too
-- and so is the household's MAIN member.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_owners(viewer text, at timestamptz) RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH sharing AS (
        SELECT m.customer_id, m.household_role
        FROM members v
        JOIN members m ON m.household_id = v.household_id
        CROSS JOIN LATERAL consent_state(m.customer_id, 'HOUSEHOLD_SHARING', at) s
        WHERE v.customer_id = viewer AND is_adult(m.birth_date, at) AND s.granted)
    SELECT viewer WHERE EXISTS (SELECT 1 FROM members WHERE customer_id = viewer)
    UNION ALL
    SELECT o.customer_id FROM sharing o
    WHERE o.customer_id <> viewer
      AND EXISTS (SELECT 1 FROM sharing WHERE customer_id = viewer)
      AND EXISTS (SELECT 1 FROM sharing WHERE household_role = 'MAIN')
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_owners(viewer text, at timestamptz) RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT viewer WHERE EXISTS (SELECT 1 FROM members WHERE customer_id = viewer)
    UNION ALL
    SELECT m.customer_id
    FROM members v
    JOIN members m ON m.household_id = v.household_id AND m.customer_id <> v.customer_id
    WHERE v.customer_id = viewer
      AND is_adult(v.birth_date, at) AND is_adult(m.birth_date, at)
      AND consent_granted(v.customer_id, 'HOUSEHOLD_SHARING', at)
      AND consent_granted(m.customer_id, 'HOUSEHOLD_SHARING', at)
      AND household_sharing_open(v.household_id, at)
$$;
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

DROP FUNCTION consent_state(text, text, timestamptz);
