package storage_test

import (
	"testing"

	"github.com/omadata/omadata/storage/pgtest"
)

// The rule functions of migration 00100 against the definitions they
// replaced (00020 and 00070, copied here word for word as pg_temp
// functions), on random households: members with and without a MAIN,
// minors, members coming of age, and sharing and product-level consents
// granted, denied, expiring and recorded after the moment asked about,
// at several moments. Every viewer must see exactly the same owners, and
// every consent must read the same.
func TestRuleFunctionsMatchTheirFirstDefinitions(t *testing.T) {
	ctx := t.Context()
	// One connection: the pg_temp functions live on the connection that
	// makes them.
	conn, err := pgtest.NewPool(t).Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, sql := range []string{
		`SELECT setseed(0.2026)`,
		`INSERT INTO members (customer_id, name, household_id, household_role, birth_date)
		 SELECT 'm' || h || '-' || k, 'Member ' || k, 'h' || h,
			CASE WHEN k = 1 AND h % 7 <> 0 THEN 'MAIN' ELSE 'MEMBER' END,
			CASE WHEN random() < 0.2 THEN NULL
				ELSE date '2008-06-01' - (random() * 365 * 60)::int END
		 FROM generate_series(1, 80) h, generate_series(1, 1 + h % 5) k`,
		`INSERT INTO consent_receipts (customer_id, receipt_id, issued_at, channel, actor, policy_version, changes)
		 SELECT customer_id, gen_random_uuid(), now(), 'MOBILE_APP', 'test', 'v1', '[]' FROM members`,
		`INSERT INTO consent_events (customer_id, purpose, granted, expires_at, channel, actor, policy_version, receipt_id, recorded_at)
		 SELECT m.customer_id, p, random() < 0.7,
			CASE WHEN random() < 0.3 THEN timestamptz '2026-06-01' + (random() * 400 - 200) * interval '1 day' END,
			'MOBILE_APP', 'test', 'v1', r.receipt_id,
			timestamptz '2026-06-01' + (random() * 600 - 400) * interval '1 day'
		 FROM members m JOIN consent_receipts r USING (customer_id),
			unnest(ARRAY['HOUSEHOLD_SHARING', 'PRODUCT_LEVEL_DATA']) p, generate_series(1, 3) n
		 WHERE random() < 0.6`,
		`CREATE FUNCTION pg_temp.old_consent_granted(cid text, p text, at timestamptz) RETURNS boolean
		 LANGUAGE plpgsql STABLE AS $$
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
		 END $$`,
		`CREATE FUNCTION pg_temp.old_sharing_open(household text, at timestamptz) RETURNS boolean
		 LANGUAGE plpgsql STABLE AS $$
		 BEGIN
			RETURN EXISTS (
				SELECT 1 FROM members main
				WHERE main.household_id = household AND main.household_role = 'MAIN'
				  AND is_adult(main.birth_date, at)
				  AND pg_temp.old_consent_granted(main.customer_id, 'HOUSEHOLD_SHARING', at));
		 END $$`,
		`CREATE FUNCTION pg_temp.old_visible_owners(viewer text, at timestamptz) RETURNS SETOF text
		 LANGUAGE sql STABLE AS $$
			SELECT viewer WHERE EXISTS (SELECT 1 FROM members WHERE customer_id = viewer)
			UNION ALL
			SELECT m.customer_id
			FROM members v
			JOIN members m ON m.household_id = v.household_id AND m.customer_id <> v.customer_id
			WHERE v.customer_id = viewer
			  AND is_adult(v.birth_date, at) AND is_adult(m.birth_date, at)
			  AND pg_temp.old_consent_granted(v.customer_id, 'HOUSEHOLD_SHARING', at)
			  AND pg_temp.old_consent_granted(m.customer_id, 'HOUSEHOLD_SHARING', at)
			  AND pg_temp.old_sharing_open(v.household_id, at)
		 $$`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	moments := `unnest(ARRAY[timestamptz '2025-01-01', '2025-12-31 23:59', '2026-06-01', '2026-09-15 12:00', '2027-03-01'])`
	var viewers, shared, differ int
	if err := conn.QueryRow(ctx, `
		WITH pairs AS (
			SELECT v.customer_id AS viewer, at,
				array(SELECT o FROM visible_owners(v.customer_id, at) o ORDER BY o) AS now,
				array(SELECT o FROM pg_temp.old_visible_owners(v.customer_id, at) o ORDER BY o) AS old
			FROM members v, `+moments+` at)
		SELECT count(*), count(*) FILTER (WHERE cardinality(now) > 1), count(*) FILTER (WHERE now <> old)
		FROM pairs`).Scan(&viewers, &shared, &differ); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d viewer moments, %d sharing", viewers, shared)
	if differ != 0 || shared < 20 || viewers-shared < 20 {
		t.Errorf("visible_owners: %d of %d viewer moments differ from the first definition (%d see someone else's data)",
			differ, viewers, shared)
	}
	var consents, granted int
	if err := conn.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE consent_granted(m.customer_id, p, at)),
			count(*) FILTER (WHERE consent_granted(m.customer_id, p, at) IS DISTINCT FROM pg_temp.old_consent_granted(m.customer_id, p, at)
				OR household_sharing_open(m.household_id, at) IS DISTINCT FROM pg_temp.old_sharing_open(m.household_id, at)
				OR coalesce((SELECT s.granted FROM consent_state(m.customer_id, p, at) s), false)
					IS DISTINCT FROM pg_temp.old_consent_granted(m.customer_id, p, at))
		FROM members m, unnest(ARRAY['HOUSEHOLD_SHARING', 'PRODUCT_LEVEL_DATA', 'NEWSLETTER']) p, `+moments+` at`).
		Scan(&consents, &granted, &differ); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d consents, %d granted", consents, granted)
	if differ != 0 || granted < 50 || consents-granted < 50 {
		t.Errorf("consents: %d of %d differ from the first definition (%d granted)", differ, consents, granted)
	}
}
