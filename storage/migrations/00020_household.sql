-- +goose Up
-- Household sharing (DESIGN.md §6 rule 5) in one place, used by every query
-- that reads shared purchase data (and by the row-level security policies):
-- an adult member's purchase data is visible to the other adults of the same
-- household while the owner's HOUSEHOLD_SHARING is granted, the viewer's own
-- is granted, and the MAIN member's is granted. Children never share and
-- never see. Everything is evaluated at `at` (the application's clock), so
-- a withdrawal, an expiry or a move to another household takes effect on
-- the next request, both ways.

-- +goose StatementBegin
CREATE FUNCTION is_adult(birth date, at timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT birth IS NULL OR birth + interval '18 years' <= at
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION household_sharing_open(household text, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM members main
        WHERE main.household_id = household AND main.household_role = 'MAIN'
          AND is_adult(main.birth_date, at)
          AND consent_granted(main.customer_id, 'HOUSEHOLD_SHARING', at))
$$;
-- +goose StatementEnd

-- visible_owners returns the members whose purchase data `viewer` may read
-- at `at`: the viewer, plus the household members rule 5 makes visible.
-- +goose StatementBegin
CREATE FUNCTION visible_owners(viewer text, at timestamptz) RETURNS SETOF text
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

CREATE INDEX access_events_by_time ON access_events (customer_id, at DESC, event_seq DESC);

-- +goose Down
DROP INDEX access_events_by_time;
DROP FUNCTION visible_owners(text, timestamptz);
DROP FUNCTION household_sharing_open(text, timestamptz);
DROP FUNCTION is_adult(date, timestamptz);
