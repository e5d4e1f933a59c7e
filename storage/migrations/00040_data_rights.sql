-- +goose Up
-- Data rights and retention (DESIGN.md §6 rules 9 and 10).

-- Erasure nulls the erased member's id where they appear as the reader in
-- other members' access logs (the log stays the owner's). This index keeps
-- that from scanning every access event; it is not unique, so it is valid
-- for a table distributed by customer_id.
CREATE INDEX access_events_actor ON access_events (actor_id) WHERE actor_id IS NOT NULL;

-- Retention erases membership records some time after the member left.
CREATE INDEX household_memberships_left ON household_memberships (left_at) WHERE left_at IS NOT NULL;

-- One row per retention run: what it deleted and when it finished. `serve`
-- runs retention when no run has finished in the last day, so the replicas
-- together run it once a day, whenever they were started. Counts only:
-- nothing here refers to a member.
CREATE TABLE retention_runs (
    run_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    -- The time the retention windows were measured back from.
    as_of       timestamptz NOT NULL,
    receipts    bigint NOT NULL DEFAULT 0,
    members     int NOT NULL DEFAULT 0,
    memberships int NOT NULL DEFAULT 0
);
CREATE INDEX retention_runs_finished ON retention_runs (finished_at DESC) WHERE finished_at IS NOT NULL;

-- +goose Down
DROP TABLE retention_runs;
DROP INDEX household_memberships_left;
DROP INDEX access_events_actor;
