-- +goose Up
-- The foundation schema. Every member-owned table leads its primary key (and
-- every unique and foreign key) with customer_id, so each can be distributed
-- by customer_id under Citus; the catalog (categories, stores, products) is
-- small and becomes reference tables (docs/scaling.md).

CREATE TABLE members (
    customer_id      text PRIMARY KEY CHECK (customer_id <> '' AND length(customer_id) <= 64),
    name             text NOT NULL,
    email            text,
    birth_date       date,
    household_id     text NOT NULL,
    household_role   text NOT NULL CHECK (household_role IN ('MAIN', 'MEMBER')),
    -- NULL: the program's default (OMADATA_RETENTION_YEARS).
    retention_years  int CHECK (retention_years BETWEEN 1 AND 100),
    joined_at        timestamptz NOT NULL DEFAULT now(),
    last_card_use_at timestamptz,
    last_login_at    timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_household ON members (household_id);

-- A card number belongs to one member. Uniqueness across members is kept by
-- upsertMembers (a key that does not lead with customer_id cannot be
-- enforced under Citus); the index serves the ingest lookup.
CREATE TABLE cards (
    customer_id text NOT NULL REFERENCES members ON DELETE CASCADE,
    card_number text NOT NULL CHECK (card_number <> ''),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, card_number)
);
CREATE INDEX cards_number ON cards (card_number);

-- Membership history: when a member joined and left each household.
CREATE TABLE household_memberships (
    customer_id  text NOT NULL REFERENCES members ON DELETE CASCADE,
    household_id text NOT NULL,
    role         text NOT NULL CHECK (role IN ('MAIN', 'MEMBER')),
    joined_at    timestamptz NOT NULL,
    left_at      timestamptz,
    PRIMARY KEY (customer_id, household_id, joined_at)
);

CREATE TABLE categories (
    category_id        text PRIMARY KEY CHECK (category_id <> ''),
    name_fi            text NOT NULL,
    name_sv            text NOT NULL,
    name_en            text NOT NULL,
    grp                text NOT NULL,
    fruit_or_vegetable boolean NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stores (
    store_id       text PRIMARY KEY CHECK (store_id <> ''),
    name           text NOT NULL,
    chain          text,
    kind           text NOT NULL CHECK (kind IN ('GROCERY', 'RESTAURANT', 'HOTEL', 'FUEL', 'DEPARTMENT', 'ONLINE')),
    city           text,
    bonus_eligible boolean NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Nutrition columns are per 100 g; all NULL when the nutrition is unknown.
CREATE TABLE products (
    gtin            text PRIMARY KEY CHECK (gtin ~ '^[0-9]{8,14}$'),
    name            text NOT NULL,
    brand           text,
    category_id     text NOT NULL REFERENCES categories,
    origin          text NOT NULL CHECK (origin IN ('DOMESTIC_RAW_MATERIALS', 'DOMESTIC_MANUFACTURED', 'IMPORTED', 'UNKNOWN')),
    origin_country  text,
    unit            text NOT NULL CHECK (unit IN ('PIECE', 'KG', 'L')),
    net_weight_kg   double precision CHECK (net_weight_kg > 0),
    energy_kj       double precision,
    fat             double precision,
    saturated_fat   double precision,
    carbohydrate    double precision,
    sugars          double precision,
    fibre           double precision,
    protein         double precision,
    salt            double precision,
    co2e_kg_per_kg  double precision CHECK (co2e_kg_per_kg >= 0),
    warranty_months int CHECK (warranty_months >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((energy_kj IS NULL) = (protein IS NULL))
);
CREATE INDEX products_category ON products (category_id);

-- Receipt sequence numbers are global (not per member) so the public id of a
-- receipt never says whose it is; the public id is an encoding of it.
CREATE SEQUENCE receipt_seq AS bigint;

CREATE TABLE receipts (
    customer_id          text NOT NULL REFERENCES members ON DELETE CASCADE,
    receipt_seq          bigint NOT NULL DEFAULT nextval('receipt_seq'),
    source               text NOT NULL,
    external_id          text NOT NULL,
    card_number          text NOT NULL,
    store_id             text NOT NULL REFERENCES stores,
    purchased_at         timestamptz NOT NULL,
    total_cents          bigint NOT NULL,
    bonus_eligible_cents bigint NOT NULL,
    currency             text NOT NULL,
    -- Lines the till sent, and lines stored (0 when product-level data is
    -- not collected for the member).
    line_count           int NOT NULL,
    lines_stored         int NOT NULL,
    warranty_until       date,
    -- SHA-256 of the canonical input: a replay with the same key and the same
    -- content is a duplicate, with other content a CONFLICT.
    content_hash         bytea NOT NULL,
    ingested_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, receipt_seq),
    UNIQUE (customer_id, source, external_id)
);
CREATE INDEX receipts_by_time ON receipts (customer_id, purchased_at DESC, receipt_seq DESC);
CREATE INDEX receipts_by_warranty ON receipts (customer_id, warranty_until) WHERE warranty_until IS NOT NULL;

CREATE TABLE receipt_lines (
    customer_id      text NOT NULL,
    receipt_seq      bigint NOT NULL,
    line_no          int NOT NULL,
    gtin             text,
    description      text NOT NULL,
    quantity         numeric(14, 3) NOT NULL,
    unit             text NOT NULL CHECK (unit IN ('PIECE', 'KG', 'L')),
    unit_price_cents bigint NOT NULL,
    amount_cents     bigint NOT NULL,
    discount_cents   bigint NOT NULL,
    warranty_until   date,
    PRIMARY KEY (customer_id, receipt_seq, line_no),
    FOREIGN KEY (customer_id, receipt_seq) REFERENCES receipts ON DELETE CASCADE
);

-- The consent ledger: append-only. The current consent of a purpose is its
-- latest event.
CREATE SEQUENCE consent_event_seq AS bigint;

CREATE TABLE consent_receipts (
    customer_id    text NOT NULL REFERENCES members ON DELETE CASCADE,
    receipt_id     uuid NOT NULL,
    issued_at      timestamptz NOT NULL,
    channel        text NOT NULL,
    actor          text NOT NULL,
    policy_version text NOT NULL,
    changes        jsonb NOT NULL,
    erased_lines   int NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, receipt_id)
);

CREATE TABLE consent_events (
    customer_id    text NOT NULL REFERENCES members ON DELETE CASCADE,
    event_seq      bigint NOT NULL DEFAULT nextval('consent_event_seq'),
    purpose        text NOT NULL,
    granted        boolean NOT NULL,
    expires_at     timestamptz,
    channel        text NOT NULL CHECK (channel IN ('MOBILE_APP', 'WEB_PORTAL', 'SERVICE_DESK', 'PHONE', 'MEMBER_REGISTRY')),
    actor          text NOT NULL,
    policy_version text NOT NULL,
    receipt_id     uuid NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (customer_id, event_seq),
    FOREIGN KEY (customer_id, receipt_id) REFERENCES consent_receipts ON DELETE CASCADE
);
CREATE INDEX consent_events_current ON consent_events (customer_id, purpose, recorded_at DESC, event_seq DESC);

-- consent_granted is the one definition of "the current consent": the
-- latest event of the purpose recorded at or before `at`, granted and not
-- expired at `at`. Before a member's first event (purchases made before the
-- registry enrolled them here), the enrolment state applies. No event at
-- all means denied. Queries pass `at` from the application's clock, so tests
-- can move time.
-- +goose StatementBegin
CREATE FUNCTION consent_granted(cid text, p text, at timestamptz) RETURNS boolean
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

-- The access log: who read a member's product-level data.
CREATE SEQUENCE access_event_seq AS bigint;

CREATE TABLE access_events (
    customer_id text NOT NULL REFERENCES members ON DELETE CASCADE,
    event_seq   bigint NOT NULL DEFAULT nextval('access_event_seq'),
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('HOUSEHOLD_MEMBER', 'SERVICE', 'EXPORT', 'SUPPORT')),
    actor_id    text,
    actor_name  text,
    resource    text NOT NULL,
    purpose     text NOT NULL,
    PRIMARY KEY (customer_id, event_seq)
);

-- Anonymous erasure counts: all that remains of an erased member.
CREATE TABLE erasures (
    day    date NOT NULL,
    reason text NOT NULL,
    count  int NOT NULL,
    PRIMARY KEY (day, reason)
);

-- +goose Down
DROP TABLE erasures, access_events, consent_events, consent_receipts, receipt_lines,
    receipts, products, stores, categories, household_memberships, cards, members;
DROP FUNCTION consent_granted;
DROP SEQUENCE receipt_seq, consent_event_seq, access_event_seq;
